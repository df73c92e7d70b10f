"""26-no-secret-leaks: every secret made in this test (API keys from create and rotate,
signing secrets) appears in exactly one response — the one that created it — and nowhere
else: no other response body or header, no line of the daemon's log (at debug level), no
audit entry, and not in clear in the database."""
import os

import harness
from harness import check, check_eq, main
from sec import create_key, sign, stop_clean, wait_until

SEEN = []


def recording(request):
    def wrapped(self, *a, **kw):
        r = request(self, *a, **kw)
        SEEN.append(r)
        return r
    return wrapped


def test(hub):
    harness.Hub.request = recording(harness.Hub.request)
    os.environ["SMSHUB_IT_LOG_LEVEL"] = "debug"
    hub.start()
    pid = hub.project_id
    base = "/v1/projects/%s/api-keys" % pid
    made = {}  # secret → index of the response that created it

    def created(r, field):
        made[r.json[field]] = len(SEEN) - 1
        return r.json[field]

    r = create_key(hub, pid, ["messages:read", "messages:send"], name="leak test")
    k1 = created(r, "key")
    kid1 = r.json["id"]
    hub.send(key=k1)
    r = hub.request("POST", base + "/" + kid1 + "/rotate", {"overlap_seconds": 0})
    check_eq(r.status, 201, "rotate")
    k2 = created(r, "key")
    r = hub.request("POST", "/v1/projects/%s/security/signing-secret" % pid)
    check_eq(r.status, 201, "signing secret")
    s1 = created(r, "signing_secret")
    hub.request("PATCH", "/v1/projects/%s/security" % pid, {"hmac_mode": "optional"})
    t = "/v1/messages?limit=5"
    hub.request("GET", t, headers=sign(s1, "GET", t, b""), key=k2)
    hub.request("GET", t, headers=sign(k1, "GET", t, b""), key=k2)  # a wrong secret
    r = hub.request("POST", "/v1/projects/%s/security/signing-secret" % pid)
    s2 = created(r, "signing_secret")
    # error paths that see the secrets: revoked/replaced key, bad bodies, unknown ids
    wait_until(lambda: hub.request("GET", t, key=k1).status == 401, 3, "k1 to stop")
    hub.request("GET", "/v1/messages/msg_x", key=k2)
    hub.request("POST", base, {"name": "x", "scopes": [k2]})
    hub.request("DELETE", base + "/" + kid1, key=k2)
    hub.request("GET", base)
    hub.request("GET", "/v1/projects/%s/security" % pid)
    stop_clean(hub)

    secrets = [k1, k2, s1, s2]
    for i, r in enumerate(SEEN):
        blob = r.raw + repr(sorted(r.headers.items())).encode()
        for s in secrets:
            check(s.encode() not in blob or made.get(s) == i,
                  "secret %s... leaks in response %d: %r" % (s[:12], i, r))
    with open(hub.stderr_path, "rb") as f:
        log = f.read()
    check(b'"level":"debug"' in log or b"request" in log, "the log was written")
    for s in secrets:
        check(s.encode() not in log, "secret %s... in the daemon's log" % s[:12])
    audit = repr(hub.query("SELECT before_json, after_json FROM audit_log"))
    for s in secrets:
        check(s not in audit, "secret %s... in the audit log" % s[:12])
    dump = repr(hub.query("SELECT * FROM api_keys")) + repr(
        hub.query("SELECT id, name, ip_allowlist, hmac_key_id FROM projects"))
    for s in secrets:
        check(s not in dump, "secret %s... stored in clear" % s[:12])
    if not hub.pg:
        with open(hub.db_path, "rb") as f:
            raw = f.read()
        for s in secrets:
            check(s.encode() not in raw, "secret %s... in the database file" % s[:12])


if __name__ == "__main__":
    main(test)
