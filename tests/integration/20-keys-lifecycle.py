"""20-keys-lifecycle: API keys (SPEC §2.3) — create shows the secret once, list never shows
secrets or hashes, bad input names the field, a key cannot grant scopes it lacks, a revoked
key fails within about a second, rotation keeps the old key working for the overlap and then
stops it, last_used_at is written (batched), and every change is audited."""
import time

from harness import check, check_eq, main, now_ms
from sec import create_key, stop_clean, wait_until


def ok(hub, key):
    return hub.request("GET", "/v1/messages?limit=1", key=key).status == 200


def test(hub):
    hub.start()
    pid = hub.project_id
    base = "/v1/projects/%s/api-keys" % pid

    # ---- create: the secret once; list: never the secret nor the hash
    r = create_key(hub, pid, ["messages:read", "messages:send"], name="reader")
    k = r.json
    check(k["key"].startswith("sk_live_") and len(k["key"]) == 51, "key shape %r" % k["key"])
    check_eq(k["prefix"], k["key"][:12], "prefix")
    check_eq(sorted(k["scopes"]), ["messages:read", "messages:send"], "scopes")
    check_eq(r.headers.get("location"), base + "/" + k["id"], "Location")
    check(ok(hub, k["key"]), "the new key works")
    lst = hub.request("GET", base)
    check_eq(lst.status, 200, "list")
    check(k["key"].encode() not in lst.raw, "the list shows a secret")
    row = [x for x in lst.json["data"] if x["id"] == k["id"]][0]
    for f in ("id", "prefix", "name", "scopes", "created_at", "last_used_at", "expires_at",
              "revoked_at"):
        check(f in row, "list entry lacks %s: %r" % (f, row))
    check("key" not in row and "key_hash" not in row and "hash" not in row,
          "list shows a secret field: %r" % row)
    one = hub.request("GET", base + "/" + k["id"])
    check_eq(one.status, 200, "get one")
    check(k["key"].encode() not in one.raw, "get shows the secret")

    # ---- last used: written without a write per request (flushed within a few seconds)
    wait_until(lambda: hub.scalar("SELECT last_used_at FROM api_keys WHERE id = ?",
                                  (k["id"],)) is not None, 8, "last_used_at written")
    r = hub.request("GET", base + "/" + k["id"])
    check(r.json["last_used_at"] is not None, "last_used_at shown: %r" % r.json)

    # ---- bad input
    for body, field in (({"scopes": ["messages:read"]}, "name"),
                        ({"name": "x"}, "scopes"),
                        ({"name": "x", "scopes": []}, "scopes"),
                        ({"name": "x", "scopes": ["messages:read", "root"]}, "scopes"),
                        ({"name": "x", "scopes": "messages:read"}, "scopes"),
                        ({"name": "", "scopes": ["messages:read"]}, "name"),
                        ({"name": "x" * 101, "scopes": ["messages:read"]}, "name"),
                        ({"name": "x", "scopes": ["messages:read"], "expires_at": "yesterday"},
                         "expires_at"),
                        ({"name": "x", "scopes": ["messages:read"],
                          "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
                        ({"name": "x", "scopes": ["messages:read"], "rate_limit_rps": 0},
                         "rate_limit_rps")):
        r = hub.request("POST", base, body)
        check_eq(r.status, 422, "bad key body %r (%r)" % (body, r))
        check(field in [e["field"] for e in r.json.get("errors", [])],
              "%r: errors name %s: %r" % (body, field, r.json))
    r = hub.request("POST", base, "{not json", headers={"Content-Type": "application/json"})
    check_eq(r.status, 400, "malformed JSON")
    r = hub.request("POST", base, {"name": "x", "scopes": ["messages:read"]},
                    headers={"Content-Type": "text/plain"})
    check_eq(r.status, 415, "wrong content type")

    # ---- a key may only grant what it holds; without keys:manage it gets 403
    mgr = create_key(hub, pid, ["keys:manage", "messages:read"], name="manager").json
    r = create_key(hub, pid, ["messages:send"], key=mgr["key"], expect=422)
    check_eq(r.json["errors"][0]["code"], "scope_not_held", "escalation refused")
    create_key(hub, pid, ["messages:read"], key=mgr["key"])
    r = hub.request("GET", base, key=k["key"])
    check_eq(r.status, 403, "listing keys without keys:manage")
    check_eq(r.json["code"], "insufficient_scope", "code")

    # ---- expiry
    r = create_key(hub, pid, ["messages:read"], name="short",
                   expires_at=time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                            time.gmtime(time.time() + 2)))
    short = r.json
    check(ok(hub, short["key"]), "a key before its expiry")
    wait_until(lambda: not ok(hub, short["key"]), 5, "the key to expire")

    # ---- revoke: fails within about one second (the auth cache's bound)
    check(ok(hub, k["key"]), "key works before revoke")
    r = hub.request("DELETE", base + "/" + k["id"])
    check_eq(r.status, 204, "revoke")
    took = wait_until(lambda: hub.request("GET", "/v1/messages?limit=1",
                                          key=k["key"]).status == 401, 3, "revoked key refused")
    check(took <= 1.3, "the revoked key worked for %.2f s (limit 1 s + slack)" % took)
    r = hub.request("GET", base + "/" + k["id"])
    check(r.json["revoked_at"] is not None, "revoked_at set: %r" % r.json)
    check_eq(hub.request("DELETE", base + "/" + k["id"]).status, 204, "revoking again")
    check_eq(hub.request("DELETE", base + "/key_nope").status, 404, "revoking an unknown key")
    r = hub.request("POST", base + "/" + k["id"] + "/rotate", {"overlap_seconds": 5})
    check_eq(r.status, 409, "rotating a revoked key (%r)" % r)

    # ---- rotate with an overlap: the old key keeps working, then stops
    old = create_key(hub, pid, ["messages:read"], name="rotating", rate_limit_rps=50).json
    overlap = 3
    t0 = time.monotonic()
    r = hub.request("POST", base + "/" + old["id"] + "/rotate", {"overlap_seconds": overlap})
    check_eq(r.status, 201, "rotate (%r)" % r)
    new = r.json
    check(new["key"] != old["key"] and new["id"] != old["id"], "rotation made a new key")
    check_eq(new["name"], "rotating", "same name")
    check_eq(new["scopes"], ["messages:read"], "same scopes")
    check_eq(new["rate_limit_rps"], 50, "same rate limit")
    check(ok(hub, new["key"]), "the new key works at once")
    while time.monotonic() - t0 < overlap - 1.0:
        check(ok(hub, old["key"]), "the old key stopped %.2f s into a %d s overlap"
              % (time.monotonic() - t0, overlap))
        time.sleep(0.2)
    wait_until(lambda: not ok(hub, old["key"]), overlap + 2, "the old key to stop")
    check(time.monotonic() - t0 <= overlap + 1.5, "the old key outlived its overlap")
    r = hub.request("GET", base + "/" + old["id"])
    check_eq(r.json["replaced_by"], new["id"], "replaced_by")
    r = hub.request("POST", base + "/" + old["id"] + "/rotate", {"overlap_seconds": 0})
    check_eq(r.status, 409, "rotating a replaced key")
    for body in ({"overlap_seconds": -1}, {"overlap_seconds": "10"},
                 {"overlap_seconds": 10 ** 9}):
        r = hub.request("POST", base + "/" + new["id"] + "/rotate", body)
        check_eq(r.status, 422, "bad rotate body %r" % body)
    # overlap 0: the old key stops within about a second
    r = hub.request("POST", base + "/" + new["id"] + "/rotate", {"overlap_seconds": 0})
    check_eq(r.status, 201, "rotate without overlap")
    took = wait_until(lambda: not ok(hub, new["key"]), 3, "the rotated key to stop")
    check(took <= 1.3, "rotated key without overlap worked %.2f s" % took)
    check(ok(hub, r.json["key"]), "the newest key works")

    # ---- audit: create, revoke, rotate; secrets never in it
    rows = hub.query("SELECT action, object_id, actor_type, actor_id, before_json, after_json, "
                     "source_ip, request_id FROM audit_log WHERE object_type = 'api_key'")
    actions = [x[0] for x in rows]
    for a in ("api_key.create", "api_key.revoke", "api_key.rotate"):
        check(a in actions, "audit has %s: %r" % (a, actions))
    check(any(x[0] == "api_key.revoke" and x[1] == k["id"] and x[2] == "key" and
              x[6] == "127.0.0.1" and x[7] for x in rows), "revoke audited with actor/ip/request")
    text = repr(rows)
    for s in (k["key"], old["key"], new["key"], mgr["key"]):
        check(s not in text, "a secret is in the audit log")


    # ---- a cap on working keys per project
    c = hub.client()
    for i in range(260):
        r = c.request("POST", base, {"name": "cap %d" % i, "scopes": ["messages:read"]})
        if r.status == 409:
            break
        check_eq(r.status, 201, "key %d before the cap" % i)
    check_eq(r.status, 409, "the cap on working keys")
    check_eq(r.json["code"], "too_many_keys", "code")
    live = hub.scalar("SELECT count(*) FROM api_keys WHERE project_id = ? AND revoked_at IS NULL "
                      "AND (expires_at IS NULL OR expires_at > ?)", (pid, now_ms()))
    check_eq(live, 200, "working keys at the cap")
    c.close()
    stop_clean(hub)


if __name__ == "__main__":
    main(test)
