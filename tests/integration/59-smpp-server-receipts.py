"""59-smpp-server-receipts: per-account tps → ESME_RTHROTTLED (the messages refused are not
stored); receipts owed while no receiver is bound are kept in the database and arrive when a
receiver binds, each once: acknowledged ones are not sent again to a later bind, and one not
acknowledged before the session drops is sent again on the next bind; at most 10 receipts
are outstanding per session; registered_delivery 0x02 sends none for a delivered message."""
import time

from sec import stop_clean
from harness import check, check_eq, main, now_ms, wait_for
from smppcli import (BIND_RX, BIND_TRX, BIND_TX, DELIVER_SM, RESP, ROK, RTHROTTLED,
                     TLV_RECEIPTED_MESSAGE_ID, Smpp, start_hub)


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
    # maintenance (at start, on the leader) purges old sent rows and orphans
    old = now_ms() - 8 * 86400000
    hub.write_db([
        ("INSERT INTO smpp_receipts(message_id, account_id, project_id, created_at, sent_at) "
         "VALUES (?, ?, ?, ?, ?)", ("msg_orphan", "smpp_x", hub.project_id, old, None)),
        ("INSERT INTO smpp_receipts(message_id, account_id, project_id, created_at, sent_at) "
         "VALUES (?, ?, ?, ?, ?)", ("msg_oldsent", "smpp_x", hub.project_id, old, old))])
    port = start_hub(hub)
    wait_for(lambda: hub.scalar("SELECT count(*) FROM smpp_receipts WHERE message_id IN "
                                "('msg_orphan', 'msg_oldsent')") == 0, 10,
             "old sent and orphan receipt rows purged")
    rx = Smpp(port)
    check_eq(rx.bind(BIND_RX, "tpsacct", "pw"), ROK, "receiver bind after restart")
    check_eq(receipts(rx, 1), [mid], "the receipt owed before the restart")
    rx.close()
    window(hub, port)
    stop_clean(hub)


def window(hub, port):
    """At most 10 receipt deliver_sm outstanding per session; acknowledging frees room.
    registered_delivery 0x02 (failure only): no receipt for a delivered message."""
    r = hub.request("POST", "/v1/projects/%s/smpp-accounts" % hub.project_id,
                    {"system_id": "winacct", "password": "pw"}, key=hub.admin_token)
    check_eq(r.status, 201, "account")
    c = Smpp(port, auto_ack=False)
    check_eq(c.bind(BIND_TRX, "winacct", "pw"), ROK, "transceiver bind")
    ids = []
    for i in range(14):
        st, mid = c.submit_wait("998901234567", "window %d" % i)
        check_eq(st, ROK, "submit %d" % i)
        ids.append(mid)
    st, quiet = c.submit_wait("998901234567", "failure only", reg=2)
    check_eq(st, ROK, "submit with registered_delivery 2")
    for mid in ids + [quiet]:
        hub.wait_status(mid, "delivered", timeout=15)
    first = []
    while True:
        rc = c.receipt(timeout=2)
        if rc is None:
            break
        first.append(rc)
    check_eq(len(first), 10, "the window holds 10 unacknowledged receipts")
    for rc in first:
        c.send(DELIVER_SM | RESP, b"\0", seq=rc["seq"])
    rest = []
    while len(rest) < 4:
        rc = c.receipt(timeout=5)
        check(rc is not None, "the other receipts after acknowledging (%d so far)" % len(rest))
        c.send(DELIVER_SM | RESP, b"\0", seq=rc["seq"])
        rest.append(rc)
    got = [x["tlvs"][TLV_RECEIPTED_MESSAGE_ID].rstrip(b"\0").decode() for x in first + rest]
    check_eq(sorted(got), sorted(ids), "every receipt once, none for the failure-only message")
    check(c.receipt(timeout=1.5) is None, "nothing more")
    wait_for(lambda: hub.scalar("SELECT sent_at FROM smpp_receipts WHERE message_id = ?",
                                (quiet,)), 5, "failure-only row settled without a receipt")
    c.close()


if __name__ == "__main__":
    main(test)
