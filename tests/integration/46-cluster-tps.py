"""46-cluster-tps: a provider's TPS limit holds for the cluster as a whole (SPEC §10.1).

PostgreSQL only (SQLite has one node): two nodes on one database, a simulator credential with
tps 100; once both nodes count each other as live, each takes half of the limit. 400
one-segment messages are sent through both APIs and the aggregate submit rate is measured from
the simulator's submit times (both nodes write to one log). Checked: the cluster never exceeds
the limit by more than 10%. Not yet checked: that it uses all of it (claims are not sized to a
node's share; see docs/cluster.md)."""

import sys

from harness import check, check_eq, main, wait_for, PG_URL


def test(hub):
    if PG_URL is None:
        print("one node on SQLite: nothing to share")
        sys.exit(77)
    hub.bootstrap()
    hub.set_sim_settings({"tps": 100, "latency_ms": 2})
    hub.start(["--log-level", "info"])
    b = hub.peer()
    b.start(["--log-level", "info"])

    def shared(h):
        return "now shared by 2 nodes" in open(h.stderr_path, errors="replace").read()
    wait_for(lambda: shared(hub) and shared(b), 15, "both nodes taking half of the limits")

    ca, cb = hub.client(), b.client()
    ids = []
    for i in range(200):
        for c in (ca, cb):
            r = c.request("POST", "/v1/messages", {"to": "+998901234567", "text": "tps %d" % i})
            check_eq(r.status, 202, "send")
            ids.append(r.json["id"])
    for mid in ids:
        hub.wait_status(mid, {"submitted", "sent", "delivered"}, timeout=30)
    times = sorted(ln[4] for ln in hub.sim_log_lines(with_time=True))
    check_eq(len(times), 400, "every message submitted once")
    steady = times[40:-40]  # past the buckets' initial burst, before the last stragglers
    secs = (steady[-1] - steady[0]) / 1000.0
    rate = (len(steady) - 1) / secs
    print("aggregate %.1f submits/s over %.2f s with two nodes" % (rate, secs))
    check(rate <= 110, "aggregate rate %.1f/s exceeds the limit of 100 by more than 10%%" % rate)
    # No lower bound: claims are not sized to a node's share yet, so on a busy machine one node
    # can claim more than it sends at its half while the other idles (77-88/s seen, 100.1/s on
    # a quiet machine). The cluster never exceeds the limit; using all of it is open work.


if __name__ == "__main__":
    main(test)
