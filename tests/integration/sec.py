"""sec.py — helpers for the security integration tests (20-29): projects made with
`smshub admin create-project`, API key calls, signed requests (docs/security.md) and the route
table from `smshub routes --json`. Standard library only; used next to harness.py."""
import hashlib
import hmac
import json
import secrets
import subprocess
import time

from harness import check, check_eq


def create_project(hub, name="Project B"):
    """A project with an all-scopes key and a simulator credential, made by the CLI.
    Returns the parsed --json answer (project_id, api_key, api_key_id, credential_id)."""
    out = subprocess.run([hub.binary, "admin", "create-project", "--name", name, "--db",
                          hub.db_url, "--json"], capture_output=True, timeout=30, cwd=hub.dir)
    check(out.returncode == 0, "create-project failed (%d): %s" % (out.returncode, out.stderr))
    return json.loads(out.stdout)


def routes(hub):
    out = subprocess.run([hub.binary, "routes", "--json"], capture_output=True, timeout=30)
    check(out.returncode == 0, "smshub routes --json failed: %s" % out.stderr)
    return json.loads(out.stdout)


def create_key(hub, pid, scopes, name="test key", key=None, expect=201, **fields):
    body = dict(fields)
    body["name"] = name
    body["scopes"] = scopes
    r = hub.request("POST", "/v1/projects/%s/api-keys" % pid, body,
                    key=hub.api_key if key is None else key)
    check_eq(r.status, expect, "create key %r (%r)" % (body, r))
    return r


def sign(secret, method, target, body, ts=None, nonce=None):
    """The three signing headers for a request (docs/security.md)."""
    ts = str(int(time.time())) if ts is None else str(ts)
    nonce = nonce or secrets.token_hex(12)
    raw = body if isinstance(body, bytes) else (body or "").encode()
    msg = "\n".join([method, target, ts, nonce, hashlib.sha256(raw).hexdigest()]).encode()
    sig = hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()
    return {"X-Smshub-Timestamp": ts, "X-Smshub-Nonce": nonce, "X-Smshub-Signature": sig}


def fill(pattern, values):
    """Replaces each {name} segment of a route pattern with values[name] (or values['*'])."""
    out = []
    for seg in pattern.split("/"):
        if seg.startswith("{") and seg.endswith("}"):
            seg = values.get(seg[1:-1], values.get("*", "x"))
        out.append(seg)
    return "/".join(out)


def wait_until(fn, timeout, what, interval=0.02):
    """Polls fn() until true; returns the seconds it took (fails at the deadline)."""
    start = time.monotonic()
    while True:
        v = fn()
        if v:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            check(False, "timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def stop_clean(hub):
    """Stops the hub and checks it exited 0 without a sanitizer report in its log."""
    rc = hub.stop()
    with open(hub.stderr_path, "rb") as f:
        log = f.read()
    for bad in (b"AddressSanitizer", b"LeakSanitizer", b"runtime error:"):
        check(bad not in log, "sanitizer report in the daemon's log:\n%s" % log[-3000:].decode(
            "utf-8", "replace"))
    check_eq(rc, 0, "exit code of smshub serve")
