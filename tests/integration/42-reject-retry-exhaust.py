"""42-reject-retry-exhaust: a permanent rejection ends `rejected` after exactly one submit
(no failover to B, no retry); when every candidate answers temp-fail, the message is retried
per the project's retry_schedule (seconds, as the dispatch-policy API stores it) and
max_retries, each round trying A then B,
and ends `failed` after the last round — with the rounds spaced by the schedule. A project
with failover off tries only its first candidate."""
from engine_fixtures import (add_credential, only_credentials, set_credential_settings,
                             set_policy, submits_by_message)
from harness import check, check_eq, main


def test(hub):
    hub.bootstrap()
    a, b = only_credentials(hub, {"reject_ratio": 1, "latency_ms": 5}, {"latency_ms": 5})
    set_policy(hub, failover=1, retry_schedule="[1, 2]", max_retries=2)
    hub.start(["--health-cooldown", "60s"])

    mid = hub.send(text="reject me").json["id"]
    m = hub.wait_status(mid, "rejected")
    check_eq(m["attempts"], 1, "rejected: attempts")
    check_eq([(c, o) for c, o, _ in submits_by_message(hub)[mid]], [(a, "rejected")],
             "exactly one submit, no failover")

    # every candidate temp-fails: 3 rounds (1 + max_retries) of A then B, then failed
    set_credential_settings(hub, a, {"temp_fail_ratio": 1, "latency_ms": 5})
    set_credential_settings(hub, b, {"temp_fail_ratio": 1, "latency_ms": 5})
    import time
    time.sleep(1.2)  # the engine picks up settings within a second
    mid = hub.send(text="all down").json["id"]
    m = hub.wait_status(mid, "failed", timeout=15)
    check_eq(m["attempts"], 3, "attempts (rounds)")
    subs = submits_by_message(hub)[mid]
    check_eq([(c, o) for c, o, _ in subs], [(a, "temp_fail"), (b, "temp_fail")] * 3,
             "each round tries A then B")
    gap1 = subs[2][2] - subs[1][2]
    gap2 = subs[4][2] - subs[3][2]
    check(980 <= gap1 < 2500, "first retry after ~1 s (%d)" % gap1)
    check(1980 <= gap2 < 3500, "second retry after ~2 s (%d)" % gap2)
    check(subs[1][2] - subs[0][2] < 300, "failover to B at once (%d ms)" % (subs[1][2] - subs[0][2]))
    check_eq((m["error"] or {}).get("code"), "sim-temporary", "error of the last answer")

    # failover off: only the first candidate, then its retries
    set_policy(hub, failover=0, retry_schedule="[1]", max_retries=1)
    time.sleep(1.2)
    mid = hub.send(text="no failover").json["id"]
    hub.wait_status(mid, "failed", timeout=10)
    check_eq([c for c, _, _ in submits_by_message(hub)[mid]], [a, a], "only A, twice")


if __name__ == "__main__":
    main(test)
