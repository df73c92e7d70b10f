#!/usr/bin/env python3
"""smpp_intake.py — SMPP server intake: submit_sm per second from one transmitter session.

Starts a throwaway hub (own temp dir, ports) with --smpp-listen, creates an SMPP account, and
sends --count submit_sm over one session with --window requests outstanding, once without
and once with registered_delivery (which also writes the owed-receipt row). Prints submits
per second until the last submit_sm_resp (each resp means the message is stored).
The Python client is single-threaded, so on a fast machine it is the limit.

    python3 bench/smpp_intake.py --binary build/smshub --count 20000 --window 200

A figure printer, not a test.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
from harness import Hub  # noqa: E402
from smppcli import BIND_TX, RESP, ROK, SUBMIT_SM, Smpp, start_hub  # noqa: E402


def run(port, count, window, reg):
    c = Smpp(port)
    if c.bind(BIND_TX, "bench", "benchpw") != ROK:
        raise SystemExit("bind refused")
    sent = got = ok = 0
    t = time.time()
    while got < count:
        while sent < count and sent - got < window:
            c.submit("998901234567", "bench message %d" % sent, reg=reg)
            sent += 1
        p = c._read(30)
        if p is None:
            raise SystemExit("connection closed")
        if p[0] == SUBMIT_SM | RESP:
            got += 1
            ok += p[1] == 0
    dt = time.time() - t
    c.close()
    print("registered_delivery=%d: %d submit_sm, %d ok, %.2f s, %.0f msg/s"
          % (reg, count, ok, dt, count / dt))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="build/smshub")
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--window", type=int, default=200)
    a = ap.parse_args()
    hub = Hub(a.binary, sim_log=False)
    try:
        port = start_hub(hub)
        r = hub.request("POST", "/v1/projects/%s/smpp-accounts" % hub.project_id,
                        {"system_id": "bench", "password": "benchpw"}, key=hub.admin_token)
        if r.status != 201:
            raise SystemExit("account: %r" % r)
        for reg in (0, 1):
            run(port, a.count, a.window, reg)
    finally:
        hub.cleanup()


if __name__ == "__main__":
    main()
