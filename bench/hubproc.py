"""hubproc.py — a throwaway smshub for the Python benchmarks (soak.py, backlog.py).

Bootstraps a fresh database (SQLite in its own temp dir, or a PostgreSQL URL given as db_url)
and starts `smshub serve` on 127.0.0.1 with an ephemeral port (read from a port file); peer()
is another node on the same database (PostgreSQL). Stops exactly its own processes (their pid,
never by name). Standard library only.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import http.client

HOST = "127.0.0.1"


class Hub:
    def __init__(self, binary, env=None, args=None, keep=False, db_url=None):
        self.binary = os.path.abspath(binary)
        self.dir = tempfile.mkdtemp(prefix="smshub-bench-")
        self.db_path = os.path.join(self.dir, "hub.db")
        self.db_url = db_url or "sqlite:" + self.db_path
        self.env = env or {}
        self.args = args or []
        self.keep = keep
        self.proc = None
        self.port = None
        self.name = "node1"
        self.peers = []
        out = subprocess.run([self.binary, "admin", "bootstrap", "--db", self.db_url,
                              "--json"], capture_output=True, check=True, cwd=self.dir)
        self.boot = json.loads(out.stdout)
        self.key = self.boot["api_key"]

    def peer(self):
        """Another node on the same database and master key (own port and log); stopped with
        this one."""
        p = object.__new__(Hub)
        p.__dict__.update(self.__dict__)
        p.name = "node%d" % (len(self.peers) + 2)
        p.proc = p.port = None
        p.peers = []
        p.keep = True  # the directory is this hub's
        self.peers.append(p)
        return p

    def start(self, timeout=20):
        port_file = os.path.join(self.dir, "port-" + self.name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMSHUB_")}
        env.update(self.env)
        self.stderr = open(os.path.join(self.dir, "stderr-%s.log" % self.name), "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--db", self.db_url, "--listen", HOST + ":0",
             "--master-key-file", os.path.join(self.dir, "master.key"), "--port-file", port_file,
             "--log-level", "warn"] + self.args,
            stdin=subprocess.DEVNULL, stdout=self.stderr, stderr=self.stderr, env=env,
            cwd=self.dir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("smshub exited with %d at start-up" % self.proc.returncode)
            try:
                with open(port_file) as f:
                    text = f.read().strip()
                if text.isdigit():
                    self.port = int(text)
                    c = http.client.HTTPConnection(HOST, self.port, timeout=2)
                    c.request("GET", "/readyz")
                    if c.getresponse().status == 200:
                        return self
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        raise RuntimeError("smshub did not become ready within %d s" % timeout)

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        self.stderr.close()
        return rc

    def cleanup(self):
        try:
            for p in self.peers:
                p.stop()
            self.stop()
        finally:
            if not self.keep:
                shutil.rmtree(self.dir, ignore_errors=True)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def slope(points):
    """Least-squares slope of [(x, y), ...] (0 with fewer than 2 distinct x)."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    if sxx == 0:
        return 0.0
    return sum((p[0] - mx) * (p[1] - my) for p in points) / sxx


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(q / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[k]
