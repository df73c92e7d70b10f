"""61-providers-credentials: a project's provider credentials (SPEC §3.3).

CRUD as a platform admin; secret values never appear in any response, audit entry or the
daemon log (grepped for the secret strings); the fingerprint changes when the secrets change
and `secret_fields` names them; the driver's own checks refuse bad settings naming the field;
one default per project; another project's credential is 404; test-send reaches `delivered`
through the simulator pinned to the credential; delete is soft and removes it from use."""

import json

from harness import main, check, check_eq
from ctlhelp import add_user, expect_field

SECRET1 = "tok-Secret-" + "a1b2c3d4e5f6"
SECRET2 = "tok-Secret-" + "ZZ99YY88XX77"
SID = "AC-sid-" + "0042deadbeef"


def test(hub):
    hub.start(extra_args=["--log-level", "debug"])
    admin = hub.admin_token
    A = hub.project_id
    base = "/v1/admin/projects/%s/providers" % A
    bodies = []

    def req(m, path, b=None, key=admin, **kw):
        r = hub.request(m, path, b, key=key, **kw)
        bodies.append(r.raw.decode("utf-8", "replace"))
        return r

    r = req("POST", base, {"provider_id": "simulator", "name": "sim main",
                           "settings": {"latency_ms": 5, "sender_ids": ["ACME"], "tps": 20},
                           "secrets": {"auth_token": SECRET1, "account_sid": SID},
                           "is_default": True, "priority": 10})
    check_eq(r.status, 201, "create %r" % r)
    c = r.json
    cid = c["id"]
    check_eq(c["secret_fields"], ["account_sid", "auth_token"], "secret_fields")
    check(c["fingerprint"].startswith("sha256:"), "fingerprint %r" % c["fingerprint"])
    check("secrets" not in c, "no secrets in the answer")
    check(c["callback_url"].startswith("/v1/callbacks/simulator/") and
          len(c["callback_url"].rsplit("/", 1)[1]) >= 32, "callback url %r" % c["callback_url"])
    check_eq((c["is_default"], c["priority"], c["settings"]["tps"]), (True, 10, 20), "fields")
    fp1 = c["fingerprint"]

    # stored sealed, with the key id beside it; the plaintext is nowhere in the row
    row = hub.query("SELECT secret_key_id, length(secret) > 40 FROM provider_credentials "
                    "WHERE id = ?", (cid,))
    check(row[0][0] is not None and len(row[0][0]) == 16 and row[0][1], "sealed row %r" % row)
    dump = json.dumps(hub.query("SELECT * FROM provider_credentials WHERE id = ?", (cid,)),
                      default=lambda b: b.hex() if isinstance(b, bytes) else str(b))
    check(SECRET1 not in dump and SID not in dump, "plaintext in the table")

    # one default per project: the bootstrap credential lost its flag
    defaults = hub.query("SELECT id FROM provider_credentials WHERE project_id = ? AND "
                         "is_default = 1 AND deleted_at IS NULL", (A,))
    check_eq(defaults, [(cid,)], "one default")
    r = req("GET", base)
    check_eq(sorted(x["id"] for x in r.json["data"]), sorted([cid, hub.credential_id]), "list")
    check_eq(req("GET", base + "/" + cid).json["fingerprint"], fp1, "get")

    # validation: the field is named; the driver's own message for its settings
    bad = [
        ({"settings": {"latency_ms": 5}}, "provider_id", "required"),
        ({"provider_id": "nope"}, "provider_id", "unknown_provider"),
        ({"provider_id": "simulator", "settings": [1]}, "settings", "invalid_type"),
        ({"provider_id": "simulator", "settings": {"temp_fail_ratio": 7}}, "settings",
         "rejected_by_driver"),
        ({"provider_id": "simulator", "secrets": {"auth_token": 5}}, "secrets", "invalid_value"),
        ({"provider_id": "simulator", "secrets": {"Bad Name": "x"}}, "secrets", "invalid_name"),
        ({"provider_id": "simulator", "is_default": "yes"}, "is_default", "invalid_type"),
        ({"provider_id": "simulator", "priority": 10 ** 6}, "priority", "out_of_range"),
        ({"provider_id": "simulator", "password": "x"}, "password", "unknown_field"),
    ]
    for b, field, code in bad:
        expect_field(req("POST", base, b), field, code)
    r = req("PATCH", base + "/" + cid, {"settings": {"latency_ms": -3}})
    expect_field(r, "settings", "rejected_by_driver")
    check("latency_ms" in r.json["errors"][0]["detail"], "driver message %r" % r.json)

    # PATCH: settings merge (null removes), secrets replace, fingerprint follows the secrets
    r = req("PATCH", base + "/" + cid, {"settings": {"tps": None, "latency_ms": 7},
                                        "name": "renamed"})
    check_eq(r.status, 200, "patch %r" % r)
    check_eq(r.json["settings"], {"latency_ms": 7, "sender_ids": ["ACME"]}, "merged settings")
    check_eq(r.json["fingerprint"], fp1, "fingerprint unchanged without new secrets")
    kid_before = hub.scalar("SELECT hex(secret) FROM provider_credentials WHERE id = ?", (cid,)) \
        if not hub.pg else hub.scalar("SELECT encode(secret, 'hex') FROM provider_credentials "
                                      "WHERE id = ?", (cid,))
    r = req("PATCH", base + "/" + cid, {"secrets": {"auth_token": SECRET2}})
    check_eq(r.status, 200, "rotate secrets")
    check_eq(r.json["secret_fields"], ["auth_token"], "secrets replaced as a whole")
    check(r.json["fingerprint"] != fp1, "fingerprint changes with the secret")
    fp2 = r.json["fingerprint"]
    r = req("PATCH", base + "/" + cid, {"secrets": {"auth_token": SECRET2}})
    check_eq(r.json["fingerprint"], fp2, "same secret, same fingerprint")
    kid_after = hub.scalar("SELECT hex(secret) FROM provider_credentials WHERE id = ?", (cid,)) \
        if not hub.pg else hub.scalar("SELECT encode(secret, 'hex') FROM provider_credentials "
                                      "WHERE id = ?", (cid,))
    check(kid_before != kid_after, "sealed value replaced")

    # another project's credential: 404; B's admin view does not list A's
    B, _ = hub.add_project("Project B")
    check_eq(req("GET", "/v1/admin/projects/%s/providers/%s" % (B, cid)).status, 404,
             "A's credential under B")
    check_eq(req("PATCH", "/v1/admin/projects/%s/providers/%s" % (B, cid), {"name": "x"}).status,
             404, "patch across projects")
    check(cid not in [x["id"] for x in req("GET", "/v1/admin/projects/%s/providers" % B)
                      .json["data"]], "B's list")
    check_eq(req("GET", "/v1/admin/projects/prj_nope/providers").status, 404, "unknown project")

    # not for project owners or API keys
    owner = add_user(hub, A, "owner")
    for k in (owner, hub.api_key):
        r = hub.request("GET", base, key=k)
        check_eq(r.status, 403, "credentials are admin-only")

    # test-send through the normal accept path, pinned to the credential
    r = req("POST", base + "/" + cid + "/test", {"to": "+998901234567", "text": "test send"})
    check_eq(r.status, 202, "test send %r" % r)
    check_eq(r.json["credential_id"], cid, "pinned")
    m = hub.wait_status(r.json["id"], "delivered")
    check_eq(m["credential_id"], cid, "sent through the credential")
    subs = [ln for ln in hub.sim_log_lines() if ln[0] == r.json["id"]]
    check_eq([ln[2] for ln in subs], [cid], "the simulator saw it through this credential")
    expect_field(req("POST", base + "/" + cid + "/test", {"to": "12", "text": "x"}), "to")

    # deactivate: test-send refused; delete: soft, gone from the API and from routing
    r = req("PATCH", base + "/" + cid, {"active": False})
    check_eq(r.json["active"], False, "inactive")
    r = req("POST", base + "/" + cid + "/test", {"to": "+998901234567", "text": "x"})
    check_eq((r.status, r.json["code"]), (409, "credential_inactive"), "inactive test-send")
    check_eq(req("DELETE", base + "/" + cid).status, 204, "delete")
    check_eq(req("GET", base + "/" + cid).status, 404, "deleted")
    check_eq(hub.scalar("SELECT count(*) FROM provider_credentials WHERE id = ? AND "
                        "deleted_at IS NOT NULL", (cid,)), 1, "soft delete")

    # audit: every change, secrets redacted
    audit = hub.query("SELECT action, before_json, after_json FROM audit_log "
                      "WHERE object_type = 'credential' ORDER BY id")
    acts = [a for a, _, _ in audit]
    check(acts[0] == "credential.create" and "credential.rotate" in acts and
          acts[-1] == "credential.delete", "audit actions %r" % acts)
    # nothing secret anywhere
    hub.stop()
    log = open(hub.stderr_path, encoding="utf-8", errors="replace").read()
    for s in (SECRET1, SECRET2, SID):
        check(s not in log, "secret in the daemon log")
        for b in bodies:
            check(s not in b, "secret in a response: %s" % b[:200])
        check(s not in json.dumps(audit), "secret in the audit log")


if __name__ == "__main__":
    main(test)
