"""53-smpp-smsc-restart: smsc-sim is killed (SIGKILL) in the middle of a run and started again
on the same port. The driver reconnects with backoff and every message ends delivered.
Exactly-once holds except for submits that were in the window at the kill: the SMSC logged
them but their submit_sm_resp never reached the hub, so the engine retried them (temp-fail,
attempt 2). Those duplicates are counted and must not exceed window × binds, and every
duplicated message must show a second attempt."""
import collections
import threading
import time

from harness import check, check_eq, main, wait_for
from smsc import Smsc, use_smpp

N = 400
WINDOW, BINDS = 8, 2


def test(hub):
    smsc = Smsc(hub, ["--dlr-delay-ms", "100"]).start()
    use_smpp(hub, smsc, window=WINDOW, binds=BINDS)
    hub.start(["--retry-backoff", "300ms,600ms,1s,2s,4s"])

    ids = []
    sender_done = threading.Event()

    def sender():
        c = hub.client()
        try:
            for i in range(N):
                r = c.request("POST", "/v1/messages",
                              {"to": "+99890%07d" % (3000000 + i), "text": "restart %d" % i})
                check_eq(r.status, 202, "send")
                ids.append(r.json["id"])
                if i % 50 == 49:
                    time.sleep(0.05)
        finally:
            c.close()
            sender_done.set()

    t = threading.Thread(target=sender)
    t.start()
    wait_for(lambda: len(smsc.events("submit")) >= N // 3, 20, "a third submitted")
    smsc.kill()
    killed_at = len(smsc.events("submit"))
    time.sleep(0.5)  # the hub sees the connection drop and backs off
    smsc.start()
    t.join(30)
    check(sender_done.is_set(), "sender finished")
    check_eq(len(ids), N, "accepted sends")

    wait_for(lambda: hub.scalar("SELECT count(*) FROM messages WHERE status = 3") == N, 40,
             "all %d messages delivered" % N)
    ok = [s for s in smsc.events("submit") if s["status"] == "ok"]
    per_dest = collections.Counter(s["destination"] for s in ok)
    check_eq(len(per_dest), N, "destinations the SMSC accepted")
    dups = {d: n for d, n in per_dest.items() if n > 1}
    check(all(n == 2 for n in dups.values()), "a message submitted 3+ times: %r" % dups)
    check(len(dups) <= WINDOW * BINDS, "%d duplicates, more than the window (%d)"
          % (len(dups), WINDOW * BINDS))
    for d in dups:
        att = hub.scalar("SELECT attempts FROM messages WHERE to_number = ?", ("+" + d,))
        check(att >= 2, "duplicate %s has %d attempts" % (d, att))
    print("killed after %d submits; %d in-flight submits repeated after the restart"
          % (killed_at, len(dups)))


if __name__ == "__main__":
    main(test)
