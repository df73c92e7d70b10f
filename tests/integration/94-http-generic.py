"""94-http-generic: a provider added without code. The `generic` driver is configured through
credential settings only to speak Vonage's SMS API (tests/fakes/fake_vonage.py, unsigned
receipts): a form body template with the api_key/api_secret secrets, our id as client-ref and
our callback URL; HTTP 200 answers classified by their body (status "0" accepted, "1"/"5"
temporary, anything else permanent); the message id from a JSON pointer; receipts (POST form)
and inbound messages mapped by field names with a status map. Shown: send → delivered via the
fake's receipt; a wrong token 404 and an unmapped status 400, neither changing anything; quota
(status 9) → `rejected` after one POST; throttled (status 1) and internal error (status 5) →
retried; a 503 → failover to the simulator; an inbound message stored for the project owning
the credential; a bad template is refused when the credential is created; the secret never
appears in the daemon log; a stop with a send in flight exits cleanly."""
import urllib.parse

from harness import check, check_eq, main, wait_for
from httpfakes import (Fake, add_credential, add_project_credential, callback_url,
                       check_log_clean, forged_token, inbound, raw_post,
                       stop_clean)

KEY = "gen12345"
SECRET = "gen-Secret-5Kx"
SETTINGS = {
    "method": "POST",
    "content_type": "form",
    "body": "api_key=${api_key}&api_secret=${api_secret}&from=${from}&to=${to_digits}"
            "&text=${text}&client-ref=${id}&callback=${callback_url}",
    "headers": {"Accept": "application/json"},
    "success_body": '"status": "0"',
    "temporary_body": 're:"status": "(1|5|10)"',
    "id_json_pointer": "/messages/0/message-id",
    "from": "Acme",
    "dlr_id_field": "messageId", "dlr_status_field": "status", "dlr_error_field": "err-code",
    "dlr_ref_field": "client-ref", "dlr_time_field": "message-timestamp",
    "dlr_status_map": {"accepted": "sent", "buffered": "sent", "unknown": "undelivered"},
    "mo_from_field": "msisdn", "mo_to_field": "to", "mo_text_field": "text",
    "mo_id_field": "messageId",
}


def test(hub):
    hub.start(["--retry-backoff", "1s,1s,1s"])
    fake = Fake(hub, "vonage", ["--api-key", KEY, "--api-secret", SECRET,
                                "--dlr-method", "POST-FORM"])
    settings = dict(SETTINGS, url=fake.base + "/sms/json")
    secrets = {"api_key": KEY, "api_secret": SECRET}

    # a template naming an unknown placeholder is refused up front
    r = hub.request("POST", "/v1/admin/providers",
                    {"id": "acme", "name": "acme", "driver": "generic", "default_config": {}},
                    key=hub.admin_token)
    check_eq(r.status, 201, "catalog entry")
    r = hub.request("POST", "/v1/admin/projects/%s/providers" % hub.project_id,
                    {"provider_id": "acme", "name": "bad", "settings": {"url": "${nope}"},
                     "secrets": {}}, key=hub.admin_token)
    check(r.status in (400, 422), "unknown placeholder refused: %r" % r)

    cred = add_project_credential(hub, hub.project_id, "acme", settings, secrets,
                                  is_default=True, priority=1)
    mid = hub.send(text="hello generic", to="+447911123456", provider="acme").json["id"]
    m = hub.wait_status(mid, "submitted", timeout=15)
    sends = fake.requests("/sms/json")
    check_eq(len(sends), 1, "one POST")
    form = urllib.parse.parse_qs(sends[0]["body"])
    check_eq({k: form[k][0] for k in ("api_key", "from", "to", "text", "client-ref",
                                      "callback")},
             {"api_key": KEY, "from": "Acme", "to": "447911123456", "text": "hello generic",
              "client-ref": mid, "callback": callback_url(hub, cred)}, "form body")
    pmid = m["provider_message_id"]
    check_eq(pmid, fake.call("GET", "/_fake/messages")[0]["message-id"], "id by JSON pointer")

    ctype = {"Content-Type": "application/x-www-form-urlencoded"}
    forged = urllib.parse.urlencode({"messageId": pmid, "status": "delivered"}).encode()
    check_eq(raw_post(hub, forged_token(cred), forged, ctype)[0], 404, "wrong token")
    check_eq(raw_post(hub, cred["callback_url"],
                      urllib.parse.urlencode({"messageId": pmid, "status": "weird"}).encode(),
                      ctype)[0], 400, "unmapped status")
    check_eq(hub.get_message(mid)["status"], "submitted", "after the forged receipts")

    fake.call("POST", "/_fake/dlr", {"id": pmid, "status": "accepted"})
    fake.call("POST", "/_fake/dlr", {"id": pmid, "status": "delivered"})
    hub.wait_status(mid, "delivered", timeout=10)
    # both callbacks recorded (the fake writes its record after the hub's answer), all 200
    cbs = wait_for(lambda: len(fake.callbacks()) >= 2 and fake.callbacks(), 10,
                   "the fake to record both callbacks")
    check(all(c["status"] == 200 for c in cbs), "receipts answered 200: %r" % cbs)

    # permanent: quota (status 9 at HTTP 200) → rejected after one POST, no failover
    fake.fail_next("quota")
    bad = hub.send(text="no quota", to="+447911123456").json["id"]
    mb = hub.wait_status(bad, "rejected", timeout=15)
    check_eq((mb["attempts"], mb["provider"]), (1, "acme"), "rejected once by acme")
    check_eq(len(fake.requests("/sms/json")), 2, "one POST for it")

    # temporary in the body: throttled (1) and internal error (5) → retried at acme
    for mode in ("throttle", "internal"):
        fake.fail_next(mode)
        t = hub.send(text="after %s" % mode, to="+447911123456", provider="acme").json["id"]
        mt = hub.wait_status(t, "submitted", timeout=15)
        check_eq(mt["attempts"], 2, "one retry after %s" % mode)

    # temporary by status code: a 503 → failover to the simulator at once
    fake.fail_next("503")
    fo = hub.send(text="failover", to="+447911123456").json["id"]
    mf = hub.wait_status(fo, "delivered", timeout=15)
    check_eq((mf["provider"], mf["attempts"]), ("simulator", 1), "failed over")

    # inbound for the project owning the credential
    pid_b, _ = hub.add_project("Generic B")
    cred_b = add_project_credential(hub, pid_b, "acme", settings, secrets)
    fake.call("POST", "/_fake/mo", {"from": "447700900001", "to": "447700900000",
                                    "text": "STOP please", "url": callback_url(hub, cred_b)})
    rows = wait_for(lambda: inbound(hub, pid_b), 10, "the inbound message")
    check_eq(rows, [("447700900001", "447700900000", "STOP please", 3, cred_b["id"])],
             "inbound row")
    check_eq(inbound(hub, hub.project_id), [], "nothing inbound in the other project")
    check_log_clean(hub, [SECRET])
    stop_clean(hub, fake, "acme")


if __name__ == "__main__":
    main(test)
