"""85-http-poll: delivery by status polling, for every driver whose vendor offers a status
query (Twilio, Eskiz, SMSO, CEQUENS, PlayMobile with `dlr_poll`, generic with `poll_url` — here
the generic driver configured against the Twilio fake). With `--poll-first 300ms` each message
is polled while the fake still has no news (it stays `submitted`), then the fake's status
changes WITHOUT a receipt being pushed (`/_fake/status`) and the next poll makes the message
`delivered`. The fakes never called the hub back. A Vonage credential (no status API) is never
polled: its message stays `submitted`."""
from harness import check, check_eq, main, wait_for
from httpfakes import Fake, add_credential

TW_SID = "AC" + "a" * 32
TW_TOKEN = "tw_token_0123456789abcdef0123456"


def vendors(hub):
    """(provider id, fake, to, fake status word for delivered, poll path marker)."""
    out = []
    tw = Fake(hub, "twilio")
    add_credential(hub, "tw", "twilio", {"base_url": tw.base}, {"from": "+14155550000"},
                   {"account_sid": TW_SID, "auth_token": TW_TOKEN})
    out.append(("tw", tw, "+14155552345", "delivered", "/Messages/SM"))
    esk = Fake(hub, "eskiz")
    add_credential(hub, "esk", "eskiz", {"base_url": esk.base + "/api"}, {},
                   {"email": "test@eskiz.uz", "password": "secret"})
    out.append(("esk", esk, "+998901234567", "DELIVRD", "/status_by_id/"))
    smso = Fake(hub, "smso")
    add_credential(hub, "smso", "smso", {"base_url": smso.base + "/api/v1"}, {"sender_id": "4"},
                   {"api_key": "smso-key"})
    out.append(("smso", smso, "+40722334455", "delivered", "/api/v1/status"))
    cq = Fake(hub, "cequens")
    add_credential(hub, "cq", "cequens", {"base_url": cq.base}, {"from": "Brand"},
                   {"api_key": "cq-key", "user_name": "cquser"})
    out.append(("cq", cq, "+201012345678", "delivered", "/sms/v1/messages/"))
    pm = Fake(hub, "playmobile")
    add_credential(hub, "pm", "playmobile", {"base_url": pm.base + "/broker-api"},
                   {"from": "3700", "dlr_poll": True}, {"login": "pmuser", "password": "pmpass"})
    out.append(("pm", pm, "+998901234568", "delivered", "/get-status"))
    gen = Fake(hub, "twilio")  # the generic driver speaking Twilio's API, from settings alone
    msgs = "%s/2010-04-01/Accounts/%s/Messages" % (gen.base, TW_SID)
    add_credential(hub, "gen", "generic", {},
                   {"url": msgs + ".json", "body": "To=${to}&From=%2B14155550000&Body=${text}",
                    "id_json_pointer": "/sid", "poll_url": msgs + "/${pmid}.json",
                    "poll_status_pointer": "/status", "username": TW_SID},
                   {"password": TW_TOKEN})
    out.append(("gen", gen, "+14155552346", "delivered", "/Messages/SM"))
    return out


def test(hub):
    hub.start(["--retry-backoff", "1s,1s,1s", "--poll-first", "300ms"])
    all_vendors = vendors(hub)
    sent = []
    for pid, fake, to, word, marker in all_vendors:
        mid = hub.send(text="poll me %s" % pid, to=to, provider=pid).json["id"]
        sent.append((pid, fake, mid, word, marker))
    for pid, fake, mid, word, marker in sent:
        m = hub.wait_status(mid, {"submitted", "sent"}, timeout=15)
        check(m.get("provider_message_id"), "%s: provider id known" % pid)
    # every one is polled while the vendor has no news yet: still not delivered
    for pid, fake, mid, word, marker in sent:
        wait_for(lambda: len(fake.requests(marker)) >= 1, 10, "%s: a first poll" % pid)
        check(hub.get_message(mid)["status"] in ("submitted", "sent"),
              "%s: no news yet, not delivered" % pid)
    # the vendor's status changes, no receipt is pushed: the next poll brings it
    for pid, fake, mid, word, marker in sent:
        fake.call("POST", "/_fake/status",
                  {"id": hub.get_message(mid)["provider_message_id"], "status": word})
    for pid, fake, mid, word, marker in sent:
        m = hub.wait_status(mid, "delivered", timeout=15)
        check_eq(m["status"], "delivered", "%s delivered by polling" % pid)
        check_eq(fake.callbacks(), [], "%s: the fake never called the hub" % pid)
        check(len(fake.requests(marker)) >= 2, "%s: polled again after the change" % pid)
    # the timeline shows the delivery
    for pid, fake, mid, word, marker in sent:
        n = hub.scalar("SELECT count(*) FROM message_events WHERE message_id = ? AND status = 3",
                       (mid,))
        check(n >= 1, "%s: a delivered event" % pid)

    # Vonage has no status API: never polled, the message waits for a push
    von = Fake(hub, "vonage")
    add_credential(hub, "von", "vonage", {"base_url": von.base}, {"from": "Acme"},
                   {"api_key": "abcd1234", "api_secret": "s3cretpw"})
    mid = hub.send(text="no polling", to="+447911123456", provider="von").json["id"]
    hub.wait_status(mid, "submitted", timeout=15)
    # a Twilio message accepted after it is polled twice: the Vonage one had its chances too
    tw = all_vendors[0][1]
    tmid = hub.send(text="poll clock", to="+14155552345", provider="tw").json["id"]
    sid = hub.wait_status(tmid, {"submitted", "sent"}, timeout=15)["provider_message_id"]
    wait_for(lambda: len(tw.requests("/Messages/%s.json" % sid)) >= 2, 15,
             "two polls of a later Twilio message")
    check_eq([e["path"] for e in von.entries() if "callback" not in e], ["/sms/json"],
             "only the send reached Vonage")
    check_eq(hub.get_message(mid)["status"], "submitted", "vonage message still submitted")


if __name__ == "__main__":
    main(test)
