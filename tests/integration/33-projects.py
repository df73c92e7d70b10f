"""33-projects: projects, memberships and roles (SPEC §2.2).

Admins create (with an owner), list, get, rename and delete projects; a deleted project's API
key and its members' access to it stop. GET /v1/projects lists the caller's projects with
roles. Members: owners/admins manage them; a viewer cannot send but reads, a member sends; only
an owner grants "owner"; the last owner can be neither demoted nor removed (409); another
project's members answer 404."""

from harness import Hub, main, check, check_eq
from identity_util import (admin, create_user, create_project, add_member, tokens, wait_status,
                           stop_clean)


def test(hub):
    hub.bootstrap()
    hub.start()
    _, oemail, opw = create_user(hub, name="Owner")
    _, memail, mpw = create_user(hub, name="Member")
    _, vemail, vpw = create_user(hub, name="Viewer")
    owner = tokens(hub, oemail, opw)["access_token"]
    member = tokens(hub, memail, mpw)["access_token"]
    viewer = tokens(hub, vemail, vpw)["access_token"]

    # create with an owner; validation
    p = create_project(hub, "Acme", owner_email=oemail)
    pid = p["id"]
    check(pid.startswith("prj_"), "project id")
    check_eq(admin(hub, "POST", "/v1/admin/projects", {}).status, 422, "name required")
    check_eq(admin(hub, "POST", "/v1/admin/projects", {"name": "x", "owner_email": "no@x.y"})
             .status, 422, "unknown owner")
    check_eq(admin(hub, "GET", "/v1/admin/projects/" + pid).json["name"], "Acme", "get")
    r = admin(hub, "PATCH", "/v1/admin/projects/" + pid, {"name": "Acme 2"})
    check_eq((r.status, r.json["name"]), (200, "Acme 2"), "rename")
    ids = [x["id"] for x in admin(hub, "GET", "/v1/admin/projects").json["data"]]
    r = admin(hub, "GET", "/v1/admin/projects?cursor=" + "p" * 65)
    check_eq((r.status, r.json["errors"][0]["field"]), (400, "cursor"), "bad cursor named")
    check(pid in ids and hub.project_id in ids, "listed")

    # the owner manages members
    r = hub.request("GET", "/v1/projects", key=owner)
    check_eq([(x["id"], x["role"]) for x in r.json["data"]], [(pid, "owner")], "my projects")
    add_member(hub, pid, memail, "member", token=owner)
    add_member(hub, pid, vemail, "viewer", token=owner)
    r = hub.request("POST", "/v1/projects/%s/members" % pid, {"email": memail, "role": "viewer"},
                    key=owner)
    check_eq(r.status, 409, "already a member")
    r = hub.request("POST", "/v1/projects/%s/members" % pid, {"email": "a@b.c", "role": "boss"},
                    key=owner)
    check_eq(r.status, 422, "bad role")
    r = hub.request("GET", "/v1/projects/%s/members" % pid, key=owner)
    check_eq(sorted(m["role"] for m in r.json["data"]), ["member", "owner", "viewer"], "members")

    # roles on message routes (the project named by header)
    hdr = {"X-Smshub-Project": pid}
    r = hub.request("POST", "/v1/messages", {"to": "+998901234567", "text": "hi"}, key=viewer,
                    headers=hdr)
    check_eq(r.status, 403, "viewer cannot send")
    check_eq(hub.request("GET", "/v1/messages", key=viewer, headers=hdr).status, 200,
             "viewer reads")
    r = hub.request("POST", "/v1/messages", {"to": "+998901234567", "text": "hi"}, key=member,
                    headers=hdr)
    check_eq(r.status, 202, "member sends")
    # members and viewers do not manage members
    for t in (member, viewer):
        check_eq(hub.request("GET", "/v1/projects/%s/members" % pid, key=t).status, 403,
                 "member list needs admin")
    # an admin of the project cannot grant owner
    mid = [m for m in r_members(hub, pid, owner) if m["email"] == memail][0]["user_id"]
    r = hub.request("PATCH", "/v1/projects/%s/members/%s" % (pid, mid), {"role": "admin"},
                    key=owner)
    check_eq((r.status, r.json["role"]), (200, "admin"), "promote to admin")
    vid = [m for m in r_members(hub, pid, owner) if m["email"] == vemail][0]["user_id"]
    wait_status(lambda: hub.request("PATCH", "/v1/projects/%s/members/%s" % (pid, vid),
                                    {"role": "owner"}, key=member), 403, 2.5,
                "an admin cannot grant owner")

    # last owner protected
    oid = [m for m in r_members(hub, pid, owner) if m["email"] == oemail][0]["user_id"]
    r = hub.request("PATCH", "/v1/projects/%s/members/%s" % (pid, oid), {"role": "member"},
                    key=owner)
    check_eq((r.status, r.json.get("code")), (409, "last_owner"), "demote last owner")
    r = hub.request("DELETE", "/v1/projects/%s/members/%s" % (pid, oid), key=owner)
    check_eq((r.status, r.json.get("code")), (409, "last_owner"), "remove last owner")
    r = hub.request("PATCH", "/v1/projects/%s/members/%s" % (pid, vid), {"role": "owner"},
                    key=owner)
    check_eq(r.status, 200, "second owner")
    r = hub.request("PATCH", "/v1/projects/%s/members/%s" % (pid, oid), {"role": "member"},
                    key=owner)
    check_eq(r.status, 200, "now the first owner can step down")
    r = hub.request("DELETE", "/v1/projects/%s/members/%s" % (pid, oid), key=viewer)
    check_eq(r.status, 204, "the new owner removes the old one")
    check_eq(hub.request("GET", "/v1/messages", key=owner, headers=hdr).status, 404,
             "a removed member no longer reaches the project")
    r = hub.request("DELETE", "/v1/projects/%s/members/%s" % (pid, vid), key=viewer)
    check_eq((r.status, r.json.get("code")), (409, "last_owner"), "last owner again")

    # another project: its members are out of reach (404), and so is it
    other = hub.project_id
    check_eq(hub.request("GET", "/v1/projects/%s/members" % other, key=viewer).status, 404,
             "foreign project members")
    check_eq(hub.request("DELETE", "/v1/projects/%s/members/%s" % (pid, "usr_nope"),
                         key=viewer).status, 404, "unknown member")

    # delete a project: its API key stops, members lose it, it disappears from lists
    pid_b, key_b = hub.add_project("B")
    check_eq(hub.request("GET", "/v1/messages", key=key_b).status, 200, "B's key works")
    check_eq(admin(hub, "DELETE", "/v1/admin/projects/" + pid_b).status, 204, "delete B")
    wait_status(lambda: hub.request("GET", "/v1/messages", key=key_b), 401, 2.5,
                "deleted project's key")
    check_eq(admin(hub, "GET", "/v1/admin/projects/" + pid_b).status, 404, "deleted project get")
    check_eq(admin(hub, "DELETE", "/v1/admin/projects/" + pid_b).status, 404, "delete twice")
    check_eq(admin(hub, "DELETE", "/v1/admin/projects/" + pid).status, 204, "delete Acme")
    r = hub.request("GET", "/v1/projects", key=viewer)
    check_eq(r.json["data"], [], "deleted project gone from my projects")
    wait_status(lambda: hub.request("GET", "/v1/messages", key=viewer, headers=hdr), 404, 2.5,
                "members lose the deleted project")
    stop_clean(hub)


def r_members(hub, pid, token):
    r = hub.request("GET", "/v1/projects/%s/members" % pid, key=token)
    check_eq(r.status, 200, "members")
    return r.json["data"]


if __name__ == "__main__":
    main(test)
