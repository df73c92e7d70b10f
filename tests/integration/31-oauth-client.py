"""31-oauth-client: the client_credentials grant (RFC 6749 §4.4) with a project's client.

An owner creates a client (its secret shown once, never again in a list); the client gets an
access token with HTTP Basic or form fields, acts for its project within its scopes (sends a
message, cannot reach another project, admin or membership routes), a narrower scope can be
asked for and a wider one is invalid_scope. A wrong secret or unknown client is 401
invalid_client with WWW-Authenticate; a revoked client and its tokens stop."""

from harness import Hub, main, check, check_eq
from identity_util import admin, basic, wait_status, stop_clean


def grant(hub, form, auth=None):
    import urllib.parse
    h = {"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": None}
    if auth:
        h["Authorization"] = auth
    return hub.request("POST", "/oauth/token", urllib.parse.urlencode(form), headers=h, key=None)


def test(hub):
    hub.bootstrap()
    hub.start()
    pid = hub.project_id

    r = admin(hub, "POST", "/v1/projects/%s/clients" % pid,
              {"name": "backend", "scopes": ["messages:send", "messages:read"]})
    check_eq(r.status, 201, "create client: %r" % (r,))
    cid, secret = r.json["client_id"], r.json["client_secret"]
    check(secret.startswith("shc_"), "secret shape")
    r = admin(hub, "GET", "/v1/projects/%s/clients" % pid)
    check_eq(r.status, 200, "list clients")
    check_eq([c["client_id"] for c in r.json["data"]], [cid], "listed")
    check(secret not in r.raw.decode(), "the secret is not listed")
    r = hub.request("POST", "/v1/projects/%s/clients" % pid, {"scopes": ["root"]},
                    key=hub.admin_token)
    check_eq((r.status, r.json["errors"][0]["field"]), (422, "scopes"), "unknown scope")

    # HTTP Basic
    r = grant(hub, {"grant_type": "client_credentials"}, basic(cid, secret))
    check_eq(r.status, 200, "client_credentials with Basic: %r" % (r,))
    check("refresh_token" not in r.json, "no refresh token for a client")
    check_eq(r.json["scope"], "messages:send messages:read", "granted scopes")
    tok = r.json["access_token"]
    r = hub.send(key=tok)
    msg_id = r.json["id"]
    check_eq(hub.get_message(msg_id, key=tok)["id"], msg_id, "client token reads its message")

    # form fields and a narrower scope
    r = grant(hub, {"grant_type": "client_credentials", "client_id": cid,
                    "client_secret": secret, "scope": "messages:read"})
    check_eq(r.status, 200, "client_credentials with form fields: %r" % (r,))
    narrow = r.json["access_token"]
    check_eq(hub.send(key=narrow, expect=None).status, 403, "narrow token cannot send")
    check_eq(hub.request("GET", "/v1/messages", key=narrow).status, 200, "narrow token reads")

    # failures
    cases = [
        (grant(hub, {"grant_type": "client_credentials"}, basic(cid, secret[:-1] + "x")),
         401, "invalid_client"),
        (grant(hub, {"grant_type": "client_credentials"}, basic("cli_nope", secret)),
         401, "invalid_client"),
        (grant(hub, {"grant_type": "client_credentials"}), 401, "invalid_client"),
        (grant(hub, {"grant_type": "client_credentials"}, "Basic !!!notbase64"),
         401, "invalid_client"),
        (grant(hub, {"grant_type": "client_credentials", "client_id": cid,
                     "client_secret": "wrong"}), 401, "invalid_client"),
        (grant(hub, {"grant_type": "client_credentials", "scope": "admin"}, basic(cid, secret)),
         400, "invalid_scope"),
        (grant(hub, {"grant_type": "client_credentials", "client_id": cid},
               basic(cid, secret)), 400, "invalid_request"),
    ]
    for i, (r, status, code) in enumerate(cases):
        check_eq((r.status, (r.json or {}).get("error")), (status, code), "failure case %d" % i)
        if status == 401:
            check(r.headers.get("www-authenticate", "").startswith("Basic"),
                  "WWW-Authenticate on case %d" % i)

    # the client token stays in its project and off admin/user routes
    pid_b, _ = hub.add_project("B")
    r = hub.request("GET", "/v1/messages", key=tok, headers={"X-Smshub-Project": pid_b})
    check(r.status == 200 and [m["id"] for m in r.json["data"]] == [msg_id],
          "a client acts for its own project whatever the header says: %r" % (r,))
    check_eq(hub.request("GET", "/v1/admin/users", key=tok).status, 403, "client on admin route")
    check_eq(hub.request("GET", "/v1/projects/%s/members" % pid, key=tok).status, 403,
             "client on members route")
    check_eq(hub.request("GET", "/v1/me", key=tok).status, 403, "client on /v1/me")

    # revoking the client stops its tokens and new grants
    r = admin(hub, "DELETE", "/v1/projects/%s/clients/%s" % (pid, cid))
    check_eq(r.status, 204, "revoke client")
    wait_status(lambda: hub.request("GET", "/v1/messages", key=tok), 401, 2.5,
                "revoked client's token")
    r = grant(hub, {"grant_type": "client_credentials"}, basic(cid, secret))
    check_eq(r.status, 401, "revoked client cannot get a token")
    r = admin(hub, "DELETE", "/v1/projects/%s/clients/%s" % (pid, cid))
    check_eq(r.status, 404, "revoke twice")
    r = admin(hub, "DELETE", "/v1/projects/%s/clients/%s" % (pid_b, cid))
    check_eq(r.status, 404, "another project's client")

    log = open(hub.stderr_path, encoding="utf-8", errors="replace").read()
    check(secret not in log and tok not in log, "no secret in the log")

    stop_clean(hub)

if __name__ == "__main__":
    main(test)
