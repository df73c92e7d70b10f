"""60-providers-catalog: the provider catalog (SPEC §3.1) and GET /v1/providers.

Admin CRUD with soft delete; every invalid field is a problem+json naming it; a user who is
not a platform admin gets 403 and an API key 403 on every admin route; GET /v1/providers
lists only enabled providers the caller's project has an active credential for (project B
does not see A's); every change leaves an audit entry."""

from harness import main, check, check_eq
from ctlhelp import add_user, add_key, expect_field


def test(hub):
    hub.start()
    admin = hub.admin_token
    A = hub.project_id

    body = {"id": "acme-sms", "name": "Acme SMS", "description": "regional gateway",
            "driver": "simulator", "capabilities": ["dlr", "unicode"],
            "default_config": {"latency_ms": 5}, "priority": 20}
    r = hub.request("POST", "/v1/admin/providers", body, key=admin)
    check_eq(r.status, 201, "create %r" % r)
    check_eq((r.json["id"], r.json["enabled"], r.json["priority"]), ("acme-sms", True, 20), "created")
    r = hub.request("POST", "/v1/admin/providers", body, key=admin)
    check_eq((r.status, r.json["code"]), (409, "provider_exists"), "duplicate id")

    bad = [
        ({"id": "Bad Slug", "name": "x", "driver": "simulator"}, "id", "invalid_slug"),
        ({"id": "a", "name": "x", "driver": "simulator"}, "id", "invalid_slug"),
        ({"name": "x", "driver": "simulator"}, "id", "required"),
        ({"id": "ok-id", "driver": "simulator"}, "name", "required"),
        ({"id": "ok-id", "name": "x", "driver": "nosuchdriver"}, "driver", "unknown_driver"),
        ({"id": "ok-id", "name": "x", "driver": "simulator", "capabilities": ["teleport"]},
         "capabilities", "invalid_capabilities"),
        ({"id": "ok-id", "name": "x", "driver": "simulator", "default_config": [1]},
         "default_config", "invalid_type"),
        ({"id": "ok-id", "name": "x", "driver": "simulator", "enabled": "yes"}, "enabled",
         "invalid_type"),
        ({"id": "ok-id", "name": "x", "driver": "simulator", "priority": -1}, "priority",
         "out_of_range"),
        ({"id": "ok-id", "name": "x", "driver": "simulator", "colour": "red"}, "colour",
         "unknown_field"),
    ]
    for b, field, code in bad:
        expect_field(hub.request("POST", "/v1/admin/providers", b, key=admin), field, code)
    check_eq(hub.scalar("SELECT count(*) FROM providers WHERE id = 'ok-id'"), 0, "nothing stored")
    r = hub.request("POST", "/v1/admin/providers", "[1,", key=admin)
    check_eq(r.status, 400, "malformed JSON")

    r = hub.request("GET", "/v1/admin/providers/acme-sms", key=admin)
    check_eq((r.status, r.json["default_config"]), (200, {"latency_ms": 5}), "get")
    r = hub.request("PATCH", "/v1/admin/providers/acme-sms",
                    {"enabled": False, "name": "Acme"}, key=admin)
    check_eq((r.status, r.json["enabled"], r.json["name"], r.json["priority"]),
             (200, False, "Acme", 20), "patch keeps unnamed fields")
    expect_field(hub.request("PATCH", "/v1/admin/providers/acme-sms", {"id": "other"},
                             key=admin), "id", "read_only")
    expect_field(hub.request("PATCH", "/v1/admin/providers/acme-sms", {"driver": "x"},
                             key=admin), "driver", "unknown_driver")
    ids = [p["id"] for p in hub.request("GET", "/v1/admin/providers", key=admin).json["data"]]
    check("acme-sms" in ids and "simulator" in ids, "list: %r" % ids)

    # who may: a project owner who is no platform admin, and API keys, get 403
    owner = add_user(hub, A, "owner")
    key = add_key(hub, A, "messages:send messages:read providers:read")
    admin_routes = [("GET", "/v1/admin/providers", None), ("POST", "/v1/admin/providers", body),
                    ("GET", "/v1/admin/providers/acme-sms", None),
                    ("PATCH", "/v1/admin/providers/acme-sms", {"enabled": True}),
                    ("DELETE", "/v1/admin/providers/acme-sms", None)]
    for m, path, b in admin_routes:
        for who, k in (("owner", owner), ("api key", key)):
            r = hub.request(m, path, b, key=k, headers={"X-Smshub-Project": A})
            check_eq((r.status, r.json["code"]), (403, "admin_required"), "%s %s as %s" % (m, path, who))
    r = hub.request("GET", "/v1/admin/providers", key=None)
    check_eq(r.status, 401, "no credentials")

    # GET /v1/providers: A has the simulator credential; B gets a credential for acme-sms
    r = hub.request("PATCH", "/v1/admin/providers/acme-sms", {"enabled": True}, key=admin)
    check_eq(r.status, 200, "re-enable")
    B, _ = hub.add_project("Project B", with_simulator=False)
    r = hub.request("POST", "/v1/admin/projects/%s/providers" % B,
                    {"provider_id": "acme-sms", "is_default": True}, key=admin)
    check_eq(r.status, 201, "B's credential %r" % r)
    key_b = add_key(hub, B, "providers:read")
    seen_a = [p["id"] for p in hub.request("GET", "/v1/providers", key=key).json["data"]]
    seen_b = [p["id"] for p in hub.request("GET", "/v1/providers", key=key_b).json["data"]]
    check_eq(seen_a, ["simulator"], "A sees its own providers only")
    check_eq(seen_b, ["acme-sms"], "B sees its own providers only")
    check("default_config" not in hub.request("GET", "/v1/providers", key=key_b).json["data"][0],
          "project view has no admin fields")
    r = hub.request("GET", "/v1/providers", key=owner, headers={"X-Smshub-Project": A})
    check_eq([p["id"] for p in r.json["data"]], ["simulator"], "user view of A")
    r = hub.request("GET", "/v1/providers", key=owner, headers={"X-Smshub-Project": B})
    check_eq(r.status, 404, "a user who is not in B")
    r = hub.request("GET", "/v1/providers", key=hub.api_key)
    check_eq((r.status, r.json["code"]), (403, "insufficient_scope"), "key without providers:read")
    # a disabled provider is not usable
    hub.request("PATCH", "/v1/admin/providers/acme-sms", {"enabled": False}, key=admin)
    check_eq(hub.request("GET", "/v1/providers", key=key_b).json["data"], [], "disabled hidden")

    r = hub.request("DELETE", "/v1/admin/providers/acme-sms", key=admin)
    check_eq(r.status, 204, "delete")
    check_eq(hub.request("GET", "/v1/admin/providers/acme-sms", key=admin).status, 404, "gone")
    check_eq(hub.request("DELETE", "/v1/admin/providers/acme-sms", key=admin).status, 404, "twice")
    row = hub.query("SELECT count(*), max(enabled) FROM providers WHERE id = 'acme-sms' "
                    "AND deleted_at IS NOT NULL")
    check_eq(row, [(1, 0)], "soft delete keeps the row, disabled")
    r = hub.request("POST", "/v1/admin/providers", body, key=admin)
    check_eq(r.status, 409, "a deleted id stays taken")

    acts = [a for (a,) in hub.query("SELECT action FROM audit_log WHERE object_type = 'provider' "
                                    "ORDER BY id")]
    check_eq(acts, ["provider.create", "provider.update", "provider.update", "provider.update",
                    "provider.delete"], "audit entries")
    row = hub.query("SELECT actor_type, before_json, after_json FROM audit_log "
                    "WHERE action = 'provider.delete'")
    check(len(row) == 1 and row[0][0] == "user" and "acme-sms" in row[0][1] and row[0][2] is None,
          "delete audit has the before state: %r" % row)


if __name__ == "__main__":
    main(test)
