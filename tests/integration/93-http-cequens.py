"""93-http-cequens: the CEQUENS driver against tests/fakes/fake_cequens.py. One token login
(apiKey/userName) for the first sends, JSON sends with a Bearer token, digits-only recipients and
our callback URL as dlrUrl; the fake's receipt (a GET with query parameters whose names are
UNVERIFIED, the driver's defaults) makes the message `delivered`, a wrong token is 404 and an
unknown statusId 400, both changing nothing; HTTP 400 and replyCode != 0 → `rejected` after one
POST; a 503 at the first CEQUENS credential fails over at once to a second CEQUENS credential
(another account, its own fake); an inbound message (format UNVERIFIED: --mo-fields and the
mo_*_field mapping agree) is stored for the project owning the credential; secrets never appear
in the daemon log; a stop with a send in flight exits cleanly."""
import json

from harness import check, check_eq, main, wait_for
from httpfakes import (Fake, add_credential, add_project_credential, callback_url,
                       check_log_clean, engine_sees, forged_token, inbound, stop_clean)

KEY = "cq-Key-8sPl2V"
KEY2 = "cq-Key2-0bN7aT"
USER = "cquser"
SETTINGS = {"from": "Cequens", "mo_from_field": "sender", "mo_to_field": "recipient",
            "mo_text_field": "text", "mo_id_field": "moId"}


def get(hub, path):
    """An unauthenticated GET callback, like CEQUENS sends them."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def test(hub):
    hub.start(["--retry-backoff", "30s"])
    fake = Fake(hub, "cequens", ["--api-key", KEY, "--user-name", USER,
                                 "--mo-fields", "sender,recipient,text,moId"])
    cred = add_credential(hub, "cq", "cequens", {"base_url": fake.base}, SETTINGS,
                          {"api_key": KEY, "user_name": USER}, is_default=True, priority=1)
    fake2 = Fake(hub, "cequens", ["--api-key", KEY2, "--user-name", USER])
    cred2 = add_project_credential(hub, hub.project_id, "cq",
                                   dict(SETTINGS, base_url=fake2.base),
                                   {"api_key": KEY2, "user_name": USER}, priority=2)
    # only the two CEQUENS credentials route this project's messages: the default one first
    r = hub.request("PATCH", "/v1/admin/projects/%s/providers/%s"
                    % (hub.project_id, hub.credential_id), {"active": False},
                    key=hub.admin_token)
    check_eq(r.status, 200, "deactivate the simulator: %r" % r)
    engine_sees(hub, "simulator", hub.credential_id, active=False)
    engine_sees(hub, "cq", cred2["id"])

    mid = hub.send(text="ahlan cequens", to="+201001234567", provider="cq").json["id"]
    m = hub.wait_status(mid, "submitted", timeout=15)
    check_eq(m["credential_id"], cred["id"], "the first credential")
    check_eq(len(fake.requests("/auth/v1/tokens")), 1, "one login")
    sends = fake.requests("/sms/v1/messages")
    check_eq(len(sends), 1, "one POST")
    check(sends[0]["headers"].get("Authorization", "").startswith("Bearer "), "Bearer token")
    body = json.loads(sends[0]["body"])
    check_eq((body["recipients"], body["senderName"], body["messageType"], body["messageText"],
              body["dlrUrl"]), ("201001234567", "Cequens", "text", "ahlan cequens",
                                callback_url(hub, cred)), "send body")
    pmid = m["provider_message_id"]

    q = "?messageId=%s&statusId=1" % pmid
    check_eq(get(hub, forged_token(cred) + q), 404, "wrong token")
    check_eq(get(hub, cred["callback_url"] + "?messageId=%s&statusId=999" % pmid), 400,
             "unknown status id")
    check_eq(hub.get_message(mid)["status"], "submitted", "after the forged receipts")
    fake.call("POST", "/_fake/dlr", {"id": pmid, "status": "delivered"})
    hub.wait_status(mid, "delivered", timeout=10)
    # the fake records the hub's answer a moment after the hub committed the receipt
    wait_for(lambda: any(c["status"] == 200 and c["method"] == "GET" for c in fake.callbacks()),
             10, "the receipt GET answered 200")

    # permanent: HTTP 400 with the error object, and replyCode 3 at HTTP 200
    for mode in ("400", "reply:3"):
        fake.fail_next(mode)
        bad = hub.send(text="refused", to="+201001234567").json["id"]
        mb = hub.wait_status(bad, "rejected", timeout=15)
        check_eq(mb["attempts"], 1, "rejected once (%s)" % mode)
    check_eq(len(fake.requests("/sms/v1/messages")), 3, "one POST per refused message")
    check_eq(fake2.requests("/sms/v1/messages"), [], "no failover after a permanent error")

    # temporary: a 503 → the second CEQUENS credential takes it at once
    fake.fail_next("503")
    mid3 = hub.send(text="failover", to="+201001234567").json["id"]
    m3 = hub.wait_status(mid3, "submitted", timeout=15)
    check_eq((m3["credential_id"], m3["attempts"]), (cred2["id"], 1), "failed over")
    check_eq(len(fake2.requests("/sms/v1/messages")), 1, "one POST at the second account")
    check_eq(len(fake.requests("/auth/v1/tokens")), 1, "still one login at the first")

    # inbound for the project owning the credential
    pid_b, _ = hub.add_project("CEQUENS B")
    cred_b = add_project_credential(hub, pid_b, "cq", SETTINGS,
                                    {"api_key": KEY, "user_name": USER})
    fake.call("POST", "/_fake/mo", {"from": "201009998877", "to": "Cequens", "text": "shukran",
                                    "url": callback_url(hub, cred_b)})
    rows = wait_for(lambda: inbound(hub, pid_b), 10, "the inbound message")
    check_eq(rows, [("201009998877", "Cequens", "shukran", 3, cred_b["id"])], "inbound row")
    check_eq(inbound(hub, hub.project_id), [], "nothing inbound in the other project")
    check_log_clean(hub, [KEY, KEY2])
    stop_clean(hub, fake, "cq")


if __name__ == "__main__":
    main(test)
