"""Helpers for the identity tests (30–39): users, projects and tokens through the API."""

import base64
import secrets
import time
import urllib.parse

from harness import check, check_eq


def password():
    return "pw-" + secrets.token_urlsafe(12)


def admin(hub, method, path, body=None, **kw):
    return hub.request(method, path, body, key=hub.admin_token, **kw)


def create_user(hub, email=None, pw=None, is_admin=False, name="Test User"):
    """Creates a user as the bootstrap admin; returns (user json, email, password)."""
    email = email or ("u%s@example.com" % secrets.token_hex(4))
    pw = pw or password()
    r = admin(hub, "POST", "/v1/admin/users",
              {"email": email, "password": pw, "name": name, "is_admin": is_admin})
    check_eq(r.status, 201, "create user %s: %r" % (email, r))
    return r.json, email, pw


def create_project(hub, name="P", owner_email=None):
    body = {"name": name}
    if owner_email:
        body["owner_email"] = owner_email
    r = admin(hub, "POST", "/v1/admin/projects", body)
    check_eq(r.status, 201, "create project: %r" % (r,))
    return r.json


def add_member(hub, pid, email, role, token=None):
    r = hub.request("POST", "/v1/projects/%s/members" % pid, {"email": email, "role": role},
                    key=token or hub.admin_token)
    check_eq(r.status, 201, "add member %s as %s: %r" % (email, role, r))
    return r.json


def tokens(hub, email, pw):
    """The password grant; returns the whole answer (access and refresh tokens)."""
    r = hub.oauth({"grant_type": "password", "username": email, "password": pw})
    check_eq(r.status, 200, "login %s: %r" % (email, r))
    return r.json


def basic(client_id, secret):
    raw = "%s:%s" % (urllib.parse.quote_plus(client_id), urllib.parse.quote_plus(secret))
    return "Basic " + base64.b64encode(raw.encode()).decode()


def wait_status(fn, want, timeout=3.0, what="status"):
    """Calls fn() until its .status is want (bounded); returns the last response."""
    deadline = time.monotonic() + timeout
    while True:
        r = fn()
        if r.status == want or time.monotonic() > deadline:
            check_eq(r.status, want, what)
            return r
        time.sleep(0.05)


class SmtpSink:
    """A tiny SMTP server on 127.0.0.1 (smtpd is gone from newer Pythons): accepts every
    message and keeps (recipients, text)."""

    def __init__(self):
        import socket
        import threading
        self.messages = []
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.url = "smtp://127.0.0.1:%d" % self.port
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        import threading
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        conn.settimeout(20)
        f = conn.makefile("rb")
        rcpts = []
        try:
            conn.sendall(b"220 sink ESMTP\r\n")
            while True:
                line = f.readline()
                if not line:
                    return
                cmd = line[:4].upper()
                if cmd == b"EHLO":
                    conn.sendall(b"250-sink\r\n250 SIZE 1000000\r\n")
                elif cmd == b"RCPT":
                    rcpts.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                    conn.sendall(b"250 ok\r\n")
                elif cmd == b"DATA":
                    conn.sendall(b"354 go on\r\n")
                    data = []
                    while True:
                        ln = f.readline()
                        if not ln or ln == b".\r\n":
                            break
                        data.append(ln)
                    with self.lock:
                        self.messages.append((list(rcpts), b"".join(data).decode()))
                    rcpts = []
                    conn.sendall(b"250 queued\r\n")
                elif cmd == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")
        except OSError:
            return
        finally:
            conn.close()

    def to(self, address):
        with self.lock:
            return [text for rcpts, text in self.messages if address in rcpts]

    def wait_token(self, address, n, timeout=10):
        """Waits for the n-th message (1-based) to address; returns the shu_ token in it."""
        import re
        from harness import wait_for

        def got():
            msgs = self.to(address)
            return msgs[n - 1] if len(msgs) >= n else None

        text = wait_for(got, timeout, "mail %d to %s" % (n, address))
        m = re.search(r"shu_[A-Za-z0-9_-]{43}", text)
        check(m is not None, "a token in the mail")
        return m.group(0)

    def close(self):
        self.sock.close()


def stop_clean(hub):
    """Stops the hub with SIGTERM and checks it exited 0 without a sanitizer report (under the
    ASan build a leak or UB in the daemon fails the test)."""
    rc = hub.stop()
    log = open(hub.stderr_path, encoding="utf-8", errors="replace").read()
    check("Sanitizer" not in log and "runtime error:" not in log,
          "sanitizer report:\n" + hub.stderr_tail(40))
    check_eq(rc, 0, "exit code after SIGTERM")
