"""48-cluster-slow-lease: a credential slower than the claim lease never lets a second node
take a message the first one still holds (issue 7; docs/cluster.md "Claims, leases").

PostgreSQL only. Two nodes with the shortest claim lease (--claim-lease 2s) and a simulator
credential with tps 1, so each node sends one message every 2 s and its queue (at least 4
messages) holds messages for up to 8 s: four leases. 12 messages are sent through both APIs.
The nodes renew the leases of what they hold, so every message reaches the simulator exactly
once, none is marked in_doubt (a reclaim of a live node's lease), and all are delivered."""

import collections
import sys

from harness import check, check_eq, main, wait_for, PG_URL

COUNT = 12


def test(hub):
    if PG_URL is None:
        print("one node on SQLite: no other node to take a lease")
        sys.exit(77)
    hub.bootstrap()
    hub.set_sim_settings({"tps": 1, "latency_ms": 2})
    args = ["--claim-lease", "2s", "--log-level", "info"]
    hub.start(args)
    b = hub.peer()
    b.start(args)

    def shared(h):
        return "now shared by 2 nodes" in open(h.stderr_path, errors="replace").read()
    wait_for(lambda: shared(hub) and shared(b), 15, "both nodes taking half of the limits")

    ids = []
    for i in range(COUNT // 2):
        for node in (hub, b):
            r = node.request("POST", "/v1/messages", {"to": "+998901234567",
                                                      "text": "slow %d" % i})
            check_eq(r.status, 202, "send")
            ids.append(r.json["id"])
    wait_for(lambda: len(hub.sim_submits()) >= COUNT, 30, "every message submitted")
    for mid in ids:
        hub.wait_status(mid, "delivered", timeout=10)
    subs = collections.Counter(s[0] for s in hub.sim_submits())
    check_eq(sorted(subs), sorted(ids), "the messages submitted")
    twice = {m: n for m, n in subs.items() if n > 1}
    check(not twice, "submitted more than once (a lease ran out while held): %r" % twice)
    check_eq(hub.scalar("SELECT count(*) FROM messages WHERE in_doubt = 1"), 0,
             "messages reclaimed from a live node")
    times = sorted(s[4] for s in hub.sim_submits())
    print("%d messages at tps 1 over %.1f s with a 2 s lease: each submitted once"
          % (COUNT, (times[-1] - times[0]) / 1000.0))


if __name__ == "__main__":
    main(test, time_limit=60)
