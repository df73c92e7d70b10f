"""83-http-failover: a Twilio credential (the project's default) whose fake answers 503 and
then refuses connections: each message fails over at once to the next credential (the
simulator) and ends delivered there, with one POST at the fake per message and no retry delay;
once the fake is back, messages go through Twilio again."""
from harness import check, check_eq, main, wait_for
from httpfakes import Fake, add_credential

SID = "AC" + "a" * 32
TOKEN = "tw_token_0123456789abcdef0123456"


def test(hub):
    hub.start(["--retry-backoff", "30s"])
    fake = Fake(hub, "twilio")
    add_credential(hub, "tw", "twilio", {"base_url": fake.base}, {"from": "+14155550000"},
                   {"account_sid": SID, "auth_token": TOKEN}, is_default=True, priority=1)

    # the engine has loaded the credential once a send naming it went out
    warm = hub.send(text="warm-up", to="+14155552345", provider="tw").json["id"]
    hub.wait_status(warm, "submitted", timeout=15)
    fake.fail_next("503", 2)
    ids = [hub.send(text="failover %d" % i, to="+14155552345").json["id"] for i in range(2)]
    for mid in ids:
        m = hub.wait_status(mid, "delivered", timeout=15)
        check_eq(m["provider"], "simulator", "failed over to the simulator: %s" % mid)
        check_eq(m["attempts"], 1, "failover is not a retry: %s" % mid)
    check_eq(len(fake.requests("/Messages.json")), 3, "one POST per message at Twilio")

    # connection refused (the fake is gone): temp-fail before any answer, failover again
    fake.stop()
    mid = hub.send(text="fake down", to="+14155552345").json["id"]
    m = hub.wait_status(mid, "delivered", timeout=15)
    check_eq(m["provider"], "simulator", "failover when the vendor is unreachable")

    timeline = [e for e in m["timeline"] if e.get("detail") and
                e["detail"].get("failover")]
    check(timeline and timeline[0]["detail"]["outcome"] in ("temp_fail", "temp-fail"),
          "failover recorded with a temp-fail outcome: %r" % m["timeline"])


if __name__ == "__main__":
    main(test)
