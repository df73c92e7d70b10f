#!/usr/bin/env python3
"""soak.py — mixed traffic against a hub for a set time, watching for growth.

Threads send a mix (new sends, idempotent replays, GET by id, list, bad requests) at a
bounded total rate; every --sample seconds it records the daemon's RSS (/proc/PID/status
VmRSS), open fds (/proc/PID/fd) and queue depth (messages not yet final, read from the
SQLite database read-only). At the end: a table, and a verdict from the least-squares slope of
RSS and fds over the second half of the run (flagged above the thresholds).

    python3 bench/soak.py --binary build/smshub --seconds 600   # its own throwaway hub
    python3 bench/soak.py --port 8080 --key sk_... --pid PID --db hub.db --seconds 600

A figure printer, not a test: exit 0 unless the hub died or could not be reached; a flagged
trend is printed as TREND, for a human to look at.
"""
import argparse
import collections
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

MIX = [("send", 40), ("replay", 10), ("get", 30), ("list", 10), ("bad", 10)]


class Traffic:
    def __init__(self, port, key, rate, threads):
        self.port = port
        self.key = key
        self.interval = threads / float(rate)  # per thread
        self.threads = threads
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sent = collections.deque(maxlen=5000)  # (idem key, body, id)
        self.counts = collections.Counter()  # (kind, status)
        self.unexpected = collections.Counter()
        self.errors = 0
        self.total = 0

    def request(self, conn, method, path, body=None, idem=None):
        h = {"Authorization": "Bearer " + self.key}
        if body is not None:
            h["Content-Type"] = "application/json"
        if idem is not None:
            h["Idempotency-Key"] = idem
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return r.status, r.read()

    def one(self, conn, rng):
        kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        with self.lock:
            prev = self.sent[rng.randrange(len(self.sent))] if self.sent else None
        if kind in ("replay", "get") and prev is None:
            kind = "send"
        if kind == "send":
            key = "soak-" + secrets.token_hex(10)
            body = json.dumps({"to": "+99890%07d" % rng.randrange(10 ** 7), "text": "soak"})
            st, raw = self.request(conn, "POST", "/v1/messages", body, key)
            ok = st == 202
            if ok:
                with self.lock:
                    self.sent.append((key, body, json.loads(raw)["id"]))
        elif kind == "replay":
            st, raw = self.request(conn, "POST", "/v1/messages", prev[1], prev[0])
            ok = st == 202 and json.loads(raw)["id"] == prev[2]
        elif kind == "get":
            st, _ = self.request(conn, "GET", "/v1/messages/" + prev[2])
            ok = st == 200
        elif kind == "list":
            st, _ = self.request(conn, "GET", "/v1/messages?limit=20")
            ok = st == 200
        else:
            body = rng.choice(['{"to": "+99890', '{"to": "not a number", "text": "x"}', '[]'])
            st, _ = self.request(conn, "POST", "/v1/messages", body,
                                 "soak-bad-" + secrets.token_hex(6))
            ok = st in (400, 422)
        with self.lock:
            self.total += 1
            self.counts[(kind, st)] += 1
            if not ok:
                self.unexpected[(kind, st)] += 1

    def worker(self, n):
        rng = random.Random(n)
        conn = None
        next_at = time.monotonic()
        while not self.stop.is_set():
            if conn is None:
                conn = http.client.HTTPConnection(hubproc.HOST, self.port, timeout=15)
            try:
                self.one(conn, rng)
            except (OSError, http.client.HTTPException, ValueError):
                with self.lock:
                    self.errors += 1
                conn.close()
                conn = None
            next_at += self.interval
            delay = next_at - time.monotonic()
            if delay > 0:
                self.stop.wait(delay)
            else:
                next_at = time.monotonic()  # behind: do not burst to catch up
        if conn is not None:
            conn.close()


def queue_depth(db_path):
    if db_path is None:
        return -1
    c = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=5)
    try:
        return c.execute("SELECT count(*) FROM messages WHERE status IN (0, 1, 2)").fetchone()[0]
    except sqlite3.Error:
        return -1
    finally:
        c.close()


def db_mib(db_path):
    if db_path is None:
        return -1.0
    size = 0
    for suffix in ("", "-wal"):
        try:
            size += os.path.getsize(db_path + suffix)
        except OSError:
            pass
    return size / 1048576.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--sample", type=float, default=5, help="seconds between samples")
    ap.add_argument("--rate", type=float, default=300, help="requests per second, all threads")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--binary", help="start a throwaway hub from this smshub binary")
    ap.add_argument("--port", type=int)
    ap.add_argument("--key")
    ap.add_argument("--pid", type=int)
    ap.add_argument("--db", help="SQLite file of the hub (queue depth); optional")
    ap.add_argument("--rss-slope-kib-min", type=float, default=1024,
                    help="flag RSS growth above this many KiB per minute (second half)")
    ap.add_argument("--fd-slope-min", type=float, default=1.0,
                    help="flag fd growth above this many fds per minute (second half)")
    a = ap.parse_args()

    hub = None
    if a.binary:
        hub = hubproc.Hub(a.binary).start()
        port, key, pid, db = hub.port, hub.key, hub.pid, hub.db_path
    else:
        if not (a.port and a.key and a.pid):
            ap.error("give --binary, or --port, --key and --pid of a running hub")
        port, key, pid, db = a.port, a.key, a.pid, a.db
    rc = 0
    try:
        rc = run(a, port, key, pid, db)
    finally:
        if hub is not None:
            code = hub.stop()
            print("hub stopped with exit code %s" % code)
            hub.cleanup()
    sys.exit(rc)


def run(a, port, key, pid, db):
    t = Traffic(port, key, a.rate, a.threads)
    threads = [threading.Thread(target=t.worker, args=(n,), daemon=True)
               for n in range(a.threads)]
    start = time.monotonic()
    for th in threads:
        th.start()
    samples = []  # (t, total, errors, rss KiB, fds, depth)
    print("soak: 127.0.0.1:%d pid %d, %.0f s, %d threads, %.0f req/s target, sample every %.0f s"
          % (port, pid, a.seconds, a.threads, a.rate, a.sample))
    print("%7s %9s %8s %7s %9s %6s %7s %8s" % ("t (s)", "requests", "req/s", "errors",
                                                "RSS MiB", "fds", "queue", "DB MiB"))
    last_total, last_t = 0, 0.0
    try:
        while True:
            now = time.monotonic() - start
            with t.lock:
                total, errors = t.total, t.errors
            try:
                s = (now, total, errors, hubproc.rss_kib(pid), hubproc.fd_count(pid),
                     queue_depth(db))
            except FileNotFoundError:
                print("the hub (pid %d) is gone" % pid)
                return 1
            samples.append(s)
            rate = (total - last_total) / (now - last_t) if now > last_t else 0.0
            print("%7.0f %9d %8.0f %7d %9.1f %6d %7d %8.1f"
                  % (now, total, rate, errors, s[3] / 1024.0, s[4], s[5], db_mib(db)), flush=True)
            last_total, last_t = total, now
            if now >= a.seconds:
                break
            time.sleep(min(a.sample, max(0.0, a.seconds - now)))
    finally:
        t.stop.set()
        for th in threads:
            th.join(20)

    half = [s for s in samples if s[0] >= samples[-1][0] / 2]
    rss_slope = hubproc.slope([(s[0] / 60.0, s[3]) for s in half])
    fd_slope = hubproc.slope([(s[0] / 60.0, s[4]) for s in half])
    mix = collections.Counter()
    for (kind, st), n in t.counts.items():
        mix["%s %d" % (kind, st)] += n
    print("requests        %d in %.0f s (%.0f/s); network errors %d" % (
        t.total, samples[-1][0], t.total / max(samples[-1][0], 1e-9), t.errors))
    print("answers         %s" % ", ".join("%s: %d" % kv for kv in sorted(mix.items())))
    print("unexpected      %s" % (dict(t.unexpected) or "none"))
    print("RSS             first %.1f MiB, max %.1f MiB, last %.1f MiB; second-half slope "
          "%+.1f KiB/min (flag above %.0f)" % (samples[0][3] / 1024.0,
                                               max(s[3] for s in samples) / 1024.0,
                                               samples[-1][3] / 1024.0, rss_slope,
                                               a.rss_slope_kib_min))
    print("fds             first %d, max %d, last %d; second-half slope %+.2f /min (flag above "
          "%.1f)" % (samples[0][4], max(s[4] for s in samples), samples[-1][4], fd_slope,
                     a.fd_slope_min))
    print("queue depth     max %d, last %d" % (max(s[5] for s in samples), samples[-1][5]))
    flags = []
    if rss_slope > a.rss_slope_kib_min:
        flags.append("RSS")
    if fd_slope > a.fd_slope_min:
        flags.append("fds")
    if len(half) < 4:
        print("verdict         too few samples in the second half for a trend (run longer)")
    elif flags:
        print("verdict         TREND: %s still growing in the second half" % " and ".join(flags))
        if "RSS" in flags:
            print("note            SQLite page caches (writer 64 MiB, 8 readers 16 MiB each) grow "
                  "with the database until full: RSS growth below that cap while the database "
                  "grows is expected; a run long enough to fill them tells a leak apart")
    else:
        print("verdict         no growth trend (RSS and fds flat in the second half)")
    return 0


if __name__ == "__main__":
    main()
