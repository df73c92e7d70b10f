"""80-http-twilio: the Twilio HTTP driver against tests/fakes/fake_twilio.py. A credential made
through the admin API (base URL pointed at the fake) sends with `provider` set: the fake gets
exactly one form POST per message with To/From/Body and our StatusCallback URL; the fake's
signed receipt to that URL makes the message `delivered`; a wrongly signed receipt is 403 and
changes nothing; an inbound message is stored (direction 1); a 503 is a temp-fail retried
(a second POST), a 429 is throttled and retried, a 400 21211 is `rejected`; the auth token
never appears in the daemon log; a stop with a send in flight exits cleanly."""
from harness import check, check_eq, main, wait_for
from httpfakes import Fake, add_credential, check_log_clean, raw_post, stop_clean

SID = "AC" + "a" * 32
TOKEN = "tw_token_0123456789abcdef0123456"


def test(hub):
    hub.start(["--retry-backoff", "1s,1s,1s"])
    fake = Fake(hub, "twilio")
    cred = add_credential(hub, "tw", "twilio", {"base_url": fake.base},
                          {"from": "+14155550000"}, {"account_sid": SID, "auth_token": TOKEN})
    cb_path = cred["callback_url"]

    mid = hub.send(text="hello twilio", to="+14155552345", provider="tw").json["id"]
    hub.wait_status(mid, "submitted", timeout=15)
    sends = fake.requests("/Messages.json")
    check_eq(len(sends), 1, "one POST to the fake")
    body = sends[0]["body"]
    check("To=%2B14155552345" in body and "Body=hello+twilio" in body and
          "From=%2B14155550000" in body, "form body %r" % body)
    check("StatusCallback=" in body and cb_path.replace("/", "%2F") in body,
          "our callback URL in %r" % body)
    pmid = hub.get_message(mid).get("provider_message_id") or fake.call(
        "GET", "/_fake/messages")[0]["sid"]

    # a wrongly signed receipt: 403, nothing changes
    form = "MessageSid=%s&MessageStatus=delivered&AccountSid=%s" % (pmid, SID)
    st, _ = raw_post(hub, cb_path, form.encode(),
                     {"Content-Type": "application/x-www-form-urlencoded",
                      "X-Twilio-Signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="})
    check_eq(st, 403, "bad signature")
    st, _ = raw_post(hub, cb_path[:-4] + "zzzz", form.encode(),
                     {"Content-Type": "application/x-www-form-urlencoded"})
    check_eq(st, 404, "unknown callback token")
    check_eq(hub.get_message(mid)["status"], "submitted", "status after the forged receipt")

    # the fake's signed receipt
    fake.call("POST", "/_fake/dlr", {"id": pmid, "status": "delivered"})
    hub.wait_status(mid, "delivered", timeout=10)
    # the hub answers the fake after its commit: the fake records the answer a moment later
    wait_for(lambda: any(c["status"] in (200, 204) for c in fake.callbacks()), 10,
             "the receipt callback answered 2xx")

    # an inbound message (signed like a receipt) is stored as an inbound message of the project
    fake.call("POST", "/_fake/mo", {"from": "+14155559999", "to": "+14155550000",
                                    "text": "reply from the handset",
                                    "url": "http://127.0.0.1:%d%s" % (hub.port, cb_path)})
    rows = wait_for(lambda: hub.query("SELECT direction, from_addr, to_number, body, status "
                                      "FROM messages WHERE direction = 1"), 10,
                    "the inbound message")
    check_eq(rows, [(1, "+14155559999", "+14155550000", "reply from the handset", 3)],
             "inbound row")
    wait_for(lambda: any(c["status"] == 200 and "MessageSid" in (c["body"] or "") and
                         "Body=" in c["body"] for c in fake.callbacks()), 10,
             "the MO callback answered 200")

    # 503 → temp-fail, retried
    fake.fail_next("503")
    mid2 = hub.send(text="after a 503", to="+14155552345", provider="tw").json["id"]
    m = hub.wait_status(mid2, "submitted", timeout=15)
    check_eq(m["attempts"], 2, "one retry after the 503")
    # 429 → throttled, retried
    fake.fail_next("429")
    mid3 = hub.send(text="after a 429", to="+14155552345", provider="tw").json["id"]
    hub.wait_status(mid3, "submitted", timeout=15)
    check_eq(len(fake.requests("/Messages.json")), 5, "POSTs: 1 + 2 + 2")
    # a permanent error → rejected
    fake.fail_next("21211")
    mid4 = hub.send(text="bad number", to="+14155552345", provider="tw").json["id"]
    hub.wait_status(mid4, "rejected", timeout=15)
    check_log_clean(hub, [TOKEN])
    stop_clean(hub, fake, "tw")


if __name__ == "__main__":
    main(test)
