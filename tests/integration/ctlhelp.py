"""ctlhelp.py — helpers for the control-plane integration tests (60-69): users with a role,
API keys with chosen scopes, problem+json field checks. Standard library only."""

import hashlib
import json
import os
import secrets
import sqlite3
import subprocess

from harness import check, check_eq, new_key, now_ms


def add_user(hub, project_id=None, role=None, is_admin=False):
    """Creates a user (with a membership when role is given) and returns its access token.
    The Argon2id hash comes from `smshub admin bootstrap` on a throwaway SQLite database."""
    path = os.path.join(hub.dir, "u-%s.db" % secrets.token_hex(4))
    email = "u%s@example.com" % secrets.token_hex(4)
    out = subprocess.run([hub.binary, "admin", "bootstrap", "--db", "sqlite:" + path, "--json",
                          "--email", email], capture_output=True, timeout=30, cwd=hub.dir)
    check(out.returncode == 0, "throwaway bootstrap: %s" % out.stderr)
    password = json.loads(out.stdout)["admin_password"]
    c = sqlite3.connect(path)
    pwhash = c.execute("SELECT password_hash FROM users").fetchone()[0]
    c.close()
    uid = "usr_it" + secrets.token_hex(8)
    t = now_ms()
    stmts = [("INSERT INTO users(id, email, password_hash, is_admin, active, created_at) "
              "VALUES (?, ?, ?, ?, 1, ?)", (uid, email, pwhash, 1 if is_admin else 0, t))]
    if role is not None:
        stmts.append(("INSERT INTO memberships(project_id, user_id, role, created_at) "
                      "VALUES (?, ?, ?, ?)", (project_id, uid, role, t)))
    hub.write_db(stmts)
    return hub.login(email, password)


def add_key(hub, project_id, scopes):
    """An API key of project_id with these scopes (space-separated)."""
    key = new_key()
    hub.write_db([("INSERT INTO api_keys(id, project_id, name, prefix, key_hash, scopes, "
                   "created_at) VALUES (?, ?, 'it', ?, ?, ?, ?)",
                   ("key_it" + secrets.token_hex(10), project_id, key[:12],
                    hashlib.sha256(key.encode()).digest(), scopes, now_ms()))])
    return key


def errors_of(r):
    return {(e["field"], e["code"]) for e in (r.json or {}).get("errors", [])}


def expect_field(r, field, code=None, status=422):
    check_eq(r.status, status, "status of %r" % (r,))
    check(r.headers.get("content-type", "").startswith("application/problem+json"),
          "problem+json: %r" % r.headers.get("content-type"))
    fields = {f for f, _ in errors_of(r)}
    check(field in fields, "errors[] names %r: %r" % (field, r.json))
    if code is not None:
        check((field, code) in errors_of(r), "error %s/%s in %r" % (field, code, r.json))
