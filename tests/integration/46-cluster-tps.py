"""46-cluster-tps: a provider's TPS limit holds for the cluster as a whole, and the cluster uses
all of it (SPEC §10.1; issue 7: within 10 % of the limit).

PostgreSQL only (SQLite has one node): two nodes on one database, a simulator credential with
tps 100; once both nodes count each other as live, each takes half of the limit. 1 000
one-segment messages are sent through both APIs (four clients), all scheduled for one moment a
few seconds ahead, so the dispatch runs from a full backlog whatever the clients' speed. The
aggregate submit rate is measured from the simulator's submit times (both nodes append to one
log) over the steady middle (the 10th to the 90th percentile of the submits: past the buckets'
first tokens, before the last stragglers) and must be within 10 % of 100 both ways: the cluster
never exceeds the limit, and claims sized to a node's share keep both nodes busy to the end."""

import sys
import threading
import time

from harness import check, check_eq, main, rfc3339, wait_for, PG_URL

COUNT = 1000
LEAD_S = 10.0  # the clients need a few seconds on a busy machine; checked below


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

    at = time.time() + LEAD_S
    when = rfc3339(at)
    ids, errors, lock = [], [], threading.Lock()

    def sender(node, k):
        c = node.client()
        try:
            for i in range(k, COUNT, 4):
                r = c.request("POST", "/v1/messages",
                              {"to": "+998901234567", "text": "tps %d" % i, "scheduled_at": when})
                with lock:
                    (ids.append(r.json["id"]) if r.status == 202 else errors.append(r))
        finally:
            c.close()
    threads = [threading.Thread(target=sender, args=(n, k), daemon=True)
               for k, n in enumerate((hub, b, hub, b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(LEAD_S + 20)
    sent_by = time.time()
    check(not errors, "sends refused: %r" % errors[:3])
    check_eq(len(ids), COUNT, "messages accepted")
    check(sent_by < at, "the clients took %.1f s, past the schedule: the test would measure "
          "them, not the dispatch" % (sent_by - at + LEAD_S))

    wait_for(lambda: len(hub.sim_log_lines()) >= COUNT, 40, "every message submitted")
    times = sorted(ln[4] for ln in hub.sim_log_lines(with_time=True))
    check_eq(len(times), COUNT, "every message submitted once")
    check_eq(len({ln[0] for ln in hub.sim_log_lines()}), COUNT, "distinct messages submitted")
    lo, hi = COUNT // 10, COUNT - COUNT // 10
    secs = (times[hi] - times[lo]) / 1000.0
    rate = (hi - lo) / secs
    total = (times[-1] - times[0]) / 1000.0
    print("aggregate %.1f submits/s over the steady %.2f s (all %d in %.2f s) with two nodes"
          % (rate, secs, COUNT, total))
    check(rate <= 110, "aggregate rate %.1f/s exceeds the limit of 100 by more than 10%%" % rate)
    check(rate >= 90, "aggregate rate %.1f/s uses less than 90%% of the limit of 100" % rate)
    for mid in ids[:: COUNT // 20]:
        hub.wait_status(mid, {"submitted", "sent", "delivered"}, timeout=10)


if __name__ == "__main__":
    main(test, time_limit=90)
