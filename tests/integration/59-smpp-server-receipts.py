"""59-smpp-server-receipts: per-account tps → ESME_RTHROTTLED (the messages refused are not
stored); receipts owed while no receiver is bound are kept in the database and arrive when a
receiver binds, each once: acknowledged ones are not sent again to a later bind, and one not
acknowledged before the session drops is sent again on the next bind."""
import time

from sec import stop_clean
from harness import check, check_eq, main, wait_for
from smppcli import (BIND_RX, BIND_TX, ROK, RTHROTTLED, TLV_RECEIPTED_MESSAGE_ID, Smpp,
                     start_hub)


def receipts(c, n, timeout=15):
    got = []
    end = time.time() + timeout
    while len(got) < n and time.time() < end:
        rc = c.receipt(timeout=max(0.1, end - time.time()))
        if rc is None:
            break
        got.append(rc["tlvs"][TLV_RECEIPTED_MESSAGE_ID].rstrip(b"\0").decode())
    return got


def test(hub):
    port = start_hub(hub)
    base = "/v1/projects/%s/smpp-accounts" % hub.project_id
    r = hub.request("POST", base, {"system_id": "tpsacct", "password": "pw", "tps": 3},
                    key=hub.admin_token)
    check_eq(r.status, 201, "account")

    # ---- throttling: a burst over 3/s gets ESME_RTHROTTLED, nothing stored for those
    tx = Smpp(port)
    check_eq(tx.bind(BIND_TX, "tpsacct", "pw"), ROK, "transmitter bind")
    results = [tx.submit_wait("998901234567", "burst %d" % i) for i in range(10)]
    ok = [m for st, m in results if st == ROK]
    throttled = [st for st, _ in results if st == RTHROTTLED]
    check(len(ok) >= 3 and len(throttled) >= 5, "burst: %r" % [st for st, _ in results])
    check_eq(hub.scalar("SELECT count(*) FROM messages"), len(ok), "only accepted ones stored")

    # ---- receipts owed while nobody receives
    for mid in ok:
        hub.wait_status(mid, "delivered", timeout=15)
    time.sleep(0.5)  # nothing may arrive on a transmitter
    check(tx.receipt(timeout=0.5) is None, "no receipt on a transmitter bind")
    check_eq(hub.scalar("SELECT count(*) FROM smpp_receipts WHERE sent_at IS NULL"), len(ok),
             "receipts owed in the database")

    # a receiver that does not acknowledge: the receipts go out again later
    rx = Smpp(port, auto_ack=False)
    check_eq(rx.bind(BIND_RX, "tpsacct", "pw"), ROK, "receiver bind (no acks)")
    first = receipts(rx, len(ok))
    check_eq(sorted(first), sorted(ok), "receipts delivered to the first receiver")
    rx.close()
    check_eq(hub.scalar("SELECT count(*) FROM smpp_receipts WHERE sent_at IS NULL"), len(ok),
             "unacknowledged receipts stay owed")

    rx = Smpp(port)
    check_eq(rx.bind(BIND_RX, "tpsacct", "pw"), ROK, "receiver bind")
    again = receipts(rx, len(ok))
    check_eq(sorted(again), sorted(ok), "sent again after the session dropped")
    wait_for(lambda: hub.scalar("SELECT count(*) FROM smpp_receipts WHERE sent_at IS NULL") == 0,
             5, "all receipts marked sent")
    rx.close()

    # acknowledged receipts are not sent again
    rx = Smpp(port)
    check_eq(rx.bind(BIND_RX, "tpsacct", "pw"), ROK, "third receiver bind")
    check(rx.receipt(timeout=1.5) is None, "no receipt sent twice after acknowledgement")
    rx.close()

    # ---- survives a restart: owed receipts are in the database
    time.sleep(1.1)  # a fresh token bucket second
    st, mid = tx.submit_wait("998901234567", "after restart")
    check_eq(st, ROK, "submit")
    hub.wait_status(mid, "delivered", timeout=15)
    tx.close()
    stop_clean(hub)
    port = start_hub(hub)
    rx = Smpp(port)
    check_eq(rx.bind(BIND_RX, "tpsacct", "pw"), ROK, "receiver bind after restart")
    check_eq(receipts(rx, 1), [mid], "the receipt owed before the restart")
    rx.close()
    stop_clean(hub)


if __name__ == "__main__":
    main(test)
