"""smsc.py — helpers for the SMPP integration tests (50–59): run `smshub smsc-sim` beside a
Hub, read its JSON-lines submit log, and point the project at it with an `smpp` credential
seeded straight into the database (the bootstrap simulator credential is switched off).

    smsc = Smsc(hub, ["--dlr-delay-ms", "50"]).start()
    use_smpp(hub, smsc, window=20)
    hub.start()
"""
import json
import os
import secrets
import signal
import subprocess

from harness import HOST, check, now_ms, wait_for


class Smsc:
    """One `smshub smsc-sim` process: port file and log in the hub's temp dir."""

    def __init__(self, hub, args=()):
        self.hub = hub
        self.args = list(args)
        self.log = os.path.join(hub.dir, "smsc.jsonl")
        self.port_file = os.path.join(hub.dir, "smsc.port")
        self.stderr_path = os.path.join(hub.dir, "smsc.stderr")
        self.proc = None
        self.port = 0
        hub.on_cleanup(self.kill)

    def start(self, args=None, timeout=10):
        """Starts the simulator (on the same port as before after a kill) and waits for it."""
        check(self.proc is None, "smsc-sim already running")
        if args is not None:
            self.args = list(args)
        try:
            os.unlink(self.port_file)
        except FileNotFoundError:
            pass
        err = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [self.hub.binary, "smsc-sim", "--listen", "%s:%d" % (HOST, self.port),
             "--port-file", self.port_file, "--log", self.log] + self.args,
            stdin=subprocess.DEVNULL, stdout=err, stderr=err, start_new_session=True)
        err.close()

        def port():
            if self.proc.poll() is not None:
                raise AssertionError("smsc-sim exited with %d: %s"
                                     % (self.proc.returncode, self.stderr_tail()))
            try:
                with open(self.port_file) as f:
                    t = f.read().strip()
            except FileNotFoundError:
                return None
            return int(t) if t.isdigit() else None

        self.port = wait_for(port, timeout, "the smsc-sim port file")
        return self

    def kill(self):
        """SIGKILL (a crash) and reap."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait(10)
        self.proc = None

    def stop(self):
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(10)
        self.proc = None
        return rc

    def stderr_tail(self, n=20):
        try:
            with open(self.stderr_path, "rb") as f:
                return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-n:])
        except FileNotFoundError:
            return ""

    def events(self, kind="submit"):
        """The log's records of one kind (a torn last line is skipped)."""
        out = []
        try:
            with open(self.log) as f:
                for line in f:
                    try:
                        o = json.loads(line)
                    except ValueError:
                        continue
                    if o.get("event") == kind:
                        out.append(o)
        except FileNotFoundError:
            pass
        return out


def use_smpp(hub, smsc, **settings):
    """Bootstraps the hub if needed and makes an `smpp` credential pointing at smsc the
    project's default (the simulator credential is deactivated). Returns its id."""
    if hub.boot is None:
        hub.bootstrap()
    s = {"host": HOST, "port": smsc.port, "system_id": "hubtest", "password": "secret",
         "enquire_link_ms": 5000, "response_timeout_ms": 3000, "reconnect_min_ms": 100,
         "reconnect_max_ms": 1000}
    s.update(settings)
    t = now_ms()
    cred = "cred_smpp" + secrets.token_hex(8)
    stmts = []
    if not hub.query("SELECT id FROM providers WHERE id = 'smpp'"):
        stmts.append(("INSERT INTO providers(id, name, driver, created_at, updated_at) "
                      "VALUES ('smpp', 'SMPP', 'smpp', ?, ?)", (t, t)))
    stmts += [
        ("UPDATE provider_credentials SET is_default = 0, active = 0 WHERE project_id = ?",
         (hub.project_id,)),
        ("INSERT INTO provider_credentials(id, project_id, provider_id, name, settings, "
         "is_default, active, priority, created_at, updated_at) "
         "VALUES (?, ?, 'smpp', 'smsc-sim', ?, 1, 1, 10, ?, ?)",
         (cred, hub.project_id, json.dumps(s), t, t)),
    ]
    hub.write_db(stmts)
    return cred
