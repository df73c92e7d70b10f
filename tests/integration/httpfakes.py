"""httpfakes.py — helpers for the HTTP provider tests (80–8x): start a vendor fake
(tests/fakes/fake_<vendor>.py) as a process on a random port, drive its control endpoints,
and create a catalog provider + project credential pointing the dialect at it."""
import json
import os
import subprocess
import sys
import time
import urllib.request

from harness import check, check_eq, wait_for

FAKES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fakes")


class Fake:
    def __init__(self, hub, vendor, args=()):
        n = 1
        while os.path.exists(os.path.join(hub.dir, "fake_%s_%d.port" % (vendor, n))):
            n += 1
        self.log = os.path.join(hub.dir, "fake_%s_%d.jsonl" % (vendor, n))
        port_file = os.path.join(hub.dir, "fake_%s_%d.port" % (vendor, n))
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(FAKES, "fake_%s.py" % vendor), "--log", self.log,
             "--port-file", port_file] + list(args),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        hub.on_cleanup(self.stop)

        def known():
            return os.path.exists(port_file) and open(port_file).read().strip()

        self.port = int(wait_for(known, 10, "the %s fake's port" % vendor))
        self.base = "http://127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"null")

    def fail_next(self, mode, count=1):
        self.call("POST", "/_fake/fail", {"mode": mode, "count": count})

    def entries(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def requests(self, path_part):
        """Logged vendor requests whose path contains path_part (not control or callbacks)."""
        return [e for e in self.entries() if "callback" not in e and
                path_part in (e.get("path") or "")]

    def callbacks(self):
        return [e for e in self.entries() if "callback" in e]


def add_credential(hub, provider_id, driver, default_config, settings, secrets, **extra):
    """Creates catalog provider provider_id and a credential of the hub's project; returns the
    credential JSON (with callback_url, a path)."""
    admin = hub.admin_token
    r = hub.request("POST", "/v1/admin/providers",
                    {"id": provider_id, "name": provider_id, "driver": driver,
                     "default_config": default_config}, key=admin)
    check_eq(r.status, 201, "create provider %s: %r" % (provider_id, r))
    r = hub.request("POST", "/v1/admin/projects/%s/providers" % hub.project_id,
                    {"provider_id": provider_id, "name": provider_id + " cred",
                     "settings": settings, "secrets": secrets, **extra}, key=admin)
    check_eq(r.status, 201, "create credential: %r" % r)
    check(r.json["callback_url"].startswith("/v1/callbacks/%s/" % driver),
          "callback url %r" % r.json["callback_url"])
    return r.json


def add_project_credential(hub, project_id, provider_id, settings, secrets, **extra):
    """A credential of an existing catalog provider for project_id; returns its JSON."""
    r = hub.request("POST", "/v1/admin/projects/%s/providers" % project_id,
                    {"provider_id": provider_id, "name": "%s cred %d" % (provider_id, len(extra)),
                     "settings": settings, "secrets": secrets, **extra}, key=hub.admin_token)
    check_eq(r.status, 201, "create credential: %r" % r)
    return r.json


def engine_sees(hub, provider_id, cred_id, active=True, timeout=10):
    """Waits until the engine's own view (the provider health snapshot) lists cred_id with that
    active flag: routing reads that view, refreshed from the table about twice a second."""
    def seen():
        r = hub.request("GET", "/v1/admin/providers/%s/health" % provider_id,
                        key=hub.admin_token)
        return r.status == 200 and any(c["credential_id"] == cred_id and c["active"] == active
                                       for c in r.json["credentials"])
    wait_for(seen, timeout, "the engine to load credential %s (active %s)" % (cred_id, active))


def callback_url(hub, cred):
    """The full public callback URL of a credential (what the vendor is configured with)."""
    return "http://127.0.0.1:%d%s" % (hub.port, cred["callback_url"])


def forged_token(cred):
    """The credential's callback path with a wrong (same-length) token."""
    path = cred["callback_url"]
    return path[:-4] + ("zzzz" if not path.endswith("zzzz") else "yyyy")


def inbound(hub, project_id):
    """Inbound messages of project_id: (from, to, body, status, credential_id) rows."""
    rows = hub.query("SELECT from_addr, to_number, body, status, credential_id FROM messages "
                     "WHERE direction = 1 AND project_id = ? ORDER BY created_at", (project_id,))
    # the PostgreSQL variant reads digits-only text back as numbers
    return [(str(a), str(b), str(c), int(d), e) for a, b, c, d, e in rows]


def wait_sent(hub, provider_id, text, timeout=15):
    """Sends one message through provider_id and waits until the provider took it."""
    mid = hub.send(text=text, provider=provider_id).json["id"]
    m = hub.wait_status(mid, {"submitted", "sent", "delivered"}, timeout=timeout)
    return mid, m


def raw_post(hub, path, body, headers):
    """POST body bytes to the hub without any authentication."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def check_log_clean(hub, secrets):
    with open(hub.stderr_path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    for s in secrets:
        check(s not in text, "a secret (%s…) appears in the daemon log" % s[:4])


def stop_clean(hub, fake, provider_id):
    """Leaves one send hanging at the fake (its "timeout" mode), then stops the hub: the driver
    is closed with the transfer in flight and the daemon must exit 0 without sanitizer
    reports (a callback into a freed driver, a leak)."""
    fake.fail_next("timeout")
    mid = hub.send(text="left in flight", provider=provider_id).json["id"]
    wait_for(lambda: hub.scalar("SELECT lease_owner FROM messages WHERE id = ?", (mid,)), 10,
             "the hanging send to be claimed")
    time.sleep(0.3)  # the transfer is started right after the claim commits
    check_eq(hub.stop(), 0, "exit code after a stop with a transfer in flight")
    with open(hub.stderr_path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    for bad in ("Sanitizer", "runtime error"):
        check(bad not in text, "sanitizer report in the daemon log")
