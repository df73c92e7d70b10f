"""24-ip-allowlist: the project's IP allowlist (SPEC §2.5) with IPv4 and IPv6 networks:
outside → 403 ip_not_allowed on every route of the project, inside → allowed; empty → any.
X-Forwarded-For is believed only from a trusted proxy (--trusted-proxies), taking the
rightmost untrusted hop, and that address is the one audited."""
from harness import check, check_eq, main, now_ms
from sec import stop_clean, wait_until


def test(hub):
    hub.start(["--trusted-proxies", "127.0.0.1/32 10.0.0.0/8"])
    pid = hub.project_id
    sec = "/v1/projects/%s/security" % pid

    def status(xff=None, path="/v1/messages?limit=1"):
        h = {"X-Forwarded-For": xff} if xff is not None else None
        return hub.request("GET", path, headers=h).status

    check_eq(status(), 200, "empty allowlist: any address")
    r = hub.request("PATCH", sec, {"ip_allowlist": ["192.0.2.0/24", "2001:db8::/32"]})
    check_eq(r.status, 200, "set allowlist (%r)" % r)
    check_eq(r.json["ip_allowlist"], ["192.0.2.0/24", "2001:db8::/32"], "answer")
    r = hub.request("GET", "/v1/messages?limit=1")
    check_eq(r.status, 403, "outside the list (%r)" % r)
    check_eq(r.json["code"], "ip_not_allowed", "code")
    check_eq(status(path=sec), 403, "settings route outside the list")
    check_eq(status(path="/v1/projects/%s/api-keys" % pid), 403, "keys route outside")
    r = hub.request("POST", "/v1/messages", {"to": "+998901234567", "text": "x"})
    check_eq(r.status, 403, "send from outside")

    check_eq(status("192.0.2.9"), 200, "inside via a trusted proxy")
    check_eq(status("2001:db8::5"), 200, "IPv6 inside via a trusted proxy")
    check_eq(status("2001:db9::5"), 403, "IPv6 outside")
    check_eq(status("192.0.2.9, 198.51.100.7"), 403, "rightmost untrusted hop is outside")
    check_eq(status("198.51.100.7, 192.0.2.9"), 200, "a forged left part is ignored")
    check_eq(status("192.0.2.9, 10.1.2.3"), 200, "trusted hops are skipped")
    check_eq(status("garbage"), 403, "a malformed hop: the proxy's address counts")

    # the audited address is the client's
    r = hub.request("PATCH", sec, {"ip_allowlist": "192.0.2.0/24, 127.0.0.1"},
                    headers={"X-Forwarded-For": "192.0.2.77"})
    check_eq(r.status, 200, "update allowlist from inside")
    ip = hub.scalar("SELECT source_ip FROM audit_log WHERE action = 'project.security.update' "
                    "ORDER BY id DESC LIMIT 1")
    check_eq(ip, "192.0.2.77", "audited source address")
    check_eq(status(), 200, "127.0.0.1 now listed")

    # without trusted proxies X-Forwarded-For is not believed
    hub.restart([])
    hub.write_db([("UPDATE projects SET ip_allowlist = ?, updated_at = ? WHERE id = ?",
                   ("192.0.2.0/24", now_ms(), pid))])
    wait_until(lambda: status() == 403, 3, "the stored list to apply")
    check_eq(status("192.0.2.9"), 403, "X-Forwarded-For from an untrusted peer is ignored")
    hub.write_db([("UPDATE projects SET ip_allowlist = ?, updated_at = ? WHERE id = ?",
                   ("127.0.0.0/8", now_ms(), pid))])
    wait_until(lambda: status() == 200, 3, "127.0.0.0/8 to apply")
    check_eq(status("198.51.100.7"), 200, "a forged X-Forwarded-For changes nothing")
    hub.write_db([("UPDATE projects SET ip_allowlist = '', updated_at = ? WHERE id = ?",
                   (now_ms(), pid))])
    wait_until(lambda: status("198.51.100.7") == 200, 3, "empty list")

    stop_clean(hub)


if __name__ == "__main__":
    main(test)
