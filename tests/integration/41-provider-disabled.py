"""41-provider-disabled: the provider kill switch (providers.enabled = 0) takes effect for
messages already queued: A is paced (tps 10) so a backlog waits in its queue; A is switched
off in the catalog; from one second later on A gets no submit at all, and every message ends
delivered (the backlog fails over to B). Switching a credential inactive works the same way."""
import time

from engine_fixtures import only_credentials, submits_by_message
from harness import check, main, now_ms


def test(hub):
    hub.bootstrap()
    a, b = only_credentials(hub, {"tps": 10, "latency_ms": 5}, {"latency_ms": 5})
    hub.start()
    c = hub.client()
    ids = []
    for i in range(60):
        r = c.request("POST", "/v1/messages", {"to": "+998901234567", "text": "backlog %d" % i})
        check(r.status == 202, "send: %r" % r)
        ids.append(r.json["id"])
    time.sleep(0.5)  # let A work through part of the backlog (pacing, not a condition wait)
    t_off = now_ms()
    hub.write_db([("UPDATE providers SET enabled = 0, updated_at = ? WHERE id = 'sim-a'",
                   (t_off,))])
    for mid in ids:
        hub.wait_status(mid, "delivered", timeout=20)
    subs = hub.sim_submits()
    to_a = [s for s in subs if s[2] == a]
    late = [s for s in to_a if s[4] > t_off + 1000]
    check(to_a, "A took some messages before it was switched off")
    check(not late, "submits to A more than 1 s after the switch: %r" % late[:3])
    by_b = sum(1 for s in subs if s[2] == b)
    check(by_b >= 30, "the backlog went to B (%d)" % by_b)
    for mid, s in submits_by_message(hub).items():
        check(sum(1 for x in s if x[1] == "accepted") == 1, "%s accepted once: %r" % (mid, s))

    # the credential switch (active = 0) on B: new messages now have no route at all
    t_off = now_ms()
    hub.write_db([("UPDATE provider_credentials SET active = 0, updated_at = ? WHERE id = ?",
                   (t_off, b))])
    time.sleep(1.2)  # the engine re-reads the credential table once a second
    mid = hub.send(text="nothing usable").json["id"]
    m = hub.wait_status(mid, "failed", timeout=10)
    check((m.get("error") or {}).get("code") == "no_route", "no route: %r" % m.get("error"))
    check(not [s for s in hub.sim_submits() if s[4] > t_off + 1000], "no submit after the switch")


if __name__ == "__main__":
    main(test)
