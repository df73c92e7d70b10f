"""36-no-secrets: passwords, tokens and client secrets never leak.

Runs every identity flow (logins, refresh rotation, client credentials, user creation,
password change, reset by mail, logout) with debug logging, recording every response. Each
secret may appear only in the one response that hands it out (a token answer, a client's
creation); it appears in no other response, not in the daemon's log and not in the audit log."""

from harness import Hub, main, check, check_eq
from identity_util import (SmtpSink, admin, basic, create_user, tokens, password,
                           stop_clean)


def test(hub):
    sink = SmtpSink()
    hub.on_cleanup(sink.close)
    responses = []
    plain = hub.request

    def recording(*a, **kw):
        r = plain(*a, **kw)
        responses.append(r.raw.decode("utf-8", "replace") + repr(sorted(r.headers.items())))
        return r

    hub.request = recording
    hub.bootstrap()
    hub.start(["--smtp-url", sink.url, "--log-level", "debug"])
    # secret -> how many responses may show it (0: never, 1: its issuing answer)
    allowed = {hub.boot["admin_password"]: 0}

    u, email, pw = create_user(hub)
    allowed[pw] = 0
    t = tokens(hub, email, pw)
    allowed[t["access_token"]] = 1
    r = hub.oauth({"grant_type": "refresh_token", "refresh_token": t["refresh_token"]})
    allowed[t["refresh_token"]] = 1
    allowed[r.json["access_token"]] = 1
    allowed[r.json["refresh_token"]] = 1
    hub.oauth({"grant_type": "refresh_token", "refresh_token": t["refresh_token"]})  # reuse
    allowed[hub.admin_token] = 1

    r = admin(hub, "POST", "/v1/projects/%s/clients" % hub.project_id, {"name": "svc"})
    cid, secret = r.json["client_id"], r.json["client_secret"]
    allowed[secret] = 1
    import urllib.parse
    r = hub.request("POST", "/oauth/token", urllib.parse.urlencode({"grant_type":
                                                                    "client_credentials"}),
                    headers={"Content-Type": "application/x-www-form-urlencoded",
                             "Authorization": basic(cid, secret), "Idempotency-Key": None},
                    key=None)
    allowed[r.json["access_token"]] = 1
    hub.send(key=r.json["access_token"])
    admin(hub, "GET", "/v1/projects/%s/clients" % hub.project_id)
    hub.request("POST", "/oauth/token", urllib.parse.urlencode(
        {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret + "x"}),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": None},
        key=None)

    t2 = tokens(hub, email, pw)
    allowed[t2["access_token"]] = 1
    allowed[t2["refresh_token"]] = 1
    new_pw = password()
    allowed[new_pw] = 0
    r = hub.request("POST", "/v1/me/password", {"current_password": pw, "new_password": new_pw},
                    key=t2["access_token"])
    check_eq(r.status, 204, "password change")
    hub.request("POST", "/v1/me/password", {"current_password": "not-it-at-all",
                                            "new_password": new_pw}, key=t2["access_token"])
    hub.request("POST", "/v1/auth/password-reset", {"email": email}, key=None)
    rt = sink.wait_token(email, 1)
    allowed[rt] = 0
    reset_pw = password()
    allowed[reset_pw] = 0
    r = hub.request("POST", "/v1/auth/password-reset/confirm",
                    {"token": rt, "new_password": reset_pw}, key=None)
    check_eq(r.status, 204, "reset")
    t3 = tokens(hub, email, reset_pw)
    allowed[t3["access_token"]] = 1
    allowed[t3["refresh_token"]] = 1
    hub.request("POST", "/v1/auth/logout", {"refresh_token": t3["refresh_token"]},
                key=t3["access_token"])
    admin(hub, "GET", "/v1/admin/audit?limit=200")
    admin(hub, "GET", "/v1/admin/users")
    stop_clean(hub)

    log = open(hub.stderr_path, encoding="utf-8", errors="replace").read()
    check(len(log) > 0, "the daemon logged something")
    audit = "".join(str(row) for row in hub.query("SELECT * FROM audit_log"))
    for s, n in allowed.items():
        shown = sum(1 for text in responses if s in text)
        check(shown <= n, "secret %s… shown in %d responses (allowed %d)" % (s[:6], shown, n))
        check(s not in log, "secret %s… in the daemon log" % s[:6])
        check(s not in audit, "secret %s… in the audit log" % s[:6])
    check("$argon2" not in log and all("$argon2" not in text for text in responses),
          "no password hash anywhere")


if __name__ == "__main__":
    main(test)
