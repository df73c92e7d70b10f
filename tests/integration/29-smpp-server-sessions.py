"""29-smpp-server-sessions: bound sessions of the hub's SMPP server end on their own. With
--smpp-idle-timeout 3s, a session that keeps sending enquire_link stays bound past the
timeout, and one that goes quiet gets an unbind and is closed. Deactivating an account
(PATCH active=false) or deleting it unbinds every session bound with it within about a second
(well before the idle timeout could), a submit on it is refused, and binding again is refused.
On PostgreSQL the account is changed through one node and a session bound to a second node
is dropped too (the nodes share only the database)."""
import os
import time

from harness import check, check_eq, main, wait_for
from sec import stop_clean
from smppcli import (BIND_TRX, ENQUIRE_LINK, RESP, RINVBNDSTS, RINVSYSID, ROK, UNBIND, Smpp,
                     start_hub)

IDLE = 3.0


def enquire(s):
    seq = s.send(ENQUIRE_LINK)
    cmd, st, _ = s.wait_resp(seq)
    check_eq((cmd, st), (ENQUIRE_LINK | RESP, ROK), "enquire_link_resp")


def expect_unbind(s, within, what):
    t0 = time.time()
    p = s.next_pdu(UNBIND, within)
    check(p is not None, "%s: no unbind within %.1fs" % (what, within))
    s.send(UNBIND | RESP, seq=p[1])
    took = time.time() - t0
    # then the server closes the connection
    s.sock.settimeout(5)
    end = time.time() + 5
    closed = False
    while time.time() < end and not closed:
        try:
            closed = s.sock.recv(4096) == b""
        except OSError:
            closed = True
    check(closed, "%s: the connection is closed after unbind_resp" % what)
    return took


def test(hub):
    port = start_hub(hub, ["--smpp-idle-timeout", "%ds" % IDLE])
    base = "/v1/projects/%s/smpp-accounts" % hub.project_id
    tok = hub.admin_token

    def account(sysid):
        r = hub.request("POST", base, {"system_id": sysid, "password": "pw123456",
                                       "max_binds": 8}, key=tok)
        check_eq(r.status, 201, "create %r" % r)
        return r.json["id"]

    def bound(sysid, p=port):
        s = Smpp(p)
        hub.on_cleanup(s.close)
        check_eq(s.bind(BIND_TRX, sysid, "pw123456"), ROK, "bind %s" % sysid)
        return s

    aid = account("idler")
    # ---- idle timeout: enquire_link is activity (binds first: Argon2id binds may be slow
    # on a loaded machine, and nothing else may keep the busy sessions quiet for long)
    quiet = bound("idler")
    t_quiet = time.time()
    busy = bound("idler")
    enquire(busy)
    other = bound("idler")
    end = time.time() + IDLE + 1.5
    while time.time() < end:
        enquire(busy)
        enquire(other)
        time.sleep(0.4)
    took = expect_unbind(quiet, 5, "the quiet session")
    check(time.time() - t_quiet >= IDLE - 0.2, "not unbound before the idle timeout")
    check(busy.next_pdu(UNBIND, 0.1) is None, "the busy session was not unbound")
    enquire(busy)

    # ---- deactivation drops every bound session of the account quickly
    enquire(busy)
    enquire(other)
    t0 = time.time()
    r = hub.request("PATCH", base + "/" + aid, {"active": False}, key=tok)
    check_eq(r.status, 200, "deactivate %r" % r)
    for s, name in ((busy, "busy"), (other, "other")):
        expect_unbind(s, IDLE - 0.5, "%s session after deactivation" % name)
    check(time.time() - t0 < IDLE - 0.3, "dropped by the account check, not the idle timeout")
    s = Smpp(port)
    hub.on_cleanup(s.close)
    check_eq(s.bind(BIND_TRX, "idler", "pw123456"), RINVSYSID, "inactive account cannot bind")
    s.close()

    # ---- delete does the same; a submit after the unbind is refused
    did = account("gone")
    g = bound("gone")
    enquire(g)
    t0 = time.time()
    r = hub.request("DELETE", base + "/" + did, key=tok)
    check_eq(r.status, 204, "delete %r" % r)
    p = g.next_pdu(UNBIND, IDLE - 0.5)
    check(p is not None, "unbind after delete")
    check(time.time() - t0 < IDLE - 0.3, "delete: dropped by the account check")
    st, _ = g.submit_wait("998901234567", "late", reg=0)
    check_eq(st, RINVBNDSTS, "submit while unbinding")
    g.send(UNBIND | RESP, seq=p[1])
    g.close()

    # ---- across nodes (PostgreSQL): the change made through node 1 drops node 2's session
    if hub.pg:
        peer = hub.peer()
        pf = os.path.join(hub.dir, "smpp2.port")
        peer.start(["--smpp-listen", "127.0.0.1:0", "--smpp-port-file", pf,
                    "--smpp-idle-timeout", "%ds" % IDLE])

        def p2():
            try:
                with open(pf) as f:
                    t = f.read().strip()
                return int(t) if t.isdigit() else None
            except FileNotFoundError:
                return None
        port2 = wait_for(p2, 10, "node 2's SMPP port")
        xid = account("cross")
        x = bound("cross", port2)
        enquire(x)
        t0 = time.time()
        r = hub.request("PATCH", base + "/" + xid, {"active": False}, key=tok)
        check_eq(r.status, 200, "deactivate via node 1 %r" % r)
        expect_unbind(x, IDLE - 0.5, "node 2's session")
        check(time.time() - t0 < IDLE - 0.3, "node 2 dropped it by the account check")

    stop_clean(hub)  # exit 0, no sanitizer report (under ASan: no leak)

if __name__ == "__main__":
    main(test)
