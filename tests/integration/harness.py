"""harness.py — shared helpers for the black-box integration tests of smshub.

Each test script is run as `python3 NN-name.py /abs/path/to/smshub` and exits 0 on success.
It builds a Hub (fresh temp dir, bootstrapped database), starts the real binary on an
ephemeral loopback port, drives the public HTTP API with http.client and checks the answers
and the database (read-only sqlite3 connections). Standard library only.

    from harness import Hub, main, check, check_eq

    def test(hub):
        hub.start()
        st, hdr, body = hub.request("POST", "/v1/messages", {"to": ..., "text": ...})
        check_eq(st, 202, "POST /v1/messages")

    main(test)

Rules kept here so every test follows them: only 127.0.0.1, no fixed sleeps (wait_for polls
with a deadline), every process started is stopped (process group) even on failure, the temp
dir is removed at the end, and the whole test is bounded by an alarm.
"""

import collections
import hashlib
import http.client
import json
import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

HOST = "127.0.0.1"
POLL_S = 0.03
FINAL_STATUSES = {"delivered", "undelivered", "failed", "rejected", "expired", "canceled"}
STATUS_CODES = {"queued": 0, "submitted": 1, "sent": 2, "delivered": 3, "undelivered": 4,
                "failed": 5, "rejected": 6, "expired": 7, "canceled": 8}
STATUS_NAMES = {v: k for k, v in STATUS_CODES.items()}

_DEFAULT = object()


class TestFailure(AssertionError):
    pass


def check(cond, what):
    """Fails the test with `what` unless cond is true."""
    if not cond:
        raise TestFailure(what)


def check_eq(actual, expected, what):
    if actual != expected:
        raise TestFailure("%s: expected %r, got %r" % (what, expected, actual))


def wait_for(fn, timeout, what, interval=POLL_S):
    """Calls fn() every `interval` s until it returns a true value, which is returned.
    Fails with a clear message (including the last value seen) at the deadline."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = fn()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise TestFailure("timed out after %.1f s waiting for %s (last value: %.300r)"
                              % (timeout, what, last))
        time.sleep(interval)


def new_key():
    """An API key text of the documented form: sk_live_ + 43 chars of [A-Za-z0-9_-]."""
    return "sk_live_" + secrets.token_urlsafe(32)[:43].ljust(43, "A")


def idem():
    return "it-" + secrets.token_hex(12)


def now_ms():
    return int(time.time() * 1000)


def rfc3339(epoch_s):
    """UTC RFC 3339 with milliseconds, e.g. 2026-01-31T09:30:00.123Z."""
    ms = int(round(epoch_s * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def parse_rfc3339(s):
    """Parses the server's timestamps (YYYY-MM-DDTHH:MM:SS[.fff]Z) to epoch seconds."""
    import calendar
    check(isinstance(s, str) and s.endswith("Z"), "timestamp %r is not UTC RFC 3339" % (s,))
    main_part, _, frac = s[:-1].partition(".")
    t = calendar.timegm(time.strptime(main_part, "%Y-%m-%dT%H:%M:%S"))
    return t + (float("0." + frac) if frac else 0.0)


class Response:
    """(status, headers, json) — also unpackable as a tuple."""

    def __init__(self, status, headers, body, raw):
        self.status = status
        self.headers = headers  # dict with lower-case names
        self.json = body
        self.raw = raw

    def __iter__(self):
        return iter((self.status, self.headers, self.json))

    def __repr__(self):
        return "<%d %s>" % (self.status, self.raw[:300])


def _encode_body(body):
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def _do_request(conn, method, path, body, headers):
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    raw = resp.read()
    hdrs = {k.lower(): v for k, v in resp.getheaders()}
    parsed = None
    if raw:
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
    return Response(resp.status, hdrs, parsed, raw)


class Client:
    """One keep-alive connection to the hub (not thread-safe: one per thread)."""

    def __init__(self, hub, key=_DEFAULT, timeout=15):
        self.hub = hub
        self.key = hub.api_key if key is _DEFAULT else key
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None, headers=None, key=_DEFAULT):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.hub.port, timeout=self.timeout)
        h = self.hub.default_headers(method, body, headers, self.key if key is _DEFAULT else key)
        try:
            r = _do_request(self.conn, method, path, _encode_body(body), h)
        except Exception:
            self.close()
            raise
        if r.headers.get("connection", "").lower() == "close":
            self.close()
        return r

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Hub:
    """One smshub instance: temp dir, database, master key, port file, optional simulator log."""

    def __init__(self, binary, sim_log=True):
        self.binary = os.path.abspath(binary)
        self.dir = tempfile.mkdtemp(prefix="smshub-it-")
        self.db_path = os.path.join(self.dir, "hub.db")
        self.db_url = "sqlite:" + self.db_path
        self.pg = PG_URL is not None
        if self.pg:  # a fresh database of its own on the test cluster
            self.pg_db = "it_" + secrets.token_hex(6)
            psql(PG_URL, "CREATE DATABASE %s" % self.pg_db)
            self.db_url = pg_url_for(self.pg_db)
        self.port_file = os.path.join(self.dir, "port")
        self.sim_log = os.path.join(self.dir, "sim.log") if sim_log else None
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self.proc = None
        self.port = None
        self.extra_args = []
        self.extra_env = {}  # SMSHUB_* variables for the next start (test hooks)
        self.boot = None
        self._stderr = None
        self._cleanups = []

    # ---- setup ---------------------------------------------------------------------------

    def bootstrap(self):
        out = subprocess.run([self.binary, "admin", "bootstrap", "--db", self.db_url, "--json"],
                             capture_output=True, timeout=30, cwd=self.dir)
        check(out.returncode == 0, "bootstrap failed (%d): %s" % (out.returncode, out.stderr))
        self.boot = json.loads(out.stdout)
        return self.boot

    @property
    def api_key(self):
        return self.boot["api_key"]

    @property
    def project_id(self):
        return self.boot["project_id"]

    @property
    def credential_id(self):
        return self.boot["credential_id"]

    def oauth(self, form):
        """POST /oauth/token with form (a dict) form-encoded; returns the Response."""
        return self.request("POST", "/oauth/token", urllib.parse.urlencode(form),
                            headers={"Content-Type": "application/x-www-form-urlencoded",
                                     "Idempotency-Key": None}, key=None)

    def login(self, email=None, password=None):
        """The password grant for email (default: the bootstrap admin); returns the access
        token."""
        r = self.oauth({"grant_type": "password",
                        "username": email or self.boot["admin_email"],
                        "password": password or self.boot["admin_password"]})
        check_eq(r.status, 200, "login %r" % (r,))
        return r.json["access_token"]

    @property
    def admin_token(self):
        """An access token of the bootstrap administrator (logged in once per Hub)."""
        if getattr(self, "_admin_token", None) is None:
            self._admin_token = self.login()
        return self._admin_token

    # ---- process -------------------------------------------------------------------------

    def start(self, extra_args=None, timeout=15):
        """Starts `smshub serve` and waits for the port file and GET /readyz → 200."""
        check(self.proc is None, "hub already running")
        if self.boot is None:
            self.bootstrap()
        if extra_args is not None:
            self.extra_args = list(extra_args)
        try:
            os.unlink(self.port_file)
        except FileNotFoundError:
            pass
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("SMSHUB_"):
                del env[k]
        if self.sim_log:
            env["SMSHUB_SIMULATOR_LOG"] = self.sim_log
        env.update(self.extra_env)
        args = [self.binary, "serve", "--db", self.db_url, "--listen", HOST + ":0",
                "--master-key-file", os.path.join(self.dir, "master.key"),
                "--port-file", self.port_file,
                "--log-level", os.environ.get("SMSHUB_IT_LOG_LEVEL", "warn")] + self.extra_args
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._stderr,
                                     stderr=self._stderr, env=env, cwd=self.dir,
                                     start_new_session=True)

        def port_known():
            if self.proc.poll() is not None:
                raise TestFailure("smshub serve exited with %d during start-up"
                                  % self.proc.returncode)
            try:
                with open(self.port_file) as f:
                    text = f.read()
            except FileNotFoundError:
                return None
            return int(text) if text.strip().isdigit() else None

        self.port = wait_for(port_known, timeout, "the port file")

        def ready():
            try:
                return self.request("GET", "/readyz", key=None, timeout=2).status == 200
            except OSError:
                return False

        wait_for(ready, timeout, "GET /readyz → 200")
        return self

    def _reap(self):
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self.proc = None

    def stop(self, timeout=15):
        """SIGTERM and wait; returns the exit code (fails if it does not exit in time)."""
        if self.proc is None:
            return None
        p = self.proc
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TestFailure("smshub did not exit within %s s of SIGTERM" % timeout)
        self._reap()
        return rc

    def kill(self):
        """SIGKILL the whole process group (a crash) and reap it. The group is signalled only
        while its leader is not reaped yet (running or a zombie), so its id cannot have been
        reused by another process group in the meantime."""
        if self.proc is None:
            return
        p = self.proc
        if p.poll() is None:
            self._kill_group(p.pid)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self._reap()

    @staticmethod
    def _kill_group(pgid):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def restart(self, extra_args=None):
        self.stop()
        return self.start(extra_args)

    def peer(self, n=2):
        """Another node on the same database (meaningful on PostgreSQL): same bootstrap, master
        key and simulator log, its own port and stderr. Killed at this hub's cleanup."""
        p = object.__new__(Hub)
        p.__dict__.update(self.__dict__)
        p.port_file = os.path.join(self.dir, "port%d" % n)
        p.stderr_path = os.path.join(self.dir, "stderr%d.log" % n)
        p.proc = p.port = p._stderr = None
        p.extra_args = []
        p.extra_env = dict(self.extra_env)
        p._cleanups = []
        self.on_cleanup(p.kill)
        return p

    def on_cleanup(self, fn):
        """Runs fn() at cleanup, after the hub is stopped and before its dir is removed."""
        self._cleanups.append(fn)

    def cleanup(self):
        try:
            self.kill()
        finally:
            for fn in reversed(self._cleanups):
                try:
                    fn()
                except Exception as e:  # cleanup must go on
                    print("cleanup step failed: %r" % e, file=sys.stderr)
            shutil.rmtree(self.dir, ignore_errors=True)
            if self.pg:
                try:
                    psql(PG_URL, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.pg_db)
                except Exception:  # the cluster goes away with the run anyway
                    pass

    def stderr_tail(self, n=30):
        try:
            with open(self.stderr_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except FileNotFoundError:
            return ""
        return "\n".join(lines[-n:])

    # ---- HTTP ----------------------------------------------------------------------------

    def default_headers(self, method, body, headers, key):
        h = {}
        if key is not None:
            h["Authorization"] = "Bearer " + key
        if body is not None:
            h["Content-Type"] = "application/json"
        if method == "POST":
            h["Idempotency-Key"] = idem()
        if headers:
            for k, v in headers.items():
                # a value of None removes a default header
                for dk in [d for d in h if d.lower() == k.lower()]:
                    del h[dk]
                if v is not None:
                    h[k] = v
        return h

    def request(self, method, path, body=None, headers=None, key=_DEFAULT, timeout=15):
        """One request on a fresh connection. body: dict/list (sent as JSON), str or bytes.
        key: API key (default: the bootstrap key; None: no Authorization header).
        POSTs get a fresh Idempotency-Key unless headers sets one (or None to omit it).
        Returns a Response, unpackable as (status, headers, json)."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            h = self.default_headers(method, body, headers,
                                     self.api_key if key is _DEFAULT else key)
            return _do_request(conn, method, path, _encode_body(body), h)
        finally:
            conn.close()

    def client(self, key=_DEFAULT):
        return Client(self, key)

    def send(self, to="+998901234567", text="hello from the integration tests", key=_DEFAULT,
             idem_key=None, expect=202, **fields):
        """POST /v1/messages and check the status; returns the Response."""
        body = dict(fields)
        body["to"] = to
        body["text"] = text
        r = self.request("POST", "/v1/messages", body,
                         headers={"Idempotency-Key": idem_key or idem()}, key=key)
        if expect is not None:
            check(r.status == expect, "POST /v1/messages %r: expected %d, got %r"
                  % (body, expect, r))
        return r

    def get_message(self, msg_id, key=_DEFAULT):
        r = self.request("GET", "/v1/messages/" + msg_id, key=key)
        check(r.status == 200, "GET /v1/messages/%s: expected 200, got %r" % (msg_id, r))
        return r.json

    def wait_status(self, msg_id, statuses, timeout=20, key=_DEFAULT):
        """Waits until GET shows the message in one of `statuses`; returns the message. On a
        time-out the failure shows the message's row and events (where it got stuck)."""
        if isinstance(statuses, str):
            statuses = {statuses}

        def reached():
            m = self.get_message(msg_id, key=key)
            if m["status"] in statuses:
                return m
            if m["status"] in FINAL_STATUSES:
                raise TestFailure("message %s ended %s (error %r), expected %s"
                                  % (msg_id, m["status"], m.get("error"), sorted(statuses)))
            return None

        try:
            return wait_for(reached, timeout,
                            "message %s to reach %s" % (msg_id, sorted(statuses)))
        except TestFailure as e:
            try:
                where = self.describe("id = ?", (msg_id,))
            except Exception as d:  # noqa: BLE001 - the original failure matters more
                where = "(no description: %s)" % d
            raise TestFailure("%s\n%s" % (e, where)) from None

    # ---- database ------------------------------------------------------------------------

    def db(self):
        """A read-only SQLite connection (caller closes it); SQLite backend only."""
        check(not self.pg, "hub.db() is SQLite only; use query/scalar/write_db")
        c = sqlite3.connect("file:%s?mode=ro" % self.db_path, uri=True, timeout=10)
        c.execute("PRAGMA busy_timeout = 10000")
        return c

    def query(self, sql, args=()):
        if self.pg:
            return psql(self.db_url, sql_literal(sql, args))
        c = self.db()
        try:
            return c.execute(sql, args).fetchall()
        finally:
            c.close()

    def scalar(self, sql, args=()):
        return self.query(sql, args)[0][0]

    def write_db(self, statements):
        """Runs [(sql, args), ...] in one transaction on a writable connection."""
        if self.pg:
            psql(self.db_url, "BEGIN;\n" + ";\n".join(sql_literal(q, a) for q, a in statements)
                 + ";\nCOMMIT;")
            return
        c = sqlite3.connect(self.db_path, timeout=10)
        try:
            c.execute("PRAGMA busy_timeout = 10000")
            with c:
                for sql, args in statements:
                    c.execute(sql, args)
        finally:
            c.close()

    def describe(self, where="1", args=(), limit=5):
        """A short dump of messages matching `where` with their timelines (for failures)."""
        out = []
        for row in self.query("SELECT id, status, attempts, in_doubt, due_at, lease_owner, "
                              "provider_message_id, error_code FROM messages WHERE " + where +
                              " LIMIT %d" % limit, args):
            ev = self.query("SELECT seq, at, status, provider, detail FROM message_events "
                            "WHERE message_id = ? ORDER BY seq", (row[0],))
            out.append("%r (now %d)\n    events %r" % (row, now_ms(), ev))
        return "\n".join(out)

    def set_sim_settings(self, settings, credential_id=None):
        """Sets the simulator credential's settings (the hub must be stopped)."""
        check(self.proc is None, "stop the hub before changing simulator settings")
        self.write_db([("UPDATE provider_credentials SET settings = ?, updated_at = ? "
                        "WHERE id = ?",
                        (json.dumps(settings), now_ms(), credential_id or self.credential_id))])

    def add_project(self, name="Project B", with_simulator=True, settings=None):
        """Creates another project with an API key (and a default simulator credential with
        these settings) directly in the database. Returns (project_id, api_key)."""
        t = now_ms()
        pid = "prj_it" + secrets.token_hex(10)
        key = new_key()
        stmts = [
            ("INSERT INTO projects(id, name, created_at) VALUES (?, ?, ?)", (pid, name, t)),
            ("INSERT INTO api_keys(id, project_id, name, prefix, key_hash, scopes, created_at) "
             "VALUES (?, ?, ?, ?, ?, ?, ?)",
             ("key_it" + secrets.token_hex(10), pid, "integration", key[:12],
              hashlib.sha256(key.encode()).digest(), "messages:send messages:read", t)),
        ]
        if with_simulator:
            stmts.append(
                ("INSERT INTO provider_credentials(id, project_id, provider_id, name, settings, "
                 "is_default, active, priority, created_at, updated_at) "
                 "VALUES (?, ?, 'simulator', 'simulator', ?, 1, 1, 100, ?, ?)",
                 ("cred_it" + secrets.token_hex(10), pid, json.dumps(settings or {}), t, t)))
        self.write_db(stmts)
        return pid, key

    def check_submits_once(self, ids, max_submits=None):
        """Checks the simulator received exactly the messages `ids`, each once, except those
        the hub marked in_doubt (a submit in flight at a crash), which may repeat; with
        max_submits, none more than that. Returns (in_doubt ids, duplicate submit count)."""
        in_doubt = {r[0] for r in self.query("SELECT id FROM messages WHERE in_doubt = 1")}
        submits = collections.Counter(ln[0] for ln in self.sim_log_lines())
        check_eq(set(submits), set(ids), "messages the simulator received")
        repeated = {m: n for m, n in submits.items() if n > 1}
        unmarked = {m: n for m, n in repeated.items() if m not in in_doubt}
        check(not unmarked, "%d messages were submitted more than once without being marked "
              "in_doubt, e.g. %r" % (len(unmarked), sorted(unmarked.items())[:5]))
        if max_submits is not None:
            too_many = {m: n for m, n in repeated.items() if n > max_submits}
            check(not too_many, "in-doubt messages submitted more than %d times: %r"
                  % (max_submits, sorted(too_many.items())[:5]))
        return in_doubt, sum(n - 1 for n in repeated.values())

    def sim_log_lines(self, with_time=False):
        """The simulator log as a list of (message_id, attempt, credential_id, pmid), with the
        submit time in ms as a fifth element when with_time."""
        if not self.sim_log or not os.path.exists(self.sim_log):
            return []
        out = []
        with open(self.sim_log) as f:
            for line in f:
                parts = line.split()
                check(len(parts) in (4, 5), "malformed simulator log line %r" % line)
                row = (parts[0], int(parts[1]), parts[2], parts[3])
                if with_time:
                    row += (int(parts[4]) if len(parts) == 5 else None,)
                out.append(row)
        return out


    def sim_submits(self):
        """Every submit the simulator answered, whatever the outcome, as a list of
        (message_id, attempt, credential_id, outcome, time_ms) (file "<sim log>.submits")."""
        path = (self.sim_log or "") + ".submits"
        if not self.sim_log or not os.path.exists(path):
            return []
        out = []
        with open(path) as f:
            for line in f:
                p = line.split()
                check(len(p) == 5, "malformed simulator submits line %r" % line)
                out.append((p[0], int(p[1]), p[2], p[3], int(p[4])))
        return out


class _Timeout(BaseException):
    pass


# ---- PostgreSQL backend (SMSHUB_TEST_BACKEND=pg) ------------------------------------------
# The same tests run against PostgreSQL when SMSHUB_TEST_BACKEND=pg: each Hub gets a fresh
# database on the cluster named by SMSHUB_TEST_PG_URL (make test starts one), and SQL goes
# through psql with the arguments inlined as quoted literals.

PG_URL = None
if os.environ.get("SMSHUB_TEST_BACKEND") == "pg":
    PG_URL = os.environ.get("SMSHUB_TEST_PG_URL")
    if not PG_URL:
        print("SMSHUB_TEST_PG_URL is not set: no PostgreSQL cluster, skipping")
        sys.exit(77)  # meson's "skipped"

_PG_NULL = "\\N"
_PG_SEP = "\x1f"


def pg_url_for(dbname):
    return PG_URL.rsplit("/", 1)[0] + "/" + dbname


def sql_literal(sql, args):
    """sql with each ? replaced by args[i] as a PostgreSQL literal."""
    parts = sql.split("?")
    check(len(parts) == len(args) + 1, "placeholders and arguments differ in %r" % sql)
    out = [parts[0]]
    for a, rest in zip(args, parts[1:]):
        if a is None:
            lit = "NULL"
        elif isinstance(a, bool):
            lit = "1" if a else "0"
        elif isinstance(a, int):
            lit = str(a)
        elif isinstance(a, (bytes, bytearray)):
            lit = "'\\x%s'::bytea" % bytes(a).hex()
        else:
            lit = "'" + str(a).replace("'", "''") + "'"
        out.append(lit + rest)
    return "".join(out)


def psql(url, sql):
    """Runs sql; returns the rows of the last statement as tuples (ints where they look so)."""
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                          "-P", "null=" + _PG_NULL, "-F", _PG_SEP, "-d", url],
                         input=sql, capture_output=True, text=True, timeout=30)
    check(out.returncode == 0, "psql failed: %s\n%s" % (out.stderr.strip(), sql[:300]))
    rows = []
    for line in out.stdout.splitlines():
        vals = []
        for v in line.split(_PG_SEP):
            if v == _PG_NULL:
                vals.append(None)
            elif v.lstrip("-").isdigit():
                vals.append(int(v))
            else:
                vals.append(v)
        rows.append(tuple(vals))
    return rows


def main(test, time_limit=55, sim_log=True):
    """Runs test(hub) with a fresh Hub, under an alarm of time_limit seconds; always stops the
    processes and removes the temp dir. Exits 0 on success, 1 on failure."""
    if len(sys.argv) != 2:
        print("usage: %s /path/to/smshub" % sys.argv[0], file=sys.stderr)
        sys.exit(2)

    def on_alarm(signum, frame):
        raise _Timeout("test exceeded its time limit of %d s" % time_limit)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(time_limit)
    hub = Hub(sys.argv[1], sim_log=sim_log)
    started = time.monotonic()
    ok = False
    try:
        test(hub)
        ok = True
    except (Exception, _Timeout):
        traceback.print_exc()
        if hub.proc is not None and hub.proc.poll() is not None:
            print("note: smshub had exited with code %d" % hub.proc.returncode, file=sys.stderr)
        tail = hub.stderr_tail()
        if tail:
            print("---- last lines of smshub stderr ----\n" + tail, file=sys.stderr)
    finally:
        signal.alarm(0)
        hub.cleanup()
    print("%s: %s in %.1f s" % (os.path.basename(sys.argv[0]), "PASS" if ok else "FAIL",
                                time.monotonic() - started))
    sys.exit(0 if ok else 1)
