"""07-crash-recovery: a burst of ~2 000 POSTs from 32 keep-alive connections, then kill -9
while dispatch is in full swing (the simulator takes 100 ms per submit), then a restart on
the same database. Every acknowledged message must be stored exactly once and delivered; the
simulator must have received each message once, except messages the hub marked in_doubt
(a submit in flight at the crash), which may have been received twice but no more."""
import collections
import threading
import time

from harness import (FINAL_STATUSES, STATUS_CODES, STATUS_NAMES, check, check_eq, idem, main,
                     wait_for)

THREADS = 32
PER_THREAD = 63  # 2 016 messages


def test(hub):
    hub.bootstrap()
    hub.set_sim_settings({"latency_ms": 100})
    hub.start()

    acked = {}  # id -> (idempotency key, body)
    problems = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def worker(n):
        c = hub.client()
        try:
            barrier.wait(10)
            for i in range(PER_THREAD):
                key = idem()
                body = {"to": "+99890%07d" % (n * 1000 + i + 1000000),
                        "text": "crash burst %d/%d" % (n, i), "metadata": {"n": n, "i": i}}
                try:
                    r = c.request("POST", "/v1/messages", body,
                                  headers={"Idempotency-Key": key})
                except Exception as e:
                    with lock:
                        problems.append("thread %d request %d: %r" % (n, i, e))
                    continue
                with lock:
                    if r.status == 202:
                        acked[r.json["id"]] = (key, body)
                    else:
                        problems.append("thread %d request %d: %r" % (n, i, r))
        finally:
            c.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(40)
    burst_s = time.monotonic() - t0
    check(not any(t.is_alive() for t in threads), "the burst did not finish within 40 s")

    # ---- crash right after the last answer, while dispatch is still running
    hub.kill()
    print("burst: %d acknowledged in %.1f s (%.0f/s), %d problems"
          % (len(acked), burst_s, len(acked) / burst_s, len(problems)))
    check(not problems, "requests failed during the burst:\n" + "\n".join(problems[:10]))
    check_eq(len(acked), THREADS * PER_THREAD, "acknowledged messages")

    at_crash = dict(hub.query("SELECT status, count(*) FROM messages GROUP BY status"))
    leased = hub.scalar("SELECT count(*) FROM messages WHERE status = 0 AND lease_owner IS NOT "
                        "NULL")
    print("at the crash: %s; %d queued with a submit in flight"
          % ({STATUS_NAMES[k]: v for k, v in sorted(at_crash.items())}, leased))
    not_final = sum(v for k, v in at_crash.items() if STATUS_NAMES[k] not in FINAL_STATUSES)
    check(not_final > 0, "every message was already final at the crash: the test proved "
          "nothing (%r)" % at_crash)

    # ---- every acknowledged message survived the crash, exactly once
    rows = hub.query("SELECT id FROM messages")
    ids = [r[0] for r in rows]
    check_eq(len(ids), len(set(ids)), "duplicate message rows")
    missing = set(acked) - set(ids)
    check(not missing, "%d acknowledged messages lost in the crash, e.g. %r"
          % (len(missing), sorted(missing)[:5]))
    check_eq(set(ids), set(acked), "stored ids are exactly the acknowledged ids")

    # ---- restart on the same database: everything is delivered
    t1 = time.monotonic()
    hub.start()
    delivered = STATUS_CODES["delivered"]

    def all_final():
        c = dict(hub.query("SELECT status, count(*) FROM messages GROUP BY status"))
        return c.get(delivered) == len(acked) and c
    try:
        wait_for(all_final, 45, "all %d messages to be delivered after the restart"
                 % len(acked), interval=0.2)
    except AssertionError:
        print("not delivered, e.g.:\n" + hub.describe("status != ?", (delivered,)))
        raise
    print("recovery: all delivered %.1f s after the restart" % (time.monotonic() - t1))

    # ---- the provider saw each message once, except in-doubt ones (at most twice)
    in_doubt, duplicates = hub.check_submits_once(acked, max_submits=2)
    print("in_doubt: %d messages; duplicate submits observed: %d" % (len(in_doubt), duplicates))

    # every in-doubt message has the in_doubt note in its timeline
    if in_doubt:
        notes = dict(hub.query("SELECT message_id, count(*) FROM message_events WHERE detail "
                               "LIKE '%in_doubt%' GROUP BY message_id"))
        check_eq({m for m in in_doubt if notes.get(m, 0) >= 1}, in_doubt,
                 "in_doubt messages with an in_doubt timeline event")

    # the recorded provider message id is one the simulator issued for that message
    pmids = collections.defaultdict(set)
    for mid, _, _, pmid in hub.sim_log_lines():
        pmids[mid].add(pmid)
    bad = [(mid, pmid) for mid, pmid in hub.query("SELECT id, provider_message_id FROM messages")
           if pmid not in pmids[mid]]
    check(not bad, "provider_message_id not issued by the simulator: %r" % bad[:5])

    # every timeline starts queued and ends delivered; events are contiguous (portable SQL:
    # the same test runs on SQLite and PostgreSQL)
    timelines = {}
    for mid, seq, status in hub.query(
            "SELECT message_id, seq, status FROM message_events ORDER BY message_id, seq"):
        timelines.setdefault(mid, []).append((seq, status))
    check_eq(len(timelines), len(acked), "messages with a timeline")
    for mid, evs in timelines.items():
        seqs = [q for q, _ in evs]
        check(seqs == list(range(1, len(seqs) + 1)), "%s: event seqs %r" % (mid, seqs))
        check((evs[0][1], evs[-1][1]) == (0, delivered), "%s: timeline from %s to %s"
              % (mid, STATUS_NAMES[evs[0][1]], STATUS_NAMES[evs[-1][1]]))

    # ---- idempotency records survived too: a client retry after the crash is a replay
    sample = sorted(acked)[::97]
    for mid in sample:
        key, body = acked[mid]
        r = hub.request("POST", "/v1/messages", body, headers={"Idempotency-Key": key})
        check_eq((r.status, r.json.get("id"), r.headers.get("idempotent-replayed")),
                 (202, mid, "true"), "retry of an acknowledged request after the crash")
    check_eq(hub.scalar("SELECT count(*) FROM messages"), len(acked), "messages after retries")
    check_eq(hub.stop(), 0, "exit code after SIGTERM")


if __name__ == "__main__":
    main(test, time_limit=58)
