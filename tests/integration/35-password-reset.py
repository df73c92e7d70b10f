"""35-password-reset: password reset and e-mail verification end to end through an SMTP sink.

POST /v1/auth/password-reset answers 202 for known and unknown addresses alike and mails a
single-use token only to a real account (at most 3 per address per hour). Confirming sets the
new password (policy applies) and revokes every session; a token works once, an expired or
made-up one is refused. /v1/me/verify-email mails a token that marks the address verified."""

from harness import Hub, main, check, check_eq
from identity_util import SmtpSink, create_user, tokens, password, wait_status, stop_clean


def reset(hub, email):
    r = hub.request("POST", "/v1/auth/password-reset", {"email": email}, key=None)
    check_eq(r.status, 202, "reset request for %s: %r" % (email, r))


def confirm(hub, token, pw):
    return hub.request("POST", "/v1/auth/password-reset/confirm",
                       {"token": token, "new_password": pw}, key=None)


def test(hub):
    sink = SmtpSink()
    hub.on_cleanup(sink.close)
    hub.bootstrap()
    hub.start(["--smtp-url", sink.url, "--smtp-from", "hub@example.com"])
    _, email, pw = create_user(hub)
    _, email2, _ = create_user(hub)
    session = tokens(hub, email, pw)

    reset(hub, "nobody@example.com")
    reset(hub, email)
    token = sink.wait_token(email, 1)
    reset(hub, email2)
    sink.wait_token(email2, 1)
    check_eq(sink.to("nobody@example.com"), [], "no mail for an unknown address")
    text = sink.to(email)[0]
    check("From: <hub@example.com>" in text and "Subject: smshub password reset" in text,
          "mail headers: %r" % text[:300])

    # bad confirmations
    r = confirm(hub, "shu_" + "A" * 43, password())
    check_eq((r.status, r.json["code"]), (400, "invalid_token"), "unknown token")
    r = confirm(hub, token, "short")
    check_eq((r.status, r.json["errors"][0]["field"]), (422, "new_password"), "policy")
    r = confirm(hub, "garbage", password())
    check_eq((r.status, r.json["errors"][0]["field"]), (422, "token"), "malformed token")

    new_pw = password()
    r = confirm(hub, token, new_pw)
    check_eq(r.status, 204, "reset confirmed: %r" % (r,))
    check_eq(confirm(hub, token, password()).status, 400, "a token works once")
    wait_status(lambda: hub.request("GET", "/v1/me", key=session["access_token"]), 401, 2.5,
                "sessions revoked by the reset")
    r = hub.oauth({"grant_type": "refresh_token", "refresh_token": session["refresh_token"]})
    check_eq(r.status, 400, "refresh token revoked by the reset")
    check_eq(hub.oauth({"grant_type": "password", "username": email, "password": pw}).status,
             400, "old password refused")
    me = tokens(hub, email, new_pw)["access_token"]

    # expiry: a token past its hour is refused
    reset(hub, email)
    token2 = sink.wait_token(email, 2)
    hub.write_db([("UPDATE user_tokens SET expires_at = 1 WHERE used_at IS NULL", ())])
    check_eq(confirm(hub, token2, password()).status, 400, "expired token")

    # per-address throttle: the third request of the hour is the last one mailed
    reset(hub, email)
    sink.wait_token(email, 3)
    reset(hub, email)
    reset(hub, email2)
    sink.wait_token(email2, 2)
    check_eq(len(sink.to(email)), 3, "at most 3 reset mails per address per hour")
    r = hub.request("POST", "/v1/auth/password-reset", {"email": "bad"}, key=None)
    check_eq(r.status, 422, "invalid address")

    # e-mail verification
    r = hub.request("POST", "/v1/me/verify-email", key=me)
    check_eq(r.status, 202, "verification requested: %r" % (r,))
    vt = sink.wait_token(email, 4)
    r = hub.request("POST", "/v1/auth/password-reset/confirm",
                    {"token": vt, "new_password": password()}, key=None)
    check_eq(r.status, 400, "a verification token is no reset token")
    r = hub.request("POST", "/v1/auth/verify-email/confirm", {"token": vt}, key=None)
    check_eq(r.status, 204, "verified: %r" % (r,))
    check(hub.request("GET", "/v1/me", key=me).json["email_verified_at"] is not None,
          "email_verified_at set")
    r = hub.request("POST", "/v1/auth/verify-email/confirm", {"token": vt}, key=None)
    check_eq(r.status, 400, "verification token works once")
    check_eq(hub.request("POST", "/v1/me/verify-email", key=me).status, 409, "already verified")

    log = open(hub.stderr_path, encoding="utf-8", errors="replace").read()
    for s in (token, token2, vt, new_pw, pw):
        check(s not in log, "a token or password in the log")

    stop_clean(hub)

if __name__ == "__main__":
    main(test)
