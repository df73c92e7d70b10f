"""13-oauth-password: the OAuth2 password grant (RFC 6749 §4.3) and using its access token.

Success: a token pair with the RFC's fields and no-store caching; the access token works on a
project route when the project is named, and a tampered or unknown token does not. Failure:
wrong password and unknown address look the same (invalid_grant), missing or repeated
parameters are invalid_request, other grants unsupported_grant_type, a JSON body 415."""

from harness import Hub, main, check, check_eq


def test(hub):
    hub.bootstrap()
    hub.start()
    email, password = hub.boot["admin_email"], hub.boot["admin_password"]

    r = hub.oauth({"grant_type": "password", "username": email, "password": password})
    check_eq(r.status, 200, "password grant")
    for field in ("access_token", "token_type", "expires_in", "refresh_token"):
        check(field in r.json, "token answer has %s: %r" % (field, r.json))
    check_eq(r.json["token_type"], "Bearer", "token_type")
    check(0 < r.json["expires_in"] <= 3600, "short-lived access token: %r" % r.json)
    check_eq(r.headers.get("cache-control"), "no-store", "Cache-Control")
    token = r.json["access_token"]
    check(token != r.json["refresh_token"], "distinct tokens")

    # the e-mail is matched case-insensitively
    r = hub.oauth({"grant_type": "password", "username": email.upper(), "password": password})
    check_eq(r.status, 200, "upper-case e-mail")

    # wrong password and unknown user: the same answer
    bad = [
        ({"grant_type": "password", "username": email, "password": password + "x"},
         "invalid_grant"),
        ({"grant_type": "password", "username": "nobody@example.com", "password": password},
         "invalid_grant"),
        ({"grant_type": "password", "username": email}, "invalid_request"),
        ({"username": email, "password": password}, "invalid_request"),
        ({"grant_type": "magic"}, "unsupported_grant_type"),
    ]
    for form, code in bad:
        r = hub.oauth(form)
        check_eq(r.status, 400, "status for %r" % form)
        check_eq(r.json.get("error"), code, "error for %r" % form)
        check("access_token" not in r.json, "no token on failure")
    r = hub.request("POST", "/oauth/token", "grant_type=password&grant_type=password",
                    headers={"Content-Type": "application/x-www-form-urlencoded",
                             "Idempotency-Key": None}, key=None)
    check_eq((r.status, r.json.get("error")), (400, "invalid_request"), "repeated parameter")
    r = hub.request("POST", "/oauth/token", "grant_type=password&username=%zz",
                    headers={"Content-Type": "application/x-www-form-urlencoded",
                             "Idempotency-Key": None}, key=None)
    check_eq((r.status, r.json.get("error")), (400, "invalid_request"), "bad escape")
    r = hub.request("POST", "/oauth/token", {"grant_type": "password"}, key=None,
                    headers={"Idempotency-Key": None})
    check_eq(r.status, 415, "JSON body")

    # the token on a project route: the project must be named and be the user's
    pid = hub.project_id
    r = hub.request("GET", "/v1/messages", key=token, headers={"X-Smshub-Project": pid})
    check_eq(r.status, 200, "list with a user token")
    r = hub.request("GET", "/v1/messages", key=token)
    check_eq((r.status, r.json.get("code")), (403, "project_required"), "no project named")
    r = hub.request("GET", "/v1/messages", key=token,
                    headers={"X-Smshub-Project": "prj_doesnotexist"})
    check_eq(r.status, 404, "unknown project")
    r = hub.request("POST", "/v1/messages", {"to": "+998901234567", "text": "hi"}, key=token,
                    headers={"X-Smshub-Project": pid})
    check_eq(r.status, 202, "send with a user token")

    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for t in (tampered, "sha_" + "x" * 43, "garbage"):
        r = hub.request("GET", "/v1/messages", key=t, headers={"X-Smshub-Project": pid})
        check_eq(r.status, 401, "bad token %r" % t[:8])

    # nothing secret in the log
    log = open(hub.stderr_path, encoding="utf-8", errors="replace").read()
    for secret in (password, token):
        check(secret not in log, "a secret in the log")


if __name__ == "__main__":
    main(test)
