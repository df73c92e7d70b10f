"""84-http-auth-refused: credentials the vendor refuses. Eskiz with a wrong password: the
first message is `rejected` after one refused login, and later messages are rejected without
hammering the login endpoint (one login attempt in all); Twilio with a wrong auth token: 401 →
`rejected`. Neither wrong secret appears in the daemon log."""
from harness import check_eq, main
from httpfakes import Fake, add_credential, check_log_clean

WRONG_PW = "not-the-password-81xq"
WRONG_TOKEN = "wrong_token_0123456789abcdef0123"


def test(hub):
    hub.start(["--retry-backoff", "1s"])
    esk = Fake(hub, "eskiz")
    add_credential(hub, "esk", "eskiz", {"base_url": esk.base + "/api"}, {},
                   {"email": "test@eskiz.uz", "password": WRONG_PW})
    first = hub.send(text="refused 1", provider="esk").json["id"]
    m = hub.wait_status(first, "rejected", timeout=15)
    check_eq(m["attempts"], 1, "no retry for refused credentials")
    second = hub.send(text="refused 2", provider="esk").json["id"]
    hub.wait_status(second, "rejected", timeout=15)
    check_eq(len(esk.requests("/auth/login")), 1, "one login attempt in all")
    check_eq(len(esk.requests("/message/sms/send")), 0, "no send without a token")

    tw = Fake(hub, "twilio")
    add_credential(hub, "tw", "twilio", {"base_url": tw.base}, {"from": "+14155550000"},
                   {"account_sid": "AC" + "a" * 32, "auth_token": WRONG_TOKEN})
    mid = hub.send(text="bad token", to="+14155552345", provider="tw").json["id"]
    hub.wait_status(mid, "rejected", timeout=15)
    check_eq(len(tw.requests("/Messages.json")), 1, "one POST")
    check_log_clean(hub, [WRONG_PW, WRONG_TOKEN])


if __name__ == "__main__":
    main(test)
