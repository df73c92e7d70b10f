"""81-http-eskiz: the Eskiz HTTP driver against tests/fakes/fake_eskiz.py. One login for a
burst of concurrent sends (never two logins at once), the token reused afterwards; after the
fake expires every token, the next sends get 401 token-invalid → exactly one re-login and every
message still goes out once (none lost); the fake's receipt to our callback URL (unsigned, the
URL token identifies the credential) makes the message `delivered`; an unknown token is 404;
a 500 is a temp-fail retried; a short-lived token is refreshed by a timer before expiry; the
password never appears in the daemon log."""
from harness import check, check_eq, main, wait_for
from httpfakes import Fake, add_credential, check_log_clean, raw_post, stop_clean

EMAIL = "test@eskiz.uz"
PASSWORD = "secret-pw-Zq81xk"


def test(hub):
    hub.start(["--retry-backoff", "1s,1s,1s"])
    fake = Fake(hub, "eskiz", ["--password", PASSWORD])
    cred = add_credential(hub, "esk", "eskiz", {"base_url": fake.base + "/api"}, {},
                          {"email": EMAIL, "password": PASSWORD})
    cb_path = cred["callback_url"]

    ids = [hub.send(text="salom %d" % i, provider="esk").json["id"] for i in range(5)]
    for mid in ids:
        hub.wait_status(mid, "submitted", timeout=15)
    check_eq(len(fake.requests("/auth/login")), 1, "one login for the burst")
    check_eq(len(fake.requests("/message/sms/send")), 5, "five sends")

    fake.call("POST", "/_fake/expire-tokens", {})
    more = [hub.send(text="after expiry %d" % i, provider="esk").json["id"] for i in range(3)]
    for mid in more:
        m = hub.wait_status(mid, "submitted", timeout=15)
        check_eq(m["attempts"], 1, "no retry needed after the re-login: %s" % mid)
    logins = fake.requests("/auth/")
    check_eq(len(logins), 2, "exactly one re-login: %r" % [e["path"] for e in logins])
    accepted = [e for e in fake.requests("/message/sms/send") if e["status"] == 200]
    check_eq(len(accepted), 8, "every message accepted exactly once")

    # receipts: the fake posts to our callback URL
    rid = fake.call("GET", "/_fake/messages")[0]["id"]
    first = [m for m in ids if hub.get_message(m)["provider_message_id"] == rid]
    check_eq(len(first), 1, "message with provider id %s" % rid)
    fake.call("POST", "/_fake/dlr", {"id": rid, "status": "DELIVRD"})
    hub.wait_status(first[0], "delivered", timeout=10)
    st, _ = raw_post(hub, cb_path[:-3] + "abc", b"{}", {"Content-Type": "application/json"})
    check_eq(st, 404, "unknown callback token")

    fake.fail_next("500")
    mid = hub.send(text="after a 500", provider="esk").json["id"]
    m = hub.wait_status(mid, "submitted", timeout=15)
    check_eq(m["attempts"], 2, "one retry after the 500")
    check_log_clean(hub, [PASSWORD])

    # a short-lived token (20 s: usable for its first half) is refreshed by a timer before it
    # turns unusable, so the next send needs no login
    short = Fake(hub, "eskiz", ["--password", PASSWORD, "--token-ttl", "20"])
    add_credential(hub, "esk2", "eskiz", {"base_url": short.base + "/api"}, {},
                   {"email": EMAIL, "password": PASSWORD})
    mid = hub.send(text="short token", provider="esk2").json["id"]
    hub.wait_status(mid, "submitted", timeout=15)
    wait_for(lambda: short.requests("/auth/refresh"), 12, "the timed token refresh")
    mid = hub.send(text="after the refresh", provider="esk2").json["id"]
    hub.wait_status(mid, "submitted", timeout=15)
    paths = [e["path"] for e in short.requests("/auth/")]
    check(paths[:2] == ["/api/auth/login", "/api/auth/refresh"] and
          "/api/auth/login" not in paths[1:], "one login, then refreshes only: %r" % paths)
    check_eq(hub.get_message(mid)["attempts"], 1, "no token trouble after the refresh")
    stop_clean(hub, fake, "esk")


if __name__ == "__main__":
    main(test)
