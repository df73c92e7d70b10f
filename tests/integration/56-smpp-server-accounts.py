"""56-smpp-server-accounts: /v1/projects/{id}/smpp-accounts CRUD (validation, 409 on a taken
system_id, another project's account answers 404, audited, the password only in the answer
that set it and never in the audit log, the database or the daemon's log), and binds to the
SMPP server: good credentials per bind mode, wrong password, unknown or deleted system_id,
inactive account, account allowed_ips and the project's ip_allowlist, max_binds,
ESME_RALYBND, and failed binds throttled per address."""
from harness import check, check_eq, main
from sec import stop_clean
from smppcli import (BIND_RX, BIND_TRX, BIND_TX, RALYBND, RBINDFAIL, RINVPASWD, RINVSYSID, ROK,
                     Smpp, start_hub)


def test(hub):
    port = start_hub(hub)
    pid = hub.project_id
    base = "/v1/projects/%s/smpp-accounts" % pid
    tok = hub.admin_token

    def api(method, path, body=None):
        return hub.request(method, path, body, key=tok)

    # ---- create: generated password shown once; caller's password; validation
    r = api("POST", base, {"system_id": "acme", "max_binds": 2})
    check_eq(r.status, 201, "create %r" % r)
    acc = r.json
    gen_pw = acc["password"]
    check(isinstance(gen_pw, str) and len(gen_pw) == 8, "generated password %r" % gen_pw)
    check_eq(acc["max_binds"], 2, "max_binds")
    check_eq(acc["allowed_ips"], [], "allowed_ips")
    check(acc["tps"] is None, "tps null")
    aid = acc["id"]
    r = api("POST", base, {"system_id": "beta", "password": "s3cret!x",
                                   "allowed_ips": ["127.0.0.0/8"], "tps": 50})
    check_eq(r.status, 201, "create with password %r" % r)
    check_eq(r.json["password"], "s3cret!x", "given password echoed once")
    bid = r.json["id"]
    r = api("POST", base, {"system_id": "acme", "password": "x"})
    check_eq(r.status, 409, "taken system_id %r" % r)
    r = api("POST", base, {"system_id": "a" * 16, "password": "123456789",
                                   "allowed_ips": ["nope"], "max_binds": 0, "tps": -1,
                                   "active": "yes", "color": 1})
    check_eq(r.status, 422, "invalid create %r" % r)
    fields = sorted(e["field"] for e in r.json["errors"])
    for f in ("system_id", "password", "allowed_ips", "max_binds", "tps", "active", "color"):
        check(f in fields, "error names %s: %r" % (f, fields))
    r = api("POST", base, {"password": "abc"})
    check_eq(r.status, 422, "system_id required")

    # ---- list/get never show a password or hash
    r = api("GET", base)
    check_eq(r.status, 200, "list")
    check_eq(sorted(a["system_id"] for a in r.json["data"]), ["acme", "beta"], "listed")
    check("password" not in r.raw.decode() and "argon2" not in r.raw.decode(),
          "no password in the list")
    r = api("GET", base + "/" + aid)
    check_eq(r.status, 200, "get")
    check("password" not in r.json, "no password in get")

    # ---- another project's account is not found
    other_pid, _ = hub.add_project("Other")
    r = api("GET", "/v1/projects/%s/smpp-accounts/%s" % (other_pid, aid))
    check_eq(r.status, 404, "cross-project get")
    r = api("PATCH", "/v1/projects/%s/smpp-accounts/%s" % (other_pid, aid), {"active": False})
    check_eq(r.status, 404, "cross-project patch")

    # ---- binds
    def bind(mode, sysid, pw):
        c = Smpp(port)
        st = c.bind(mode, sysid, pw)
        return c, st

    c1, st = bind(BIND_TRX, "acme", gen_pw)
    check_eq(st, ROK, "transceiver bind")
    check_eq(c1.bind(BIND_TRX, "acme", gen_pw), RALYBND, "second bind on one session")
    c2, st = bind(BIND_RX, "acme", gen_pw)
    check_eq(st, ROK, "receiver bind")
    c3, st = bind(BIND_TX, "acme", gen_pw)
    check_eq(st, RBINDFAIL, "max_binds 2 reached")
    c3.close()
    c2.close()
    c4, st = bind(BIND_TX, "beta", "s3cret!x")
    check_eq(st, ROK, "transmitter bind within allowed_ips")
    c4.close()
    c, st = bind(BIND_TX, "acme", "wrong")
    check_eq(st, RINVPASWD, "wrong password")
    c.close()
    c, st = bind(BIND_TX, "nobody", "x")
    check_eq(st, RINVSYSID, "unknown system_id")
    c.close()

    # account allowed_ips outside the caller
    r = api("PATCH", base + "/" + bid, {"allowed_ips": ["192.0.2.0/24"]})
    check_eq(r.status, 200, "patch allowed_ips %r" % r)
    check("password" not in r.json, "no password when unchanged")
    c, st = bind(BIND_TX, "beta", "s3cret!x")
    check_eq(st, RBINDFAIL, "outside the account's allowed_ips")
    c.close()
    # the project's ip_allowlist applies to binds too
    r = api("PATCH", base + "/" + bid, {"allowed_ips": [], "password": "n3wpass"})
    check_eq(r.status, 200, "patch password %r" % r)
    check_eq(r.json["password"], "n3wpass", "new password echoed once")
    r = api("PATCH", "/v1/projects/%s/security" % pid, {"ip_allowlist": ["192.0.2.0/24"]})
    check_eq(r.status, 200, "project allowlist")
    c, st = bind(BIND_TX, "beta", "n3wpass")
    check_eq(st, RBINDFAIL, "outside the project's ip_allowlist")
    c.close()
    hub.write_db([("UPDATE projects SET ip_allowlist = '' WHERE id = ?", (pid,))])
    import time
    deadline = time.time() + 5
    while True:  # the guard caches project settings for a second
        c, st = bind(BIND_TX, "beta", "n3wpass")
        c.close()
        if st == ROK or time.time() > deadline:
            break
        time.sleep(0.2)
    check_eq(st, ROK, "allowlist cleared, new password")

    # inactive, deleted
    r = api("PATCH", base + "/" + bid, {"active": False})
    check_eq(r.status, 200, "deactivate")
    c, st = bind(BIND_TX, "beta", "n3wpass")
    check_eq(st, RINVSYSID, "inactive account")
    c.close()
    r = api("DELETE", base + "/" + aid)
    check_eq(r.status, 204, "delete %r" % r)
    r = api("GET", base + "/" + aid)
    check_eq(r.status, 404, "deleted account")
    c, st = bind(BIND_TX, "acme", gen_pw)
    check_eq(st, RINVSYSID, "deleted account cannot bind")
    c.close()
    c1.close()

    # failed binds from one address are throttled (even with the right password then)
    r = api("POST", base, {"system_id": "gamma", "password": "gpw"})
    check_eq(r.status, 201, "create gamma")
    statuses = []
    for _ in range(6):
        c, st = bind(BIND_TX, "gamma", "bad")
        statuses.append(st)
        c.close()
    check(RBINDFAIL in statuses, "failed binds throttled: %r" % statuses)
    c, st = bind(BIND_TX, "gamma", "gpw")
    check_eq(st, RBINDFAIL, "throttled address refused even with the right password")
    c.close()

    # ---- audit, and the password nowhere at rest or in the log
    rows = hub.query("SELECT action, COALESCE(before_json, '') || COALESCE(after_json, '') "
                     "FROM audit_log WHERE object_type = 'smpp_account' ORDER BY at")
    actions = [a for a, _ in rows]
    for a in ("smpp_account.create", "smpp_account.update", "smpp_account.delete"):
        check(a in actions, "%s audited: %r" % (a, actions))
    hashes = [h for (h,) in hub.query("SELECT password_hash FROM smpp_accounts")]
    check(all(h.startswith("$argon2id$") for h in hashes), "Argon2id hashes")
    stop_clean(hub)
    with open(hub.stderr_path, "rb") as f:
        log = f.read().decode("utf-8", "replace")
    dump = "\n".join(t for _, t in rows) + log
    for secret in (gen_pw, "s3cret!x", "n3wpass", "gpw"):
        check(secret not in dump, "password %r leaked into the audit log or stderr" % secret)
    check("argon2" not in "\n".join(t for _, t in rows), "no hash in the audit log")


if __name__ == "__main__":
    main(test)
