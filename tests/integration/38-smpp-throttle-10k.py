"""38-smpp-throttle-10k: 10 000 messages through the `smpp` driver while the SMSC answers a
random 5 % of submit_sm with ESME_RTHROTTLED and writes 2 % of the receipts before their
submit_sm_resp. Every message ends delivered; the SMSC's log shows each destination accepted
exactly once (no message submitted twice), throttled answers near 5 % of all submits, and
every early receipt matched (its message is delivered and none failed). SMSHUB_IT_SMPP_N
changes the count (default 10 000; here ~11 s on SQLite, ~35 s on PostgreSQL, most of it
the Python REST senders)."""
import collections
import os
import threading
import time

from harness import check, check_eq, main, wait_for
from smsc import Smsc, use_smpp

N = int(os.environ.get("SMSHUB_IT_SMPP_N", "10000"))
SENDERS = 32


def send_all(hub, n):
    """n POST /v1/messages over SENDERS keep-alive connections; returns the ids in order."""
    ids = [None] * n
    errors = []

    def worker(k):
        c = hub.client()
        try:
            for i in range(k, n, SENDERS):
                r = c.request("POST", "/v1/messages",
                              {"to": "+99893%07d" % i, "text": "throttle10k %d" % i},
                              headers={"Idempotency-Key": "t10k-%d" % i})
                if r.status != 202:
                    errors.append(r)
                    return
                ids[i] = r.json["id"]
        except Exception as e:  # noqa: BLE001 — reported below
            errors.append(e)
        finally:
            c.close()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(SENDERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, "send errors: %r" % errors[:3])
    return ids


def test(hub):
    smsc = Smsc(hub, ["--dlr-delay-ms", "10", "--throttle-ratio", "0.05",
                      "--early-dlr-ratio", "0.02"]).start()
    use_smpp(hub, smsc, window=64, binds=2, throttle_pause_ms=10, throttle_retries=50)
    hub.start()
    t0 = time.monotonic()
    ids = send_all(hub, N)
    t_sent = time.monotonic() - t0

    def delivered():
        n = hub.scalar("SELECT count(*) FROM messages WHERE status = 3")
        return n == N and n
    try:
        wait_for(delivered, 150 - (time.monotonic() - t0), "all %d messages delivered" % N)
    except AssertionError:
        print(hub.describe("status <> 3"))
        raise
    elapsed = time.monotonic() - t0

    subs = smsc.events("submit")
    ok = [s for s in subs if s["status"] == "ok"]
    thr = [s for s in subs if s["status"] == "throttled"]
    check_eq({s["status"] for s in subs} - {"ok", "throttled"}, set(), "other SMSC answers")
    per_dest = collections.Counter(s["destination"] for s in ok)
    twice = [d for d, k in per_dest.items() if k > 1]
    check(not twice, "%d destinations accepted more than once, e.g. %r" % (len(twice), twice[:5]))
    check_eq(len(per_dest), N, "destinations accepted")
    share = len(thr) / len(subs)
    check(0.03 < share < 0.07, "throttled share %.3f (%d of %d)" % (share, len(thr), len(subs)))
    check_eq(hub.scalar("SELECT count(*) FROM messages WHERE error_code IS NOT NULL"), 0,
             "errors recorded")
    check_eq(hub.scalar("SELECT max(attempts) FROM messages"), 1, "engine attempts")

    # early receipts: each came before its submit_sm_resp and still delivered its message
    early = {s["message_id"] for s in ok if s.get("early_dlr")}
    check(len(early) > N // 200, "early receipts: %d" % len(early))
    pmids = {r[0] for r in hub.query("SELECT provider_message_id FROM messages WHERE status = 3")}
    check_eq(early - pmids, set(), "early-receipt messages delivered")
    wait_for(lambda: len(smsc.events("dlr")) == N, 10, "every receipt acknowledged")
    print("%d messages: sent in %.1f s, all delivered after %.1f s; %d submit_sm, %d throttled "
          "(%.1f %%), %d early receipts" % (N, t_sent, elapsed, len(subs), len(thr),
                                            100 * share, len(early)))


if __name__ == "__main__":
    main(test, time_limit=170)  # ~11 s (SQLite) to ~35 s (PG) here; ASan builds are slower
