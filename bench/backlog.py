#!/usr/bin/env python3
"""backlog.py — a large queue with dispatch paused: memory, API latency, then the drain.

Starts a throwaway hub (own temp dir, port, pid) whose dispatch is paused: the test hook
SMSHUB_FAULT=pause:FILE (store/faulty.h, needs SMSHUB_TEST_HOOKS=1) makes the engine's claim
find nothing while FILE exists, so accepted messages stay queued. (Disabling the provider
would not do: the engine fails a message with no usable credential as no_route.)

  1. enqueue --count messages through POST /v1/messages (--threads keep-alive clients);
  2. while they sit queued, GET /v1/messages/{id} on random ids for --probe-seconds;
  3. remove FILE and time the drain until no message is left non-final (the simulator
     delivers each one).
RSS (/proc/PID/status VmRSS) is sampled all along; GET latencies are measured in every phase.

    python3 bench/backlog.py --binary build/smshub --count 1000000

A figure printer, not a test.
"""
import argparse
import http.client
import json
import os
import random
import secrets
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubproc  # noqa: E402


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.ids = []
        self.phase = "enqueue"
        self.lat = {}  # phase -> [ms]
        self.rss = []  # (t, phase, KiB)
        self.stop = threading.Event()
        self.errors = 0
        self.retries = 0


def conn_to(port):
    return http.client.HTTPConnection(hubproc.HOST, port, timeout=60)


def enqueue(st, port, key, count, nthreads):
    per = [count // nthreads + (1 if i < count % nthreads else 0) for i in range(nthreads)]

    def run(n, todo):
        c = conn_to(port)
        i = 0
        while i < todo:
            idem = "bl-%d-%d-%s" % (n, i, secrets.token_hex(4))
            body = json.dumps({"to": "+99890%07d" % ((n * 1000003 + i) % 10 ** 7),
                               "text": "backlog %d/%d" % (n, i)})
            try:
                c.request("POST", "/v1/messages", body=body,
                          headers={"Authorization": "Bearer " + key, "Idempotency-Key": idem,
                                   "Content-Type": "application/json"})
                r = c.getresponse()
                raw = r.read()
            except (OSError, http.client.HTTPException):
                c.close()
                c = conn_to(port)
                with st.lock:
                    st.errors += 1
                continue  # a new key next time round is fine: at worst one extra message
            if r.status == 202:
                with st.lock:
                    st.ids.append(json.loads(raw)["id"])
                i += 1
            else:
                with st.lock:
                    st.retries += 1
                time.sleep(0.05)
        c.close()

    ths = [threading.Thread(target=run, args=(n, per[n]), daemon=True) for n in range(nthreads)]
    for t in ths:
        t.start()
    return ths


def prober(st, port, key, rate):
    """GET /v1/messages/{id} on random acknowledged ids, ~rate per second, latency per phase."""
    c = conn_to(port)
    rng = random.Random(1)
    while not st.stop.is_set():
        with st.lock:
            mid = st.ids[rng.randrange(len(st.ids))] if st.ids else None
            phase = st.phase
        if mid is None:
            time.sleep(0.05)
            continue
        t0 = time.perf_counter()
        try:
            c.request("GET", "/v1/messages/" + mid, headers={"Authorization": "Bearer " + key})
            r = c.getresponse()
            r.read()
            ok = r.status == 200
        except (OSError, http.client.HTTPException):
            c.close()
            c = conn_to(port)
            ok = False
        ms = (time.perf_counter() - t0) * 1000
        with st.lock:
            if ok:
                st.lat.setdefault(phase, []).append(ms)
            else:
                st.errors += 1
        st.stop.wait(1.0 / rate)
    c.close()


def sampler(st, pid, start, every):
    while not st.stop.is_set():
        with st.lock:
            phase = st.phase
        try:
            st.rss.append((time.monotonic() - start, phase, hubproc.rss_kib(pid)))
        except FileNotFoundError:
            return
        st.stop.wait(every)


def not_final(db):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        return c.execute("SELECT count(*) FROM messages WHERE status IN (0, 1, 2)").fetchone()[0]
    finally:
        c.close()


def lat_line(st, phase):
    v = sorted(st.lat.get(phase, []))
    if not v:
        return "GET %-9s no samples" % phase
    return ("GET %-9s %6d requests  p50 %.2f  p99 %.2f  max %.2f ms"
            % (phase, len(v), hubproc.percentile(v, 50), hubproc.percentile(v, 99), v[-1]))


def rss_line(st, phase):
    v = [k for _, p, k in st.rss if p == phase]
    if not v:
        return "RSS %-9s no samples" % phase
    return "RSS %-9s first %.1f  max %.1f  last %.1f MiB" % (phase, v[0] / 1024.0,
                                                           max(v) / 1024.0, v[-1] / 1024.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--binary", required=True, help="the smshub binary to start")
    ap.add_argument("--count", type=int, default=1000000)
    ap.add_argument("--threads", type=int, default=8, help="enqueueing clients")
    ap.add_argument("--probe-rate", type=float, default=50, help="GETs per second")
    ap.add_argument("--probe-seconds", type=float, default=10,
                    help="GETs while the full backlog sits queued")
    ap.add_argument("--drain-timeout", type=float, default=3600)
    a = ap.parse_args()

    hub = hubproc.Hub(a.binary)
    pause = os.path.join(hub.dir, "paused")
    open(pause, "w").close()
    hub.env = {"SMSHUB_TEST_HOOKS": "1", "SMSHUB_FAULT": "pause:" + pause}
    st = State()
    try:
        hub.start()
        start = time.monotonic()
        helpers = [threading.Thread(target=prober, args=(st, hub.port, hub.key, a.probe_rate),
                                    daemon=True),
                   threading.Thread(target=sampler, args=(st, hub.pid, start, 1.0), daemon=True)]
        for t in helpers:
            t.start()
        print("backlog: %d messages, dispatch paused, %d clients, hub pid %d on 127.0.0.1:%d"
              % (a.count, a.threads, hub.pid, hub.port), flush=True)
        ths = enqueue(st, hub.port, hub.key, a.count, a.threads)
        last = 0
        while any(t.is_alive() for t in ths):
            time.sleep(5)
            with st.lock:
                n = len(st.ids)
            print("  %6.0f s  %8d queued  %6.0f/s  RSS %.1f MiB" % (
                time.monotonic() - start, n, (n - last) / 5.0,
                hubproc.rss_kib(hub.pid) / 1024.0), flush=True)
            last = n
        t_enq = time.monotonic() - start
        with st.lock:
            st.phase = "queued"
        time.sleep(a.probe_seconds)
        queued = not_final(hub.db_path)
        with st.lock:
            st.phase = "drain"
        t0 = time.monotonic()
        os.unlink(pause)
        left = queued
        while left > 0 and time.monotonic() - t0 < a.drain_timeout:
            time.sleep(2)
            left = not_final(hub.db_path)
            print("  drain %6.0f s  %8d not final  RSS %.1f MiB" % (
                time.monotonic() - t0, left, hubproc.rss_kib(hub.pid) / 1024.0), flush=True)
        t_drain = time.monotonic() - t0
        st.stop.set()
        for t in helpers:
            t.join(10)

        print("enqueue         %d accepted in %.1f s (%.0f/s); %d client errors, %d non-202 retries"
              % (len(st.ids), t_enq, len(st.ids) / t_enq, st.errors, st.retries))
        print("queued at pause %d messages non-final when dispatch resumed" % queued)
        for phase in ("enqueue", "queued", "drain"):
            print(rss_line(st, phase))
        for phase in ("enqueue", "queued", "drain"):
            print(lat_line(st, phase))
        if left == 0:
            print("drain           %d messages final in %.1f s (%.0f msg/s, submit + receipts)"
                  % (queued, t_drain, queued / t_drain))
        else:
            print("drain           NOT finished: %d left after %.0f s" % (left, t_drain))
        print("database        %.1f MiB" % (os.path.getsize(hub.db_path) / 1048576.0))
    finally:
        st.stop.set()
        code = hub.stop()
        print("hub stopped with exit code %s" % code)
        hub.cleanup()


if __name__ == "__main__":
    main()
