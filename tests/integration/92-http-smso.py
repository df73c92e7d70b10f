"""92-http-smso: the SMSO.ro driver against tests/fakes/fake_smso.py. One form POST per message
(X-Authorization, sender id, our callback URL as webhook_status and webhook_responses); the
fake's unsigned status webhook makes the message `delivered` (a wrong token is 404 and changes
nothing, an unknown status 400); 400 and 402 → `rejected` after one POST; a 500 is retried
(attempts 2); a reply (MO) goes to the webhook_responses URL of the last message, here one of a
second project's credential, and is stored for that project only; the API key never appears in
the daemon log; a stop with a send in flight exits cleanly."""
import urllib.parse

from harness import check, check_eq, main, wait_for
from httpfakes import (Fake, add_credential, add_project_credential, callback_url,
                       check_log_clean, engine_sees, forged_token, inbound, raw_post,
                       stop_clean)

KEY = "smso-Key-4Rt9zQ"
SETTINGS = {"sender_id": "4", "receive_replies": True}


def test(hub):
    hub.start(["--retry-backoff", "1s,1s,1s"])
    fake = Fake(hub, "smso", ["--api-key", KEY])
    cred = add_credential(hub, "so", "smso", {"base_url": fake.base + "/api/v1"}, SETTINGS,
                          {"api_key": KEY})
    url = callback_url(hub, cred)

    mid = hub.send(text="salut smso", to="+40722334455", provider="so").json["id"]
    m = hub.wait_status(mid, "submitted", timeout=15)
    sends = fake.requests("/api/v1/send")
    check_eq(len(sends), 1, "one POST")
    check_eq(sends[0]["headers"].get("X-Authorization"), KEY, "X-Authorization")
    form = urllib.parse.parse_qs(sends[0]["body"])
    check_eq({k: form[k] for k in ("to", "sender", "body", "webhook_status",
                                   "webhook_responses")},
             {"to": ["+40722334455"], "sender": ["4"], "body": ["salut smso"],
              "webhook_status": [url], "webhook_responses": [url]}, "send form")
    pmid = m["provider_message_id"]
    check_eq(pmid, fake.call("GET", "/_fake/messages")[0]["uuid"], "responseToken is the id")

    forged = urllib.parse.urlencode({"uuid": pmid, "status": "delivered"}).encode()
    ctype = {"Content-Type": "application/x-www-form-urlencoded"}
    check_eq(raw_post(hub, forged_token(cred), forged, ctype)[0], 404, "wrong token")
    check_eq(raw_post(hub, cred["callback_url"], b"uuid=x&status=bogus", ctype)[0], 400,
             "unknown status")
    check_eq(hub.get_message(mid)["status"], "submitted", "after the forged receipt")

    fake.call("POST", "/_fake/dlr", {"id": pmid, "status": "sent"})
    fake.call("POST", "/_fake/dlr", {"id": pmid, "status": "delivered"})
    hub.wait_status(mid, "delivered", timeout=10)
    # both callbacks recorded (the fake writes its record after the hub's answer), all 200
    cbs = wait_for(lambda: len(fake.callbacks()) >= 2 and fake.callbacks(), 10,
                   "the fake to record both callbacks")
    check(all(c["status"] == 200 for c in cbs), "webhooks answered 200: %r" % cbs)

    # permanent: 400 (invalid) and 402 (no credit) → rejected after one POST each
    for mode in ("400", "402"):
        fake.fail_next(mode)
        bad = hub.send(text="refused %s" % mode, to="+40722334455", provider="so").json["id"]
        mb = hub.wait_status(bad, "rejected", timeout=15)
        check_eq(mb["attempts"], 1, "no retry after a %s" % mode)
    check_eq(len(fake.requests("/api/v1/send")), 3, "one POST per refused message")

    # temporary: a 500 → retried
    fake.fail_next("500")
    mid3 = hub.send(text="after a 500", to="+40722334455", provider="so").json["id"]
    m3 = hub.wait_status(mid3, "submitted", timeout=15)
    check_eq(m3["attempts"], 2, "one retry after the 500")

    # a reply: SMSO posts it to the webhook_responses URL of the message replied to
    pid_b, key_b = hub.add_project("SMSO B")
    cred_b = add_project_credential(hub, pid_b, "so", SETTINGS, {"api_key": KEY},
                                    is_default=True, priority=1)
    # routing reads the engine's view of the credentials, refreshed about twice a second
    engine_sees(hub, "so", cred_b["id"])
    mid_b = hub.send(text="from project B", to="+40722334455", key=key_b).json["id"]
    mb = hub.wait_status(mid_b, "submitted", timeout=15, key=key_b)
    check_eq(mb["credential_id"], cred_b["id"], "project B sends through its credential")
    fake.call("POST", "/_fake/mo", {"from": "+40722334455", "text": "raspuns"})
    rows = wait_for(lambda: inbound(hub, pid_b), 10, "the reply")
    check_eq(rows, [("+40722334455", "", "raspuns", 3, cred_b["id"])], "inbound row")
    check_eq(inbound(hub, hub.project_id), [], "nothing inbound in the other project")
    check_log_clean(hub, [KEY])
    stop_clean(hub, fake, "so")


if __name__ == "__main__":
    main(test)
