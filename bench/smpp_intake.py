#!/usr/bin/env python3
"""smpp_intake.py — SMPP server intake: submit_sm per second over --sessions transmitter
sessions (one client process each) with --window requests outstanding per session.

Starts a throwaway hub (own temp dir, ports) with --smpp-listen, creates an SMPP account
(max_binds = sessions), and sends --count submit_sm in total, once without and once with
registered_delivery (which also writes the owed-receipt row). Prints submit_sm per second
from the first submit to the last submit_sm_resp (each resp means the message is stored),
the hub's CPU per submit and how busy the machine was. The clients pre-encode their PDUs
and write them in window-sized batches, so one Python process sustains well over 20 000
PDUs/s; still, on 2 cores the clients take CPU the hub does not get (the `clients` figure).
Dispatch is paused (the test hook SMSHUB_FAULT=pause:FILE, as in backlog.py), so the hub's
CPU is the intake's alone; --dispatch lets the engine send them to the bootstrap simulator
meanwhile.

    python3 bench/smpp_intake.py --binary build/smshub --count 40000 --sessions 2 --window 200

A figure printer, not a test. Only 127.0.0.1.
"""
import argparse
import multiprocessing
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
from harness import Hub  # noqa: E402
from smppcli import BIND_TX, RESP, SUBMIT_SM, start_hub  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / TICK


def machine_busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)


def pdu(cmd, seq, body):
    return struct.pack(">IIII", 16 + len(body), cmd, 0, seq) + body


def submit_body(k, i, reg):
    text = b"bench message %d/%d" % (k, i)
    return (b"\0" + bytes([1, 1]) + b"\0" + bytes([1, 1]) +
            b"99890%07d\0" % (i % 10000000) + bytes([0, 0, 0]) + b"\0\0" +
            bytes([reg, 0, 0, 0, len(text)]) + text)


def client(port, k, count, window, reg, start_at, q):
    """One session: bind, wait for start_at, submit count with window outstanding."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(pdu(BIND_TX, 1, b"bench\0benchpw\0\0" + bytes([0x34, 0, 0]) + b"\0"))
    buf = b""
    while len(buf) < 16 or len(buf) < struct.unpack(">I", buf[:4])[0]:
        buf += s.recv(4096)
    ln, cmd, st, _ = struct.unpack(">IIII", buf[:16])
    buf = buf[ln:]
    if st != 0:
        q.put((k, "bind refused 0x%x" % st, 0, 0, 0))
        return
    pdus = [pdu(SUBMIT_SM, 2 + i, submit_body(k, i, reg)) for i in range(count)]
    while time.time() < start_at:
        time.sleep(0.001)
    t0 = time.time()
    sent = got = ok = 0
    while got < count:
        if sent < count and sent - got < window:
            n = min(count, got + window) - sent
            s.sendall(b"".join(pdus[sent:sent + n]))
            sent += n
        chunk = s.recv(262144)
        if not chunk:
            q.put((k, "connection closed", got, ok, time.time() - t0))
            return
        buf += chunk
        off = 0
        while len(buf) - off >= 16:
            ln, cmd, st, _ = struct.unpack_from(">IIII", buf, off)
            if len(buf) - off < ln:
                break
            if cmd == SUBMIT_SM | RESP:
                got += 1
                ok += st == 0
            off += ln
        buf = buf[off:]
    q.put((k, None, got, ok, time.time() - t0))
    s.close()


def run(hub, port, a, reg):
    q = multiprocessing.Queue()
    per = a.count // a.sessions
    start_at = time.time() + 1.0  # binds (Argon2id) done before the clock starts
    procs = [multiprocessing.Process(target=client, args=(port, k, per, a.window, reg,
                                                           start_at, q))
             for k in range(a.sessions)]
    for p in procs:
        p.start()
    while time.time() < start_at:
        time.sleep(0.001)
    c0, m0, t0 = cpu_s(hub.proc.pid), machine_busy(), time.time()
    res = [q.get(timeout=300) for _ in procs]
    dt = time.time() - t0
    c1, m1 = cpu_s(hub.proc.pid), machine_busy()
    for p in procs:
        p.join()
    errs = [r[1] for r in res if r[1]]
    got = sum(r[2] for r in res)
    ok = sum(r[3] for r in res)
    busy = (m1[0] - m0[0]) / max(1, m1[1] - m0[1]) * 100 * os.cpu_count()
    print("registered_delivery=%d: %d sessions x window %d, %d submit_sm, %d ok, %.2f s, "
          "%.0f msg/s; hub CPU %.2f s = %.0f us/submit; machine busy %.0f %% of %d00 %%%s"
          % (reg, a.sessions, a.window, got, ok, dt, got / dt, c1 - c0,
             1e6 * (c1 - c0) / max(1, got), busy, os.cpu_count(),
             "; ERRORS: %r" % errs if errs else ""))
    return got / dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default="build/smshub")
    ap.add_argument("--count", type=int, default=40000)
    ap.add_argument("--window", type=int, default=200)
    ap.add_argument("--sessions", type=int, default=2)
    ap.add_argument("--dispatch", action="store_true", help="do not pause dispatch")
    a = ap.parse_args()
    hub = Hub(a.binary, sim_log=False)
    if not a.dispatch:
        pause = os.path.join(hub.dir, "paused")
        open(pause, "w").close()
        hub.extra_env = {"SMSHUB_TEST_HOOKS": "1", "SMSHUB_FAULT": "pause:" + pause}
    try:
        port = start_hub(hub)
        r = hub.request("POST", "/v1/projects/%s/smpp-accounts" % hub.project_id,
                        {"system_id": "bench", "password": "benchpw",
                         "max_binds": max(4, a.sessions)}, key=hub.admin_token)
        if r.status != 201:
            raise SystemExit("account: %r" % r)
        for reg in (0, 1):
            run(hub, port, a, reg)
    finally:
        hub.cleanup()


if __name__ == "__main__":
    main()
