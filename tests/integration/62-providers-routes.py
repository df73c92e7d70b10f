"""62-providers-routes: routing rules and dispatch policy of a project (SPEC §3.4, §4.4).

CRUD of /v1/projects/{id}/routes for project admins (a member gets 403, an API key needs
routing:* scopes); each invalid field is named; a rule naming another project's credential
is 422; another project's rule is 404. GET/PATCH /v1/projects/{id}/dispatch validates
failover, retry_schedule and max_retries and stores what the engine reads. Audited."""

from harness import main, check, check_eq
from ctlhelp import add_user, add_key, expect_field


def test(hub):
    hub.start()
    admin = hub.admin_token
    A = hub.project_id
    cred = hub.credential_id
    B, _ = hub.add_project("Project B")
    cred_b = hub.scalar("SELECT id FROM provider_credentials WHERE project_id = ?", (B,))
    routes = "/v1/projects/%s/routes" % A

    r = hub.request("POST", routes, {"position": 10, "country": "uz", "prefix": "99890",
                                     "type": "otp", "credential_id": cred}, key=admin)
    check_eq(r.status, 201, "create %r" % r)
    rid = r.json["id"]
    check_eq((r.json["country"], r.json["prefix"], r.json["type"], r.json["active"]),
             ("UZ", "99890", "otp", True), "normalised")
    row = hub.query("SELECT country, prefix, msg_type, position FROM routes WHERE id = ?", (rid,))
    check_eq([(c, str(p), t, n) for c, p, t, n in row], [("UZ", "99890", 0, 10)],
             "stored for the engine (psql shows digits as numbers)")

    bad = [
        ({"credential_id": cred, "country": "Uzbekistan"}, "country", "invalid_country"),
        ({"credential_id": cred, "country": "1Z"}, "country", "invalid_country"),
        ({"credential_id": cred, "prefix": "+998"}, "prefix", "invalid_prefix"),
        ({"credential_id": cred, "prefix": "1234567890123456"}, "prefix", "invalid_prefix"),
        ({"credential_id": cred, "type": "spam"}, "type", "invalid_type"),
        ({"credential_id": cred, "position": -1}, "position", "out_of_range"),
        ({"credential_id": cred, "active": 1}, "active", "invalid_type"),
        ({"country": "UZ"}, "credential_id", "required"),
        ({"credential_id": "cred_nope"}, "credential_id", "unknown_credential"),
        ({"credential_id": cred_b}, "credential_id", "unknown_credential"),
        ({"credential_id": cred, "weight": 3}, "weight", "unknown_field"),
    ]
    for b, field, code in bad:
        expect_field(hub.request("POST", routes, b, key=admin), field, code)
    check_eq(hub.scalar("SELECT count(*) FROM routes"), 1, "nothing else stored")

    r = hub.request("PATCH", routes + "/" + rid, {"prefix": None, "type": "marketing",
                                                  "active": False}, key=admin)
    check_eq((r.status, r.json["prefix"], r.json["type"], r.json["country"], r.json["active"]),
             (200, None, "marketing", "UZ", False), "patch")
    expect_field(hub.request("PATCH", routes + "/" + rid, {"credential_id": cred_b}, key=admin),
                 "credential_id", "unknown_credential")
    check_eq(hub.request("GET", routes + "/" + rid, key=admin).json["credential_id"], cred,
             "unchanged after the refused patch")
    check_eq([x["id"] for x in hub.request("GET", routes, key=admin).json["data"]], [rid], "list")

    # tenancy and roles
    check_eq(hub.request("GET", "/v1/projects/%s/routes/%s" % (B, rid), key=admin).status, 404,
             "A's rule under B")
    member = add_user(hub, A, "member")
    proj_admin = add_user(hub, A, "admin")
    check_eq(hub.request("GET", routes, key=member).status, 403, "member")
    check_eq(hub.request("GET", routes, key=proj_admin).status, 200, "project admin")
    check_eq(hub.request("GET", routes, key=hub.api_key).status, 403, "key without scope")
    rkey = add_key(hub, A, "routing:read")
    check_eq(hub.request("GET", routes, key=rkey).status, 200, "key with routing:read")
    check_eq(hub.request("POST", routes, {"credential_id": cred}, key=rkey).status, 403,
             "routing:read cannot write")
    check_eq(hub.request("GET", "/v1/projects/%s/routes" % B, key=rkey).status, 404,
             "a key of A on B")

    # a project admin writes too; delete
    r = hub.request("POST", routes, {"credential_id": cred, "prefix": "1"}, key=proj_admin)
    check_eq(r.status, 201, "project admin creates")
    check_eq(hub.request("DELETE", routes + "/" + rid, key=admin).status, 204, "delete")
    check_eq(hub.request("DELETE", routes + "/" + rid, key=admin).status, 404, "delete twice")

    # dispatch policy
    disp = "/v1/projects/%s/dispatch" % A
    r = hub.request("GET", disp, key=admin)
    check_eq((r.json["failover"], r.json["retry_schedule"], r.json["max_retries"]),
             (True, [30, 120, 480], 3), "defaults")
    r = hub.request("PATCH", disp, {"failover": False, "retry_schedule": [1, 2, 4],
                                    "max_retries": 2}, key=admin)
    check_eq((r.status, r.json["failover"], r.json["retry_schedule"], r.json["max_retries"]),
             (200, False, [1, 2, 4], 2), "patch")
    row = hub.query("SELECT failover, retry_schedule, max_retries FROM projects WHERE id = ?",
                    (A,))
    check_eq(row, [(0, "[1,2,4]", 2)], "stored for the engine")
    for b, field in (({"failover": "no"}, "failover"), ({"retry_schedule": []}, "retry_schedule"),
                     ({"retry_schedule": [0]}, "retry_schedule"),
                     ({"retry_schedule": [1] * 11}, "retry_schedule"),
                     ({"retry_schedule": ["30s"]}, "retry_schedule"),
                     ({"max_retries": 11}, "max_retries"), ({"max_retries": -1}, "max_retries"),
                     ({"retries": 1}, "retries")):
        expect_field(hub.request("PATCH", disp, b, key=admin), field)
    r = hub.request("PATCH", disp, {"retry_schedule": None, "max_retries": None}, key=admin)
    check_eq((r.json["retry_schedule"], r.json["max_retries"], r.json["defaults"]),
             ([30, 120, 480], 3, {"retry_schedule": True, "max_retries": True}), "back to defaults")
    check_eq(hub.request("PATCH", disp, {"failover": True}, key=member).status, 403, "member")

    acts = [a for (a,) in hub.query("SELECT action FROM audit_log WHERE project_id = ? AND "
                                    "(object_type = 'route' OR action LIKE 'project.dispatch%%') "
                                    "ORDER BY id", (A,))]
    check_eq(acts, ["route.create", "route.update", "route.create", "route.delete",
                    "project.dispatch_update", "project.dispatch_update"], "audit")


if __name__ == "__main__":
    main(test)
