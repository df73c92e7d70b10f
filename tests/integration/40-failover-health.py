"""40-failover-health: provider A answers temp-fail → each message fails over to B at once
(one round, no retry delay) and ends delivered through B; A's health goes HEALTHY → DEGRADED
→ DOWN (provider_health_events), after which A is skipped; once A is fixed (its simulator
settings change while the hub runs) a half-open probe after the cool-down brings it back to
HEALTHY and messages go to A again. Throughout, no message is accepted by two providers, and
a message's submits are strictly sequential: each failover submit comes at least the
simulator's answer latency (5 ms) after the previous one, i.e. only after its answer. The
admin health endpoint shows the live state and the events."""
from engine_fixtures import (health_states, only_credentials, set_credential_settings,
                             submits_by_message, wait_health)
from harness import check, check_eq, main, wait_for


def check_exactly_once(hub):
    for mid, subs in submits_by_message(hub).items():
        accepted = [s for s in subs if s[1] == "accepted"]
        check(len(accepted) <= 1, "message %s accepted by %d submits: %r" % (mid, len(accepted),
                                                                             subs))
        times = [t for _, _, t in subs]
        # each submit only after the previous one's answer, which the simulator gives after
        # 5 ms; the times are whole ms of the wall clock, so 4 ms leaves room for a clock slew
        # (before the engine used precise timers, libevent's coarse 4 ms clock fired early)
        check(all(b - a >= 4 for a, b in zip(times, times[1:])),
              "message %s: a submit less than 4 ms after the previous one: %r" % (mid, subs))


def test(hub):
    hub.bootstrap()
    a, b = only_credentials(hub, {"temp_fail_ratio": 1, "latency_ms": 5}, {"latency_ms": 5})
    hub.start(["--health-cooldown", "2s", "--retry-backoff", "30s"])

    ids = []
    for i in range(8):
        ids.append(hub.send(text="failover %d" % i).json["id"])
    for mid in ids:
        m = hub.wait_status(mid, "delivered", timeout=10)
        check_eq(m["provider"], "sim-b", "provider of %s" % mid)
        check_eq(m["attempts"], 1, "one round (failover is not a retry) for %s" % mid)

    subs = submits_by_message(hub)
    first = subs[ids[0]]
    check_eq([(c, o) for c, o, _ in first], [(a, "temp_fail"), (b, "accepted")],
             "first message: A fails, B takes it")
    wait_health(hub, a, "down")
    check_eq(health_states(hub, a)[:2], ["degraded", "down"], "A's health events")
    check_eq(health_states(hub, b), [], "B stays healthy")
    a_tries = sum(1 for s in hub.sim_submits() if s[2] == a)
    check(a_tries >= 5, "A was tried until DOWN (%d submits)" % a_tries)

    # DOWN: A is skipped (no submit to it while its 2 s cool-down runs)
    down_at = hub.scalar("SELECT at FROM provider_health_events WHERE credential_id = ? AND "
                         "to_state = 'down'", (a,))
    mid = hub.send(text="while A is down").json["id"]
    m = hub.wait_status(mid, "delivered")
    check_eq(m["provider"], "sim-b", "delivered by B while A is down")
    during = [s for s in hub.sim_submits()
              if s[2] == a and down_at + 50 < s[4] < down_at + 1950]
    check(not during, "submits to A during its cool-down: %r" % during)

    r = hub.request("GET", "/v1/admin/providers/sim-a/health", key=hub.admin_token)
    check_eq(r.status, 200, "health endpoint: %r" % r)
    check_eq([c["state"] for c in r.json["credentials"]], ["down"], "live state")
    check_eq(r.json["credentials"][0]["credential_id"], a, "credential in the snapshot")
    check_eq([e["to"] for e in r.json["events"]][:2], ["down", "degraded"], "events newest first")
    r = hub.request("GET", "/v1/admin/providers/sim-a/health")  # an API key is not an admin
    check_eq(r.status, 403, "health endpoint with an API key")
    r = hub.request("GET", "/v1/admin/providers/nope/health", key=hub.admin_token)
    check_eq(r.status, 404, "unknown provider")

    # fix A: the probe after the cool-down succeeds and A is HEALTHY again
    set_credential_settings(hub, a, {"latency_ms": 5})

    def recovered():
        m = hub.send(text="probe?").json["id"]
        hub.wait_status(m, "delivered")
        return health_states(hub, a)[-1] == "healthy"

    wait_for(recovered, 15, "A to recover", interval=0.3)
    check_eq(health_states(hub, a)[-2:], ["probing", "healthy"], "recovery through a probe")
    mid = hub.send(text="A again").json["id"]
    m = hub.wait_status(mid, "delivered")
    check_eq(m["provider"], "sim-a", "messages go to A again")
    check_exactly_once(hub)
    r = hub.request("GET", "/v1/admin/providers/sim-a/health", key=hub.admin_token)
    wait_for(lambda: hub.request("GET", "/v1/admin/providers/sim-a/health",
                                 key=hub.admin_token).json["credentials"][0]["state"]
             == "healthy", 5, "snapshot shows healthy")


if __name__ == "__main__":
    main(test)
