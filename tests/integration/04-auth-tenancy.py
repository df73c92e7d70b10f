"""04-auth-tenancy: every /v1 route refuses a missing, malformed or unknown key with 401 and
WWW-Authenticate; a project never sees another project's messages (404, absent from lists);
a key without a scope gets 403; health endpoints need no key."""
import hashlib
import secrets

from harness import (FINAL_STATUSES, STATUS_NAMES, check, check_eq, main, new_key, now_ms,
                     wait_for)

ROUTES = [("POST", "/v1/messages"), ("GET", "/v1/messages"),
          ("GET", "/v1/messages/msg_00000000000000000000000000")]


def unauthorized(r, what):
    check_eq(r.status, 401, "%s: status (%r)" % (what, r))
    check(r.headers.get("content-type", "").startswith("application/problem+json"),
          "%s: content type %r" % (what, r.headers.get("content-type")))
    check_eq(r.json.get("code"), "unauthorized", "%s: code" % what)
    check(r.headers.get("www-authenticate", "").startswith("Bearer"),
          "%s: WWW-Authenticate %r" % (what, r.headers.get("www-authenticate")))


def test(hub):
    hub.start()
    body = {"to": "+998901234567", "text": "tenant A"}
    unknown = new_key()
    auths = {
        "no Authorization": {},
        "unknown key": {"Authorization": "Bearer " + unknown},
        "malformed key": {"Authorization": "Bearer not-a-key"},
        "key with a bad character": {"Authorization": "Bearer " + hub.api_key[:-1] + "!"},
        "Basic scheme": {"Authorization": "Basic " + hub.api_key},
        "empty Bearer": {"Authorization": "Bearer "},
        "other mode": {"Authorization": "Bearer sk_prod_" + hub.api_key[8:]},
    }
    for what, hdr in auths.items():
        for method, path in ROUTES:
            r = hub.request(method, path, body if method == "POST" else None, headers=hdr,
                            key=None)
            unauthorized(r, "%s %s with %s" % (method, path, what))
    check_eq(hub.scalar("SELECT count(*) FROM messages"), 0, "messages after refused POSTs")

    # health needs no key
    for path in ("/healthz", "/readyz"):
        r = hub.request("GET", path, key=None)
        check_eq(r.status, 200, "GET %s without a key" % path)

    # ---- project A sends; project B (created while the hub runs) cannot see it
    a_ids = [hub.send(text="tenant A %d" % i).json["id"] for i in range(3)]
    pid_b, key_b = hub.add_project("Project B")
    b_id = hub.send(text="tenant B", key=key_b).json["id"]
    for msg_id in a_ids:
        r = hub.request("GET", "/v1/messages/" + msg_id, key=key_b)
        check_eq(r.status, 404, "project B reading project A's %s (%r)" % (msg_id, r))
        check_eq(r.json.get("code"), "not_found", "code for another project's message")
        check(b"tenant A" not in r.raw and b"+998901234567" not in r.raw,
              "the 404 leaks the foreign message: %r" % r.raw)
    r = hub.request("GET", "/v1/messages/" + b_id)
    check_eq(r.status, 404, "project A reading project B's message (%r)" % r)

    for key, own, foreign in ((key_b, {b_id}, set(a_ids)), (hub.api_key, set(a_ids), {b_id})):
        listed = set()
        for query in ("", "?to=%2B998901234567", "?status=queued", "?status=delivered",
                      "?limit=100"):
            r = hub.request("GET", "/v1/messages" + query, key=key)
            check_eq(r.status, 200, "list %s" % query)
            ids = {m["id"] for m in r.json["data"]}
            check(not ids & foreign, "list%s shows another project's messages: %r"
                  % (query, ids & foreign))
            listed |= ids
        check_eq(listed, own, "a project's list shows exactly its own messages")

    # ---- the bootstrap key still works; B's messages are stored under B
    check_eq(hub.scalar("SELECT project_id FROM messages WHERE id = ?", (b_id,)), pid_b,
             "project of B's message")
    hub.wait_status(a_ids[0], "delivered")

    # ---- scopes: a read-only key cannot send (403), a send-only key cannot read (403)
    t = now_ms()
    keys = {}
    for scopes in ("messages:read", "messages:send"):
        k = new_key()
        keys[scopes] = k
        hub.write_db([("INSERT INTO api_keys(id, project_id, name, prefix, key_hash, scopes, "
                       "created_at) VALUES (?, ?, 'scoped', ?, ?, ?, ?)",
                       ("key_it" + secrets.token_hex(10), hub.project_id, k[:12],
                        hashlib.sha256(k.encode()).digest(), scopes, t))])
    r = hub.request("POST", "/v1/messages", body, key=keys["messages:read"])
    check_eq((r.status, (r.json or {}).get("code")), (403, "insufficient_scope"),
             "send with a read-only key")
    r = hub.request("GET", "/v1/messages/" + a_ids[0], key=keys["messages:read"])
    check_eq(r.status, 200, "read with a read-only key")
    r = hub.request("GET", "/v1/messages", key=keys["messages:send"])
    check_eq((r.status, (r.json or {}).get("code")), (403, "insufficient_scope"),
             "list with a send-only key")
    check_eq(hub.send(key=keys["messages:send"]).status, 202, "send with a send-only key")

    # ---- a revoked key stops working (the key cache lives at most 1 s)
    hub.write_db([("UPDATE api_keys SET revoked_at = ? WHERE project_id = ?", (now_ms(), pid_b))])

    def refused():
        r = hub.request("GET", "/v1/messages", key=key_b)
        return r.status == 401 and r
    unauthorized(wait_for(refused, 5, "project B's revoked key to be refused"), "revoked key")


    # ---- project B's message, sent right after B and its simulator credential were created
    # (while the hub runs), is delivered like any other
    def b_final():
        st = hub.scalar("SELECT status FROM messages WHERE id = ?", (b_id,))
        return st if STATUS_NAMES[st] in FINAL_STATUSES else None
    st = wait_for(b_final, 10, "project B's message to reach a final status")
    row = hub.query("SELECT error_code, error_text FROM messages WHERE id = ?", (b_id,))[0]
    check_eq(STATUS_NAMES[st], "delivered",
             "final status of project B's message (error %r) — it was sent less than 1 s after "
             "B's credential was created" % (row,))


if __name__ == "__main__":
    main(test)
