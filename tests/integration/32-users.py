"""32-users: administrators' user CRUD, /v1/me and password changes (SPEC §2.1).

Admin routes answer 403 to a non-admin user and to an API key. Create validates the e-mail and
the password policy (at least 10 characters) and refuses a taken address (409); list pages
with a cursor; PATCH changes name/is_admin/active; disabling (PATCH or DELETE) revokes the
user's tokens within the 1 s cache and blocks new logins. /v1/me reads and renames; a password
change needs the current password and revokes the user's other sessions."""

from harness import Hub, main, check, check_eq
from identity_util import (admin, create_user, tokens, wait_status, password,
                           stop_clean)


def test(hub):
    hub.bootstrap()
    hub.start()
    u, email, pw = create_user(hub, name="Alice")
    check_eq((u["email"], u["name"], u["is_admin"], u["active"]), (email, "Alice", False, True),
             "created user")
    check("password" not in u and "password_hash" not in u, "no password in the answer")
    t = tokens(hub, email, pw)["access_token"]

    # 403 for a non-admin user and for an API key, on every admin route
    for method, path, body in [("GET", "/v1/admin/users", None),
                               ("POST", "/v1/admin/users", {"email": "x@y.z"}),
                               ("GET", "/v1/admin/users/" + u["id"], None),
                               ("PATCH", "/v1/admin/users/" + u["id"], {"is_admin": True}),
                               ("DELETE", "/v1/admin/users/" + u["id"], None),
                               ("GET", "/v1/admin/projects", None),
                               ("POST", "/v1/admin/projects", {"name": "x"}),
                               ("GET", "/v1/admin/audit", None)]:
        for key in (t, hub.api_key):
            r = hub.request(method, path, body, key=key)
            check_eq(r.status, 403, "%s %s as non-admin" % (method, path))
        check_eq(hub.request(method, path, body, key=None).status, 401, "%s %s anonymous" %
                 (method, path))

    # validation
    for body, field in [({"email": "nope", "password": password()}, "email"),
                        ({"email": "a@b.c", "password": "short"}, "password"),
                        ({"email": "a@b.c"}, "password"),
                        ({"email": "a@b.c", "password": password(), "is_admin": "yes"},
                         "is_admin"),
                        ({"email": "a@b.c", "password": password(), "name": 5}, "name")]:
        r = admin(hub, "POST", "/v1/admin/users", body)
        check_eq(r.status, 422, "invalid create %r" % body)
        check(field in [e["field"] for e in r.json["errors"]], "error names %s: %r" % (field, r))
    r = admin(hub, "POST", "/v1/admin/users", {"email": email.upper(), "password": password()})
    check_eq(r.status, 409, "taken e-mail (case-insensitive): %r" % (r,))

    # list with a cursor
    for i in range(3):
        create_user(hub)
    seen, cursor = [], None
    while True:
        r = admin(hub, "GET", "/v1/admin/users?limit=2" + ("&cursor=" + cursor if cursor else ""))
        check_eq(r.status, 200, "list page")
        check(len(r.json["data"]) <= 2, "page size")
        seen += [x["id"] for x in r.json["data"]]
        cursor = r.json["next_cursor"]
        if cursor is None:
            break
    check_eq(len(seen), 5, "every user once (admin + 4)")
    check_eq(len(set(seen)), 5, "no repeats")
    check_eq(admin(hub, "GET", "/v1/admin/users?limit=0").status, 400, "bad limit")
    for bad in ("x" * 65, "usr%20x", "a%22b"):
        r = admin(hub, "GET", "/v1/admin/users?cursor=" + bad)
        check_eq(r.status, 400, "bad cursor %r" % bad)
        check_eq([e["field"] for e in r.json["errors"]], ["cursor"], "names the cursor")
    check_eq(admin(hub, "GET", "/v1/admin/users/usr_nope").status, 404, "unknown user")

    # /v1/me
    r = hub.request("GET", "/v1/me", key=t)
    check_eq((r.status, r.json["id"]), (200, u["id"]), "/v1/me")
    r = hub.request("PATCH", "/v1/me", {"name": "Alice B"}, key=t)
    check_eq((r.status, r.json["name"]), (200, "Alice B"), "rename self")
    r = hub.request("PATCH", "/v1/me", {"is_admin": True}, key=t)
    check_eq((r.status, r.json["errors"][0]["field"]), (422, "is_admin"),
             "cannot make oneself admin")
    check_eq(hub.request("GET", "/v1/me", key=hub.api_key).status, 403, "/v1/me with a key")

    # password change: wrong current, bad new, then success revoking other sessions
    t2 = tokens(hub, email, pw)["access_token"]
    r = hub.request("POST", "/v1/me/password", {"current_password": "wrong-password",
                                                "new_password": password()}, key=t)
    check_eq(r.status, 403, "wrong current password")
    r = hub.request("POST", "/v1/me/password", {"current_password": pw, "new_password": "short"},
                    key=t)
    check_eq((r.status, r.json["errors"][0]["field"]), (422, "new_password"), "policy")
    new_pw = password()
    r = hub.request("POST", "/v1/me/password", {"current_password": pw, "new_password": new_pw},
                    key=t)
    check_eq(r.status, 204, "password changed: %r" % (r,))
    wait_status(lambda: hub.request("GET", "/v1/me", key=t2), 401, 2.5, "other session revoked")
    check_eq(hub.request("GET", "/v1/me", key=t).status, 200, "own session kept")
    r = hub.oauth({"grant_type": "password", "username": email, "password": pw})
    check_eq(r.status, 400, "old password refused")
    tokens(hub, email, new_pw)

    # admin PATCH and disable
    r = admin(hub, "PATCH", "/v1/admin/users/" + u["id"], {"is_admin": True, "name": "Boss"})
    check_eq((r.status, r.json["is_admin"], r.json["name"]), (200, True, "Boss"), "promote")
    wait_status(lambda: hub.request("GET", "/v1/admin/users", key=t), 200, 2.5,
                "promoted user reaches admin routes")
    r = admin(hub, "PATCH", "/v1/admin/users/" + u["id"], {"is_admin": False})
    check_eq(r.status, 200, "demote")
    r = admin(hub, "PATCH", "/v1/admin/users/" + u["id"], {"active": "no"})
    check_eq(r.status, 422, "bad active")
    me_id = admin(hub, "GET", "/v1/me").json["id"]
    check_eq(admin(hub, "DELETE", "/v1/admin/users/" + me_id).status, 409, "self-disable")
    r = admin(hub, "DELETE", "/v1/admin/users/" + u["id"])
    check_eq(r.status, 204, "disable")
    wait_status(lambda: hub.request("GET", "/v1/me", key=t), 401, 2.5, "disabled user's token")
    r = hub.oauth({"grant_type": "password", "username": email, "password": new_pw})
    check_eq(r.status, 400, "disabled user cannot log in")
    live = hub.scalar("SELECT COUNT(*) FROM tokens WHERE user_id = ? AND revoked_at IS NULL",
                      (u["id"],))
    check_eq(int(live), 0, "every token of the disabled user revoked")
    r = admin(hub, "GET", "/v1/admin/users/" + u["id"])
    check_eq(r.json["active"], False, "shown disabled")
    r = admin(hub, "PATCH", "/v1/admin/users/" + u["id"], {"active": True})
    check_eq(r.status, 200, "re-enable")
    tokens(hub, email, new_pw)

    stop_clean(hub)

if __name__ == "__main__":
    main(test)
