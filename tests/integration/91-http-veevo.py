"""91-http-veevo: the Veevo Tech driver against tests/fakes/fake_veevo.py. v3 JSON sends (hash,
+E.164 receivernum, sendernum `Default`), and the legacy form API on a second credential; the
message-id field and the receipt/inbound formats are UNVERIFIED, so the credential names them
(id_field, dlr_*_field, dlr_status_map, mo_*_field) and the fake is started to match: the
receipt the fake posts to our callback URL makes the message `delivered`, a wrong token is 404
and changes nothing; STATUS ERROR → `rejected` after one POST; a 503 fails over at once to the
project's next credential (the simulator); an inbound message is stored for the project that
owns the credential; the hash never appears in the daemon log; a stop with a send in flight
exits cleanly."""
import json
import urllib.parse

from harness import check, check_eq, main, wait_for
from httpfakes import (Fake, add_credential, add_project_credential, callback_url,
                       check_log_clean, forged_token, inbound, raw_post,
                       stop_clean)

HASH = "veevo-hash-7Yq2pL"
SETTINGS = {"id_field": "MESSAGE_ID", "dlr_id_field": "id", "dlr_status_field": "status",
            "dlr_status_map": {"DELIVERED": "delivered", "FAILED": "failed"},
            "mo_from_field": "from", "mo_to_field": "to", "mo_text_field": "message",
            "mo_id_field": "mo_id"}


def test(hub):
    hub.start(["--retry-backoff", "30s"])
    fake = Fake(hub, "veevo", ["--hash", HASH, "--id-field", "MESSAGE_ID",
                               "--mo-fields", "from,to,message,mo_id"])
    cred = add_credential(hub, "vv", "veevo", {"base_url": fake.base}, SETTINGS,
                          {"hash": HASH}, is_default=True, priority=1)

    mid = hub.send(text="salam veevo", to="+923001234567", provider="vv").json["id"]
    m = hub.wait_status(mid, "submitted", timeout=15)
    sends = fake.requests("/v3/sendsms")
    check_eq(len(sends), 1, "one POST")
    check_eq(json.loads(sends[0]["body"]), {"hash": HASH, "receivernum": "+923001234567",
                                            "sendernum": "Default",
                                            "textmessage": "salam veevo"}, "v3 body")
    pmid = m["provider_message_id"]
    check_eq(pmid, fake.call("GET", "/_fake/messages")[0]["id"], "provider id from MESSAGE_ID")

    form = urllib.parse.urlencode({"id": pmid, "status": "DELIVERED"}).encode()
    ctype = {"Content-Type": "application/x-www-form-urlencoded"}
    check_eq(raw_post(hub, forged_token(cred), form, ctype)[0], 404, "wrong token")
    check_eq(hub.get_message(mid)["status"], "submitted", "after the forged receipt")
    fake.call("POST", "/_fake/dlr", {"id": pmid, "status": "DELIVERED",
                                     "url": callback_url(hub, cred)})
    hub.wait_status(mid, "delivered", timeout=10)

    # permanent: STATUS ERROR → rejected after one POST, no failover
    fake.fail_next("102")
    mid2 = hub.send(text="bad", to="+923001234567").json["id"]
    m2 = hub.wait_status(mid2, "rejected", timeout=15)
    check_eq((m2["attempts"], m2["provider"]), (1, "vv"), "rejected by Veevo, once")
    check_eq(len(fake.requests("/v3/sendsms")), 2, "one POST for the refused message")

    # temporary: a 503 → failover to the simulator at once (the retry backoff is 30 s)
    fake.fail_next("503")
    mid3 = hub.send(text="failover", to="+923001234567").json["id"]
    m3 = hub.wait_status(mid3, "delivered", timeout=15)
    check_eq((m3["provider"], m3["attempts"]), ("simulator", 1), "failed over")
    check_eq(len(fake.requests("/v3/sendsms")), 3, "one POST at Veevo for it")

    # the legacy API (a catalog provider whose default_config says so)
    add_credential(hub, "vvl", "veevo", {"base_url": fake.base, "api": "legacy"}, SETTINGS,
                   {"hash": HASH})
    mid4 = hub.send(text="legacy api", to="+923001234567", provider="vvl").json["id"]
    hub.wait_status(mid4, "submitted", timeout=15)
    legacy = fake.requests("/sendsms")
    legacy = [e for e in legacy if e["path"] == "/sendsms"]
    check_eq(len(legacy), 1, "one legacy POST")
    check_eq(urllib.parse.parse_qs(legacy[0]["body"])["receivenum"], ["+923001234567"],
             "legacy spelling receivenum")

    # inbound for the project that owns the credential
    pid_b, _ = hub.add_project("Veevo B")
    cred_b = add_project_credential(hub, pid_b, "vv", SETTINGS, {"hash": HASH})
    fake.call("POST", "/_fake/mo", {"from": "+923009998877", "to": "8583", "text": "jawab",
                                    "url": callback_url(hub, cred_b)})
    rows = wait_for(lambda: inbound(hub, pid_b), 10, "the inbound message")
    check_eq(rows, [("+923009998877", "8583", "jawab", 3, cred_b["id"])], "inbound row")
    check_eq(inbound(hub, hub.project_id), [], "nothing inbound in the other project")
    check_log_clean(hub, [HASH])
    stop_clean(hub, fake, "vv")


if __name__ == "__main__":
    main(test)
