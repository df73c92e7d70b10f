"""82-http-vonage: the Vonage HTTP driver against tests/fakes/fake_vonage.py with signed
receipts (sha512 `sig`). Sends carry our message id as client-ref and our callback URL; the
fake's signed receipt makes the message `delivered`; a receipt with a wrong signature is 403
and changes nothing; Vonage's HTTP 200 with status 1 (throttled) is retried; the API secret and
the signature secret never appear in the daemon log."""
import json

from harness import check, check_eq, main
from httpfakes import Fake, add_credential, check_log_clean, raw_post, stop_clean

KEY = "abcd1234"
SECRET = "s3cretpw-V0n"
SIGSECRET = "vsig-Secret-77aa"


def test(hub):
    hub.start(["--retry-backoff", "1s,1s,1s"])
    fake = Fake(hub, "vonage", ["--api-secret", SECRET, "--signature-secret", SIGSECRET,
                                "--signature-method", "sha512"])
    cred = add_credential(hub, "von", "vonage", {"base_url": fake.base},
                          {"from": "Acme", "signature_method": "sha512"},
                          {"api_key": KEY, "api_secret": SECRET, "signature_secret": SIGSECRET})
    cb_path = cred["callback_url"]

    mid = hub.send(text="hello vonage", to="+447911123456", provider="von").json["id"]
    m = hub.wait_status(mid, "submitted", timeout=15)
    sends = fake.requests("/sms/json")
    check_eq(len(sends), 1, "one send")
    body = sends[0]["body"]
    check(("client-ref=" + mid) in body, "client-ref in %r" % body)
    check("callback=" in body, "callback in %r" % body)
    pmid = m["provider_message_id"]

    forged = {"msisdn": "447911123456", "to": "Acme", "messageId": pmid, "status": "delivered",
              "client-ref": mid, "timestamp": "2024-01-01 00:00:00", "sig": "0" * 128}
    st, _ = raw_post(hub, cb_path, json.dumps(forged).encode(),
                     {"Content-Type": "application/json"})
    check_eq(st, 403, "forged receipt")
    check_eq(hub.get_message(mid)["status"], "submitted", "after the forged receipt")

    fake.call("POST", "/_fake/dlr", {"id": pmid, "status": "delivered"})
    hub.wait_status(mid, "delivered", timeout=10)

    fake.fail_next("throttle")
    mid2 = hub.send(text="throttled first", to="+447911123456", provider="von").json["id"]
    m = hub.wait_status(mid2, "submitted", timeout=15)
    check_eq(m["attempts"], 2, "retried after Vonage's status 1")
    check_log_clean(hub, [SECRET, SIGSECRET])
    stop_clean(hub, fake, "von")


if __name__ == "__main__":
    main(test)
