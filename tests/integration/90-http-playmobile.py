"""90-http-playmobile: the PlayMobile driver against tests/fakes/fake_playmobile.py. One JSON
POST per message (Basic auth, digits-only recipient, our id as `message-id`); the receipt the
fake posts to our callback URL (unsigned: the URL token is the only proof, so a wrong token or
another driver's path is 404 and changes nothing) makes the message `delivered`; error-code 406
(permanent) → `rejected` after one POST; error-code 100 (PlayMobile's internal error) is
retried with the same message-id (PlayMobile deduplicates on it); an inbound message (format
UNVERIFIED: the fake's --mo-fields and the credential's mo_*_field mapping agree) posted to the
second project's credential URL is stored for that project only; the password never appears in
the daemon log; a stop with a send in flight exits cleanly."""
import json

from harness import check, check_eq, main, wait_for
from httpfakes import (Fake, add_credential, add_project_credential, callback_url,
                       check_log_clean, forged_token, inbound, raw_post,
                       stop_clean)

PW = "pm-Secret-9xq2"
MAPPING = {"mo_from_field": "sender", "mo_to_field": "recipient", "mo_text_field": "text",
           "mo_id_field": "msg_id"}


def test(hub):
    hub.start(["--retry-backoff", "1s,1s,1s"])
    fake = Fake(hub, "playmobile", ["--password", PW, "--mo-fields",
                                    "sender,recipient,text,msg_id"])
    settings = dict(MAPPING, **{"from": "3700", "login": "pmuser"})
    cred = add_credential(hub, "pm", "playmobile", {"base_url": fake.base + "/broker-api"},
                          settings, {"password": PW})

    mid = hub.send(text="salom playmobile", to="+998901234567", provider="pm").json["id"]
    m = hub.wait_status(mid, "submitted", timeout=15)
    sends = fake.requests("/broker-api/send")
    check_eq(len(sends), 1, "one POST")
    check(sends[0]["headers"].get("Authorization", "").startswith("Basic "), "Basic auth")
    out = json.loads(sends[0]["body"])["messages"]
    check_eq(len(out), 1, "one message in the request")
    check_eq(out[0]["recipient"], "998901234567", "recipient as digits")
    check_eq(out[0]["sms"], {"originator": "3700", "content": {"text": "salom playmobile"}},
             "sms object")
    pmid = m["provider_message_id"]
    check_eq(out[0]["message-id"], pmid, "our message-id is the provider id")
    check(mid.endswith(pmid), "message-id %r taken from our id %r" % (pmid, mid))

    # forged receipts: a wrong token, another driver's path; neither changes anything
    forged = json.dumps({"message-id": pmid, "status": "delivered"}).encode()
    ctype = {"Content-Type": "application/json"}
    check_eq(raw_post(hub, forged_token(cred), forged, ctype)[0], 404, "wrong token")
    check_eq(raw_post(hub, cred["callback_url"].replace("/playmobile/", "/veevo/"), forged,
                      ctype)[0], 404, "another driver's path")
    check_eq(raw_post(hub, cred["callback_url"], b'{"message-id":"x","status":"bogus"}',
                      ctype)[0], 400, "unknown status word")
    check_eq(hub.get_message(mid)["status"], "submitted", "after the forged receipts")

    fake.call("POST", "/_fake/dlr", {"id": pmid, "status": "delivered",
                                     "url": callback_url(hub, cred)})
    hub.wait_status(mid, "delivered", timeout=10)
    # the fake records the hub's answer a moment after the hub committed the receipt
    wait_for(lambda: any(c["status"] == 200 for c in fake.callbacks()), 10,
             "the receipt answered 200")

    # permanent: error-code 406 (invalid content) → rejected after one POST
    fake.fail_next("406")
    mid2 = hub.send(text="refused", to="+998901234567", provider="pm").json["id"]
    m2 = hub.wait_status(mid2, "rejected", timeout=15)
    check_eq(m2["attempts"], 1, "no retry of a permanent error")
    check_eq(len(fake.requests("/broker-api/send")), 2, "one POST for the refused message")

    # temporary: error-code 100 → retried, with the same message-id
    fake.fail_next("100")
    mid3 = hub.send(text="after a 100", to="+998901234567", provider="pm").json["id"]
    m3 = hub.wait_status(mid3, "submitted", timeout=15)
    check_eq(m3["attempts"], 2, "one retry after error-code 100")
    last = [json.loads(e["body"])["messages"][0]["message-id"]
            for e in fake.requests("/broker-api/send")[-2:]]
    check(last[0] == last[1] == m3["provider_message_id"], "same message-id resent: %r" % last)

    # inbound for the project that owns the credential
    pid_b, _ = hub.add_project("PlayMobile B")
    cred_b = add_project_credential(hub, pid_b, "pm", settings, {"password": PW})
    fake.call("POST", "/_fake/mo", {"from": "998901112233", "to": "3700", "text": "javob",
                                    "url": callback_url(hub, cred_b)})
    rows = wait_for(lambda: inbound(hub, pid_b), 10, "the inbound message")
    check_eq(rows, [("998901112233", "3700", "javob", 3, cred_b["id"])], "inbound row")
    check_eq(inbound(hub, hub.project_id), [], "nothing inbound in the other project")
    check_log_clean(hub, [PW])
    stop_clean(hub, fake, "pm")


if __name__ == "__main__":
    main(test)
