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
