#!/usr/bin/env python3
"""e2e_smpp.py — the full cycle against `smshub smsc-sim`: REST accept → SMPP submit_sm →
deliver_sm receipt applied (`delivered`) → status callback delivered, in messages per second.

Starts its own smsc-sim and a throwaway hub (temp dir, SQLite, ephemeral ports, both
stopped by their pids) whose project's default credential is an `smpp` one pointing at the
simulator. Then `build/bench-accept` (C, epoll) posts messages over --connections keep-alive
connections for --seconds, while the engine submits them over --binds SMPP sessions with
--window submits outstanding each and the simulator answers and sends receipts after
--dlr-delay-ms. Every message carries a callback_url to a receiver in this process (asyncio,
HTTP/1.1 keep-alive, answers 200) that counts the `delivered` callbacks; --no-callbacks
leaves them out. The database is sampled every 0.5 s (read-only) until every accepted message
is final and, with callbacks, its delivered callback has arrived. Printed:

- accept: REST 202/s (bench-accept's own figures);
- submitted/s and delivered/s over the load window and over the whole run;
- full cycle: messages / (first request → last delivered callback received, or last message
  delivered with --no-callbacks), the headline figure (DESIGN.md §11);
- CPU of the hub and of the simulator (from /proc), machine busy time.

    python3 bench/e2e_smpp.py --binary build/smshub --seconds 10 --connections 200

A figure printer, not a test. Only 127.0.0.1.
"""
import argparse
import asyncio
import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubproc import Hub  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / TICK


def machine_busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


class Sim:
    def __init__(self, binary, d, args):
        pf = os.path.join(d, "smsc.port")
        self.err = open(os.path.join(d, "smsc.stderr"), "ab")
        self.proc = subprocess.Popen([binary, "smsc-sim", "--listen", "127.0.0.1:0",
                                      "--port-file", pf] + args, stdin=subprocess.DEVNULL,
                                     stdout=self.err, stderr=self.err)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if os.path.exists(pf):
                with open(pf) as f:
                    t = f.read().strip()
                if t.isdigit():
                    self.port = int(t)
                    return
            time.sleep(0.05)
        raise RuntimeError("smsc-sim did not start")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)
        self.err.close()


class CallbackSink:
    """A loopback HTTP/1.1 server on its own thread that answers every request 200 and counts
    bodies with "status":"delivered" (and all requests)."""

    def __init__(self):
        self.delivered = 0
        self.requests = 0
        self.connections = 0
        self.last_delivered = None
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            srv = self.loop.run_until_complete(
                asyncio.start_server(self.conn, "127.0.0.1", 0, backlog=512))
            self.port = srv.sockets[0].getsockname()[1]
            ready.set()
            self.loop.run_forever()
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(10)
        self.url = "http://127.0.0.1:%d/cb" % self.port

    async def conn(self, r, w):
        self.connections += 1
        try:
            while True:
                head = await r.readuntil(b"\r\n\r\n")
                n = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        n = int(line[15:])
                body = await r.readexactly(n) if n else b""
                self.requests += 1
                if b'"status":"delivered"' in body:
                    self.delivered += 1
                    self.last_delivered = time.monotonic()
                w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            w.close()

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def use_smpp(db_path, project_id, port, a):
    t = int(time.time() * 1000)
    s = {"host": "127.0.0.1", "port": port, "system_id": "bench", "password": "bench",
         "binds": a.binds, "window": a.window, "throttle_pause_ms": 50}
    db = sqlite3.connect(db_path)
    with db:
        if not db.execute("SELECT id FROM providers WHERE id = 'smpp'").fetchall():
            db.execute("INSERT INTO providers(id, name, driver, created_at, updated_at) "
                       "VALUES ('smpp', 'SMPP', 'smpp', ?, ?)", (t, t))
        db.execute("UPDATE provider_credentials SET is_default = 0, active = 0 "
                   "WHERE project_id = ?", (project_id,))
        db.execute("INSERT INTO provider_credentials(id, project_id, provider_id, name, "
                   "settings, is_default, active, priority, created_at, updated_at) "
                   "VALUES (?, ?, 'smpp', 'smsc-sim', ?, 1, 1, 10, ?, ?)",
                   ("cred_bench" + secrets.token_hex(6), project_id, json.dumps(s), t, t))
    db.close()


def counts(db_path):
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=5)
    try:
        rows = db.execute("SELECT status, count(*) FROM messages GROUP BY status").fetchall()
    finally:
        db.close()
    c = dict(rows)
    total = sum(c.values())
    final = sum(n for st, n in c.items() if st >= 3)
    # submitted at least once: everything past queued
    return total, total - c.get(0, 0), c.get(3, 0), final


def rate_at(samples, t_end, idx):
    """The count in column idx at the last sample not after t_end."""
    best = samples[0]
    for s in samples:
        if s[0] <= t_end:
            best = s
    return best[idx]


def run(a):
    binary = os.path.abspath(a.binary)
    accept = os.path.join(os.path.dirname(binary), "bench-accept")
    hub = Hub(binary, args=["--log-level", "debug"] if a.writer_stats else [])
    sim = Sim(binary, hub.dir, ["--dlr-delay-ms", str(a.dlr_delay_ms)])
    sink = None if a.no_callbacks else CallbackSink()
    try:
        use_smpp(hub.db_path, hub.boot["project_id"], sim.port, a)
        hub.start()
        time.sleep(1)  # binds up
        perf = None
        if a.perf:  # perf record of the hub over load and drain (perf report -i FILE)
            perf = subprocess.Popen(["perf", "record", "-F", "499", "-g", "-p", str(hub.pid),
                                     "-o", a.perf], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        cpu0 = (cpu_s(hub.pid), cpu_s(sim.proc.pid), machine_busy(), time.process_time())
        t0 = time.monotonic()
        load = subprocess.Popen([accept, "--url", "http://127.0.0.1:%d" % hub.port,
                                 "--key", hub.key, "--connections", str(a.connections),
                                 "--seconds", str(a.seconds), "--warmup", "0", "--json"] +
                                (["--callback-url", sink.url] if sink else []),
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        samples = []
        load_end = None
        while True:
            time.sleep(0.5)
            now = time.monotonic() - t0
            total, submitted, delivered, final = counts(hub.db_path)
            samples.append((now, total, submitted, delivered, final))
            if load_end is None and load.poll() is not None:
                load_end = now
            if load_end is not None and final == total and (
                    sink is None or sink.delivered >= delivered):
                break
            if now > a.seconds + a.drain_limit:
                print("drain limit reached: %d of %d final" % (final, total))
                break
        t_done = samples[-1][0]
        db = sqlite3.connect("file:%s?mode=ro" % hub.db_path, uri=True)
        via = dict(db.execute("SELECT provider_id, count(*) FROM messages m JOIN "
                              "provider_credentials c ON c.id = m.credential_id "
                              "GROUP BY provider_id").fetchall())
        cb_ms = [r[0] for r in db.execute("SELECT duration_ms FROM webhook_attempts "
                                           "ORDER BY duration_ms").fetchall()]
        db.close()
        cpu1 = (cpu_s(hub.pid), cpu_s(sim.proc.pid), machine_busy(), time.process_time())
        if perf is not None:
            perf.send_signal(signal.SIGINT)
            perf.wait(60)
        out = json.loads(load.stdout.read() or b"{}")
        load.stdout.close()
        if a.writer_stats:
            hub.stop()
            with open(os.path.join(hub.dir, "stderr.log"), errors="replace") as f:
                for line in f:
                    if "writer:" in line:
                        print("writer       " + line.strip()[-150:])
    finally:
        try:
            hub.cleanup()
        finally:
            sim.stop()
            if sink is not None:
                sink.stop()

    total, delivered = samples[-1][1], samples[-1][3]
    if sink is not None and sink.last_delivered is not None:
        t_done = min(t_done, max(sink.last_delivered - t0, samples[-2][0] if len(samples) > 1
                                 else 0))
    # the moment the last message turned final lies between the last two samples
    in_load_sub = rate_at(samples, load_end, 2)
    in_load_del = rate_at(samples, load_end, 3)
    busy = (cpu1[2][0] - cpu0[2][0]) / max(1, cpu1[2][1] - cpu0[2][1]) * 100 * os.cpu_count()
    hub_cpu, sim_cpu = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
    cli_cpu = out.get("client", {}).get("cpu_s", 0.0) + (cpu1[3] - cpu0[3])
    other = busy / 100 * t_done - hub_cpu - sim_cpu - cli_cpu
    print("e2e_smpp: %d connections, %d s of load, %d binds x window %d, receipt delay %d ms"
          % (a.connections, a.seconds, a.binds, a.window, a.dlr_delay_ms))
    print("accept       %d accepted (%.0f/s REST 202), p99 %.2f ms, other statuses %s"
          % (out.get("accepted", total), out.get("accepted_per_s", 0),
             out.get("latency_ms", {}).get("p99", 0), out.get("statuses", {})))
    print("during load  %.1f s: %.0f submitted/s, %.0f delivered/s"
          % (load_end, in_load_sub / load_end, in_load_del / load_end))
    print("full cycle   %d messages, %d delivered, done after %.1f s: %.0f msg/s "
          "(REST accept -> submit_sm -> receipt applied%s)"
          % (total, delivered, t_done, total / t_done,
             "" if sink is None else " -> delivered callback"))
    print("via          %s" % via)
    if sink is not None:
        print("callbacks    %d connections, %d requests, %d delivered callbacks (%.0f delivered callbacks/s "
              "over the run); attempt duration p50 %s p99 %s max %s ms"
              % (sink.connections, sink.requests, sink.delivered, sink.delivered / t_done,
                 *(cb_ms[int(q * (len(cb_ms) - 1))] if cb_ms else "-" for q in (.5, .99, 1))))
    print("cpu          hub %.2f s (%.0f us/message), smsc-sim %.2f s, clients %.2f s; "
          "machine busy %.0f %% of %d00 %%, %.1f CPU-s of it none of these (other tenants)"
          % (hub_cpu, 1e6 * hub_cpu / max(1, total), sim_cpu, cli_cpu, busy, os.cpu_count(),
             other))
    return total / t_done


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default="build/smshub")
    ap.add_argument("--seconds", type=int, default=10, help="REST load duration")
    ap.add_argument("--connections", type=int, default=200)
    ap.add_argument("--binds", type=int, default=4)
    ap.add_argument("--window", type=int, default=256)
    ap.add_argument("--dlr-delay-ms", type=int, default=10)
    ap.add_argument("--drain-limit", type=int, default=120, help="seconds after the load")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--no-callbacks", action="store_true", help="messages without callback_url")
    ap.add_argument("--perf", metavar="FILE", help="perf record -g the hub into FILE")
    ap.add_argument("--writer-stats", action="store_true",
                    help="run the hub at --log-level debug and print its writer's batch lines")
    a = ap.parse_args()
    figs = [run(a) for _ in range(a.runs)]
    if len(figs) > 1:
        figs.sort()
        print("full cycle over %d runs: median %.0f msg/s, min %.0f, max %.0f"
              % (len(figs), figs[len(figs) // 2], figs[0], figs[-1]))


if __name__ == "__main__":
    main()
