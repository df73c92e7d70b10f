"""30-oauth-refresh: refresh-token rotation and reuse detection (RFC 6749 §6, RFC 6819
§5.2.2.3), the JSON refresh and logout endpoints, throttled password failures, and the access
token lifetime setting.

Each refresh token works once; the new pair stays in the same family. Presenting a used one
revokes the whole family, so the access token issued with the newest pair stops within the 1 s
cache. Two concurrent refreshes of one token: exactly one wins. Failures of the grant are
invalid_request / invalid_grant as the RFC says."""

import threading

from harness import Hub, main, check, check_eq
from identity_util import create_user, tokens, wait_status, stop_clean


def refresh(hub, token):
    return hub.oauth({"grant_type": "refresh_token", "refresh_token": token})


def me(hub, access):
    return hub.request("GET", "/v1/me", key=access)


def test(hub):
    hub.bootstrap()
    hub.start(["--access-token-ttl", "600"])
    user, email, pw = create_user(hub)

    t1 = tokens(hub, email, pw)
    check_eq(t1["expires_in"], 600, "configured access-token lifetime")
    check_eq(me(hub, t1["access_token"]).status, 200, "first access token works")

    # rotation: a new pair, the old refresh token is spent
    r = refresh(hub, t1["refresh_token"])
    check_eq(r.status, 200, "refresh: %r" % (r,))
    t2 = r.json
    check(t2["refresh_token"] != t1["refresh_token"], "a new refresh token")
    check(t2["access_token"] != t1["access_token"], "a new access token")
    check_eq(r.headers.get("cache-control"), "no-store", "no-store")
    check_eq(me(hub, t2["access_token"]).status, 200, "second access token works")

    # JSON endpoint rotates the same way
    r = hub.request("POST", "/v1/auth/refresh", {"refresh_token": t2["refresh_token"]}, key=None)
    check_eq(r.status, 200, "/v1/auth/refresh: %r" % (r,))
    t3 = r.json
    check_eq(me(hub, t3["access_token"]).status, 200, "third access token works")

    # reuse of t1's refresh token: invalid_grant, and the whole family dies
    r = refresh(hub, t1["refresh_token"])
    check_eq((r.status, r.json.get("error")), (400, "invalid_grant"), "reuse refused")
    wait_status(lambda: me(hub, t3["access_token"]), 401, 2.5, "family's access token revoked")
    check_eq(me(hub, t2["access_token"]).status, 401, "older access token revoked")
    r = refresh(hub, t3["refresh_token"])
    check_eq((r.status, r.json.get("error")), (400, "invalid_grant"), "family's refresh revoked")
    rows = hub.query("SELECT COUNT(*) FROM tokens WHERE family_id = (SELECT family_id FROM "
                     "tokens WHERE user_id = ? ORDER BY id LIMIT 1) AND revoked_at IS NULL",
                     (user["id"],))
    check_eq(int(rows[0][0]), 0, "no live token left in the family")
    # another session of the same user is untouched
    other = tokens(hub, email, pw)
    check_eq(me(hub, other["access_token"]).status, 200, "another session still works")

    # concurrent refreshes of one token: exactly one wins
    t = tokens(hub, email, pw)
    results = []

    def go():
        results.append(refresh(hub, t["refresh_token"]))

    threads = [threading.Thread(target=go) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(20)
    statuses = [x.status for x in results]
    check_eq(statuses.count(200), 1, "exactly one concurrent refresh wins: %r" % statuses)
    check_eq(statuses.count(400), 3, "the others are invalid_grant: %r" % statuses)
    # the losers count as reuse: the winner's new pair dies with its family
    winner = [x for x in results if x.status == 200][0].json
    wait_status(lambda: me(hub, winner["access_token"]), 401, 2.5, "winner's family revoked")

    # failure paths of the grant
    for form, code in [
        ({"grant_type": "refresh_token"}, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "shr_" + "x" * 43}, "invalid_grant"),
        ({"grant_type": "refresh_token", "refresh_token": "garbage"}, "invalid_grant"),
        ({"grant_type": "refresh_token", "refresh_token": other["access_token"]}, "invalid_grant"),
    ]:
        r = hub.oauth(form)
        check_eq((r.status, r.json.get("error")), (400, code), "refresh failure %r" % form)
    r = hub.request("POST", "/v1/auth/refresh", {"token": "x"}, key=None)
    check_eq(r.status, 422, "JSON refresh without refresh_token")
    r = hub.request("POST", "/v1/auth/refresh", "[1]", key=None)
    check_eq(r.status, 400, "JSON refresh with a non-object body")

    # logout: the caller's family; with a refresh token, that family too
    a = tokens(hub, email, pw)
    b = tokens(hub, email, pw)
    r = hub.request("POST", "/v1/auth/logout", {"refresh_token": b["refresh_token"]},
                    key=a["access_token"])
    check_eq(r.status, 204, "logout: %r" % (r,))
    wait_status(lambda: me(hub, a["access_token"]), 401, 2.5, "logged-out access token")
    wait_status(lambda: me(hub, b["access_token"]), 401, 2.5, "named family's access token")
    check_eq(refresh(hub, a["refresh_token"]).status, 400, "logged-out refresh token")
    check_eq(me(hub, other["access_token"]).status, 200, "other session survives logout")
    r = hub.request("POST", "/v1/auth/logout", key=hub.api_key)
    check_eq(r.status, 403, "an API key cannot log out")
    r = hub.request("POST", "/v1/auth/logout", {"refresh_token": "shr_" + "y" * 43},
                    key=other["access_token"])
    check_eq(r.status, 422, "logout with a foreign refresh token")

    # throttled password failures: 10 per e-mail, then 429 even with the right password
    for i in range(10):
        r = hub.oauth({"grant_type": "password", "username": email, "password": "wrong-" + str(i)})
        check_eq(r.status, 400, "failure %d" % i)
    r = hub.oauth({"grant_type": "password", "username": email, "password": pw})
    check_eq(r.status, 429, "throttled after 10 failures: %r" % (r,))
    check_eq(r.json.get("error"), "invalid_grant", "throttled error code")
    check(int(r.headers.get("retry-after", "0")) > 0, "Retry-After")
    # another account is not affected
    check_eq(hub.oauth({"grant_type": "password", "username": hub.boot["admin_email"],
                        "password": hub.boot["admin_password"]}).status, 200, "admin not throttled")

    stop_clean(hub)

if __name__ == "__main__":
    main(test)
