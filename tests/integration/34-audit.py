"""34-audit: the audit log of identity changes (SPEC §2.8).

Every change (users, password, projects, members, clients) leaves one entry with the actor,
action, object, source address and the request id of the change, and before/after without
secrets or password hashes. Admins filter by actor, project and time and page with a cursor;
a project's owners see that project's entries only; others get 403/404."""

import time

from harness import Hub, main, check, check_eq, rfc3339
from identity_util import (admin, create_user, create_project, add_member, tokens, password,
                           stop_clean)


def entries(hub, query="", key=None):
    r = hub.request("GET", "/v1/admin/audit" + query, key=key or hub.admin_token)
    check_eq(r.status, 200, "audit %s: %r" % (query, r))
    return r


def test(hub):
    hub.bootstrap()
    hub.start()
    t0 = time.time() - 1
    admin_id = admin(hub, "GET", "/v1/me").json["id"]
    secrets_used = [hub.boot["admin_password"], hub.admin_token]

    pw = password()
    r = admin(hub, "POST", "/v1/admin/users", {"email": "aud@example.com", "password": pw})
    check_eq(r.status, 201, "create user")
    uid, rid_create = r.json["id"], r.headers["x-request-id"]
    secrets_used.append(pw)
    p = create_project(hub, "Audited", owner_email="aud@example.com")
    pid = p["id"]
    r = admin(hub, "POST", "/v1/projects/%s/clients" % pid, {"name": "c"})
    secrets_used.append(r.json["client_secret"])
    _, memail, _ = create_user(hub)
    add_member(hub, pid, memail, "viewer")
    admin(hub, "PATCH", "/v1/admin/users/" + uid, {"name": "Renamed"})
    ut = tokens(hub, "aud@example.com", pw)
    secrets_used += [ut["access_token"], ut["refresh_token"]]
    new_pw = password()
    r = hub.request("POST", "/v1/me/password", {"current_password": pw, "new_password": new_pw},
                    key=ut["access_token"])
    check_eq(r.status, 204, "password change")
    secrets_used.append(new_pw)

    r = entries(hub, "?limit=200")
    data = r.json["data"]
    actions = [e["action"] for e in data]
    for a in ("user.create", "project.create", "membership.create", "client.create",
              "user.update", "user.password_change"):
        check(a in actions, "%s audited: %r" % (a, actions))
    ids = [e["id"] for e in data]
    check_eq(ids, sorted(ids, reverse=True), "newest first")
    create = [e for e in data if e["action"] == "user.create" and e["object"]["id"] == uid][0]
    check_eq(create["actor"], {"type": "user", "id": admin_id}, "actor")
    check_eq(create["source_ip"], "127.0.0.1", "source address")
    check_eq(create["request_id"], rid_create, "request id of the change")
    check_eq(create["after"]["email"], "aud@example.com", "after")
    check(create["before"] is None, "no before on create")
    upd = [e for e in data if e["action"] == "user.update"][0]
    check_eq((upd["before"]["name"], upd["after"]["name"]), ("", "Renamed"), "before/after")
    pwc = [e for e in data if e["action"] == "user.password_change"][0]
    check_eq(pwc["actor"], {"type": "user", "id": uid}, "password change by the user")
    cl = [e for e in data if e["action"] == "client.create"][0]
    check_eq((cl["project_id"], cl["after"]["client_secret"]), (pid, "[redacted]"), "redacted")
    dump = r.raw.decode()
    for s in secrets_used:
        check(s not in dump, "a secret in the audit answer")
    check("$argon2" not in dump, "no password hash in the audit answer")
    rows = hub.query("SELECT COALESCE(before_json, '') || COALESCE(after_json, '') FROM audit_log")
    for (text,) in rows:
        check("$argon2" not in text and not any(s in text for s in secrets_used),
              "audit row without secrets: %r" % text)

    # filters and paging
    mine = entries(hub, "?actor=%s&limit=200" % uid).json["data"]
    check(mine and all(e["actor"]["id"] == uid for e in mine), "actor filter")
    proj = entries(hub, "?project=%s&limit=200" % pid).json["data"]
    check(proj and all(e["project_id"] == pid for e in proj), "project filter")
    future = entries(hub, "?from=%s" % rfc3339(time.time() + 3600)).json["data"]
    check_eq(future, [], "from in the future")
    window = entries(hub, "?from=%s&to=%s&limit=200" % (rfc3339(t0), rfc3339(time.time() + 5)))
    check_eq(len(window.json["data"]), len(data), "time window holds everything")
    seen, cursor = [], None
    while True:
        page = entries(hub, "?limit=3" + ("&cursor=" + cursor if cursor else "")).json
        seen += [e["id"] for e in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    check_eq(seen, ids, "cursor pages cover the log once")
    r = hub.request("GET", "/v1/admin/audit?from=yesterday", key=hub.admin_token)
    check_eq((r.status, r.json["errors"][0]["field"]), (400, "from"), "bad from")

    # project view: owners only, that project only
    owner = tokens(hub, "aud@example.com", new_pw)["access_token"]
    r = hub.request("GET", "/v1/projects/%s/audit?limit=200" % pid, key=owner)
    check_eq(r.status, 200, "owner reads the project's audit")
    check(r.json["data"] and all(e["project_id"] == pid for e in r.json["data"]),
          "only this project's entries")
    _, vemail, vpw = create_user(hub)
    add_member(hub, pid, vemail, "admin")
    vt = tokens(hub, vemail, vpw)["access_token"]
    check_eq(hub.request("GET", "/v1/projects/%s/audit" % pid, key=vt).status, 403,
             "a project admin is not an owner")
    check_eq(hub.request("GET", "/v1/projects/%s/audit" % hub.project_id, key=owner).status, 404,
             "another project")
    check_eq(hub.request("GET", "/v1/projects/%s/audit" % pid, key=hub.api_key).status, 403,
             "an API key")

    stop_clean(hub)

if __name__ == "__main__":
    main(test)
