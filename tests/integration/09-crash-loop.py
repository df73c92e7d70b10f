"""09-crash-loop: clients keep sending while the hub is killed with SIGKILL at random moments
several times (also during its own recovery) and restarted on the same database.

A client whose request got no answer retries it with the same Idempotency-Key until it gets
one, as a real client would. At the end: every acknowledged message is stored exactly once,
one idempotency key never made two messages, every message reached a final state (delivered),
and the simulator saw a message twice only if the hub marked it in_doubt. The number of such
duplicates is printed (the simulator refuses a repeated (message, attempt), so it is 0 unless
that promise breaks). SMSHUB_CRASH_ROUNDS sets the number of kills (default 6; issue 9's long
variant is 20)."""
import collections
import os
import random
import threading
import time

from harness import STATUS_CODES, check, check_eq, idem, main, wait_for

SENDERS = 12
ROUNDS = int(os.environ.get("SMSHUB_CRASH_ROUNDS", "6"))


def test(hub):
    hub.bootstrap()
    hub.set_sim_settings({"latency_ms": 40, "sent_delay_ms": 30, "dlr_delay_ms": 150})
    hub.start()

    by_key = {}  # idempotency key -> message id (from the first 202)
    conflicts = []
    stop = threading.Event()
    lock = threading.Lock()
    retries = collections.Counter()

    def sender(n):
        try:
            send_loop(n)
        except BaseException as e:  # a dead sender must fail the test, not vanish
            with lock:
                conflicts.append("sender %d died: %r" % (n, e))

    def send_loop(n):
        c = hub.client()
        i = 0
        while not stop.is_set():
            key = idem()
            body = {"to": "+99890%07d" % (n * 100000 + i + 1000000), "text": "loop %d/%d" % (n, i)}
            i += 1
            while True:  # the same request until it has an answer
                try:
                    r = c.request("POST", "/v1/messages", body, headers={"Idempotency-Key": key})
                except Exception:
                    c.close()
                    with lock:
                        retries["network"] += 1
                    if stop.is_set():
                        break
                    time.sleep(0.05)
                    continue
                if r.status == 503:  # shutting down / storage: nothing accepted, retry
                    with lock:
                        retries["503"] += 1
                    time.sleep(0.05)
                    continue
                with lock:
                    if r.status != 202:
                        conflicts.append("unexpected %d for key %s: %r" % (r.status, key, r))
                    elif key in by_key and by_key[key] != r.json["id"]:
                        conflicts.append("key %s made two messages: %s and %s"
                                         % (key, by_key[key], r.json["id"]))
                    else:
                        by_key.setdefault(key, r.json["id"])
                break
        c.close()

    threads = [threading.Thread(target=sender, args=(n,), daemon=True) for n in range(SENDERS)]
    for t in threads:
        t.start()
    rng = random.Random(int(os.environ.get("SMSHUB_CRASH_SEED", str(time.time_ns()))))
    for k in range(ROUNDS):
        time.sleep(rng.uniform(0.2, 1.2))
        hub.kill()
        if k % 3 == 2:
            # a crash during recovery itself: start, then kill again almost at once
            hub.start()
            time.sleep(rng.uniform(0.0, 0.1))
            hub.kill()
        hub.start()
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(20)
    check(not any(t.is_alive() for t in threads), "senders did not stop")
    check(not conflicts, "\n".join(conflicts[:10]))
    acked = set(by_key.values())
    check(len(acked) > 200, "too few messages acknowledged to prove anything: %d" % len(acked))

    # ---- stored exactly once, all delivered
    ids = [r[0] for r in hub.query("SELECT id FROM messages")]
    check_eq(len(ids), len(set(ids)), "duplicate message rows")
    check(acked <= set(ids), "%d acknowledged messages lost" % len(acked - set(ids)))
    delivered = STATUS_CODES["delivered"]

    def all_delivered():
        c = dict(hub.query("SELECT status, count(*) FROM messages GROUP BY status"))
        return c.get(delivered) == len(ids) and c
    try:
        wait_for(all_delivered, 40, "all %d messages to be delivered" % len(ids), interval=0.3)
    except AssertionError:
        print("not delivered, e.g.:\n" + hub.describe("status != ?", (delivered,)))
        raise

    # ---- the provider saw each message once, except in-doubt ones
    in_doubt, duplicates = hub.check_submits_once(ids)
    print("%d kills, %d messages (%d acknowledged, %d stored from requests whose answer was "
          "lost), %d in doubt, %d duplicate submits; client retries %s"
          % (ROUNDS + ROUNDS // 3, len(ids), len(acked), len(set(ids) - acked), len(in_doubt),
             duplicates, dict(retries)))
    check_eq(hub.stop(), 0, "exit code after SIGTERM")


if __name__ == "__main__":
    main(test, time_limit=110)
