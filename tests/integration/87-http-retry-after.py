"""87-http-retry-after: a vendor's 429 with Retry-After pauses the credential that long. The
Twilio fake answers one send 429 (20429) with `Retry-After: 5`: the message is retried (retry
backoff 1 s) but no request reaches the vendor before the 5 s are over — neither its retry nor
a second message sent during the pause. A 429 without Retry-After only pauses for the short
throttle backoff: its retry follows the 1 s retry backoff."""
from harness import check, main, wait_for
from httpfakes import Fake, add_credential

SID = "AC" + "a" * 32
TOKEN = "tw_token_0123456789abcdef0123456"


def sends(fake):
    return [e for e in fake.requests("/Messages.json") if e["method"] == "POST"]


def test(hub):
    hub.start(["--retry-backoff", "1s,1s,1s"])
    fake = Fake(hub, "twilio")
    add_credential(hub, "tw", "twilio", {"base_url": fake.base}, {"from": "+14155550000"},
                   {"account_sid": SID, "auth_token": TOKEN})

    fake.fail_next("429:5")
    m1 = hub.send(text="throttled with Retry-After", to="+14155552345", provider="tw").json["id"]
    first = wait_for(lambda: sends(fake), 15, "the first send")[0]
    check(first["status"] == 429, "the first send got the 429: %r" % first)
    m2 = hub.send(text="sent during the pause", to="+14155552346", provider="tw").json["id"]
    hub.wait_status(m1, "submitted", timeout=20)
    hub.wait_status(m2, "submitted", timeout=20)
    later = sends(fake)[1:]
    check(len(later) == 2 and all(e["status"] == 201 for e in later),
          "two accepted sends after the 429: %r" % [(e["status"], e["body"][:40]) for e in later])
    gaps = [e["ts"] - first["ts"] for e in later]
    check(min(gaps) >= 4.8, "nothing reached the vendor during the 5 s pause: %r" % gaps)

    # without Retry-After: the throttle backoff (≤ 10 s, starting at 100 ms) and the 1 s retry
    fake.fail_next("429")
    n = len(sends(fake))
    m3 = hub.send(text="throttled without Retry-After", to="+14155552347",
                  provider="tw").json["id"]
    hub.wait_status(m3, "submitted", timeout=20)
    mine = sends(fake)[n:]
    check(len(mine) == 2 and mine[0]["status"] == 429, "429 then accepted: %r" % mine)
    gap = mine[1]["ts"] - mine[0]["ts"]
    check(gap < 4.0, "no long pause without Retry-After (%.2f s)" % gap)


if __name__ == "__main__":
    main(test)
