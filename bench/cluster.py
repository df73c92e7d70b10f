#!/usr/bin/env python3
"""cluster.py — accept and end-to-end figures on SQLite and PostgreSQL, one node or several.

For each configuration (SQLite one node; with --pg-url, PostgreSQL one node and --nodes nodes
on one fresh database of that cluster) it starts throwaway hubs with dispatch paused (the test
hook SMSHUB_FAULT=pause:FILE, see backlog.py), then:
  1. accept: build/bench-accept against every node at once for --seconds (--connections split
     between the nodes), summing accepted/s, with each node's server CPU per accepted message;
  2. end-to-end: removes the pause file and times the drain of everything accepted until no
     message is left non-final (claim, submit to the built-in simulator, its receipts).
A figure printer, not a test: the machine is shared, so repeat with --runs and read the spread.

    python3 bench/cluster.py --binary build/smshub --pg-url postgres://smshub@127.0.0.1:5432/x
    sh tools/with_pg_cluster.sh sh -c 'python3 bench/cluster.py --binary build/smshub \\
        --pg-url "$SMSHUB_TEST_PG_URL"'      # a throwaway PostgreSQL: make bench-cluster
"""
import argparse
import json
import os
import secrets
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubproc  # noqa: E402


def psql(url, sql):
    out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("psql: " + out.stderr.strip())
    return out.stdout.strip()


def with_db(url, name):
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def not_final(hub):
    sql = "SELECT count(*) FROM messages WHERE status IN (0, 1, 2)"
    if hub.db_url.startswith("sqlite:"):
        c = sqlite3.connect("file:%s?mode=ro" % hub.db_path, uri=True, timeout=30)
        try:
            return c.execute(sql).fetchone()[0]
        finally:
            c.close()
    return int(psql(hub.db_url, sql))


def accept(binary_dir, nodes, key, conns, seconds):
    """bench-accept against every node at once; returns the list of their JSON results."""
    bench = os.path.join(binary_dir, "bench-accept")
    per = max(1, conns // len(nodes))
    procs = [subprocess.Popen([bench, "--url", "http://127.0.0.1:%d" % n.port, "--key", key,
                               "--connections", str(per), "--seconds", str(seconds),
                               "--pid", str(n.pid), "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in nodes]
    out = []
    for p in procs:
        so, se = p.communicate(timeout=seconds + 60)
        if p.returncode not in (0,):
            raise RuntimeError("bench-accept failed (%d): %s" % (p.returncode, se.strip()))
        out.append(json.loads(so))
    return out


def run_one(a, label, db_url, nnodes):
    hub = hubproc.Hub(a.binary, db_url=db_url)
    pause = os.path.join(hub.dir, "paused")
    open(pause, "w").close()
    hub.env = {"SMSHUB_TEST_HOOKS": "1", "SMSHUB_FAULT": "pause:" + pause}
    nodes = [hub] + [hub.peer() for _ in range(nnodes - 1)]
    try:
        for n in nodes:
            n.start()
        if nnodes > 1:
            time.sleep(2.5)  # the nodes see each other (heartbeats every second)
        res = accept(os.path.dirname(os.path.abspath(a.binary)), nodes, hub.key,
                     a.connections, a.seconds)
        rate = sum(r["accepted_per_s"] for r in res)
        p99 = max(r["latency_ms"]["p99"] for r in res)
        cpu = [r["server"]["cpu_us_per_accepted"] for r in res]
        other = statistics.mean(r["machine"]["other_pct"] for r in res)
        time.sleep(1.0)  # the last answers' writes
        queued = not_final(hub)
        t0 = time.monotonic()
        os.unlink(pause)
        left = queued
        while left > 0 and time.monotonic() - t0 < a.drain_timeout:
            time.sleep(0.5)
            left = not_final(hub)
        drain = time.monotonic() - t0
        fig = {"config": label, "accepted_per_s": rate, "p99_ms": p99,
               "cpu_us_per_accepted": cpu, "machine_other_pct": other, "backlog": queued,
               "drain_s": drain, "drained": left == 0,
               "e2e_per_s": queued / drain if left == 0 and drain > 0 else None}
        print("%-12s accept %7.0f/s  p99 %6.1f ms  server %s us/accepted  other %4.0f %%  |  "
              "e2e %6d in %5.1f s = %s msg/s" % (
                  label, rate, p99, "+".join("%.0f" % c for c in cpu), other, queued, drain,
                  "%.0f" % fig["e2e_per_s"] if fig["e2e_per_s"] else "NOT DRAINED"),
              flush=True)
        return fig
    finally:
        hub.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--pg-url", help="a PostgreSQL cluster (a fresh database is made per run)")
    ap.add_argument("--nodes", type=int, default=2, help="nodes of the cluster configuration")
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--drain-timeout", type=float, default=600)
    a = ap.parse_args()

    configs = [("sqlite 1", None, 1)]
    if a.pg_url:
        configs += [("pg 1", a.pg_url, 1), ("pg %d" % a.nodes, a.pg_url, a.nodes)]
    figs = {}
    for r in range(a.runs):
        for label, url, n in configs:
            db = None
            if url is not None:
                db = "smshub_bench_" + secrets.token_hex(4)
                psql(url, "CREATE DATABASE %s" % db)
            try:
                figs.setdefault(label, []).append(
                    run_one(a, label, with_db(url, db) if db else None, n))
            finally:
                if db is not None:
                    psql(url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % db)
    if a.runs > 1:
        print("median (min-max) over %d runs:" % a.runs)
        for label, v in figs.items():
            acc = sorted(f["accepted_per_s"] for f in v)
            e2e = sorted(f["e2e_per_s"] or 0 for f in v)
            print("%-12s accept %.0f/s (%.0f-%.0f)  e2e %.0f msg/s (%.0f-%.0f)" % (
                label, statistics.median(acc), acc[0], acc[-1], statistics.median(e2e),
                e2e[0], e2e[-1]))


if __name__ == "__main__":
    main()
