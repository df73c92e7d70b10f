"""86-http-balance: GET /v1/admin/projects/{id}/providers/{pid}/balance asks the vendor live
through the credential's driver, against the fakes: Twilio (12.50 USD), Vonage (10.17127500,
EUR as configured), Eskiz (50000 UZS, after its login; again after its token was revoked,
with one re-login), SMSO (credits, no currency), CEQUENS
with `balance_url`, and the generic driver with `balance_url` (here against the Twilio fake).
PlayMobile and Veevo have no balance API: 501 naming the driver; CEQUENS without
`balance_url` too. Refused credentials → 502 provider_auth_refused; a vendor that never
answers → 504 within the engine's deadline; unknown / another project's credential → 404; a
project API key → 403; the answer never carries a secret."""
import socket
import time

from harness import check, check_eq, main
from httpfakes import Fake, add_credential

TW_SID = "AC" + "a" * 32
TW_TOKEN = "tw_token_0123456789abcdef0123456"


def balance(hub, cred_id, key=None, project=None):
    return hub.request("GET", "/v1/admin/projects/%s/providers/%s/balance"
                       % (project or hub.project_id, cred_id),
                       key=key if key is not None else hub.admin_token, timeout=30)


def test(hub):
    hub.start()
    tw = Fake(hub, "twilio")
    von = Fake(hub, "vonage")
    esk = Fake(hub, "eskiz")
    smso = Fake(hub, "smso")
    cq = Fake(hub, "cequens")
    pm = Fake(hub, "playmobile")
    creds = {
        "tw": add_credential(hub, "tw", "twilio", {"base_url": tw.base}, {"from": "+14155550000"},
                             {"account_sid": TW_SID, "auth_token": TW_TOKEN}),
        "von": add_credential(hub, "von", "vonage", {"base_url": von.base}, {"from": "Acme"},
                              {"api_key": "abcd1234", "api_secret": "s3cretpw"}),
        "esk": add_credential(hub, "esk", "eskiz", {"base_url": esk.base + "/api"}, {},
                              {"email": "test@eskiz.uz", "password": "secret"}),
        "smso": add_credential(hub, "smso", "smso", {"base_url": smso.base + "/api/v1"}, {},
                               {"api_key": "smso-key"}),
        "cq": add_credential(hub, "cq", "cequens", {"base_url": cq.base},
                             {"balance_url": cq.base + "/accounts/balance"},
                             {"api_key": "cq-key", "user_name": "cquser"}),
        "gen": add_credential(hub, "gen", "generic", {},
                              {"url": tw.base + "/unused", "username": TW_SID,
                               "balance_url": "%s/2010-04-01/Accounts/%s/Balance.json"
                                              % (tw.base, TW_SID),
                               "balance_pointer": "/balance", "balance_currency": "USD"},
                              {"password": TW_TOKEN}),
        "pm": add_credential(hub, "pm", "playmobile", {"base_url": pm.base + "/broker-api"}, {},
                             {"login": "pmuser", "password": "pmpass"}),
        "vv": add_credential(hub, "vv", "veevo", {}, {}, {"hash": "veevo-hash"}),
        "cq2": add_credential(hub, "cq2", "cequens", {"base_url": cq.base}, {},
                              {"api_key": "cq-key", "user_name": "cquser"}),
        "twbad": add_credential(hub, "twbad", "twilio", {"base_url": tw.base}, {},
                                {"account_sid": TW_SID, "auth_token": "wrong-token-000000"}),
    }
    want = {"tw": ("12.50", "USD"), "von": ("10.17127500", "EUR"), "esk": ("50000", "UZS"),
            "smso": ("4847.72", None), "cq": ("99.5", None), "gen": ("12.50", "USD")}
    for pid, (amount, currency) in want.items():
        r = balance(hub, creds[pid]["id"])
        check_eq(r.status, 200, "%s balance: %r" % (pid, r))
        check_eq((r.json["amount"], r.json["currency"]), (amount, currency), "%s amount" % pid)
        check_eq((r.json["credential_id"], r.json["provider_id"]), (creds[pid]["id"], pid),
                 "%s ids" % pid)
        check(TW_TOKEN.encode() not in r.raw and b"s3cretpw" not in r.raw,
              "no secret in the answer")
    check_eq(len(esk.requests("/auth/login")), 1, "eskiz logged in once for its balance")
    check_eq(len(esk.requests("/user/get-limit")), 1, "eskiz asked once")
    # a revoked token: 401 token-invalid, one re-login, the balance asked again
    esk.call("POST", "/_fake/expire-tokens", {})
    r = balance(hub, creds["esk"]["id"])
    check_eq((r.status, r.json.get("amount")), (200, "50000"), "eskiz after expiry: %r" % r)
    check_eq(len(esk.requests("/auth/")), 2, "one re-login")

    for pid, driver in (("pm", "playmobile"), ("vv", "veevo"), ("cq2", "cequens")):
        r = balance(hub, creds[pid]["id"])
        check_eq(r.status, 501, "%s: no balance API: %r" % (pid, r))
        check_eq(r.json["code"], "balance_not_supported", "%s code" % pid)
        check(driver in r.json["detail"], "%s: the detail names the driver: %r" % (pid, r.json))
        check(r.headers.get("content-type", "").startswith("application/problem+json"),
              "problem+json")

    r = balance(hub, creds["twbad"]["id"])
    check_eq(r.status, 502, "refused credentials: %r" % r)
    check_eq(r.json["code"], "provider_auth_refused", "code")
    check(b"wrong-token" not in r.raw, "the wrong secret is not echoed")

    # a vendor that accepts the connection and never answers: 504 at the engine's deadline
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    hub.on_cleanup(silent.close)
    url = "http://127.0.0.1:%d/balance" % silent.getsockname()[1]
    slow = add_credential(hub, "slow", "generic", {},
                          {"url": url, "balance_url": url, "timeout_ms": 60000}, {})
    t0 = time.time()
    r = balance(hub, slow["id"])
    check_eq(r.status, 504, "silent vendor: %r" % r)
    check_eq(r.json["code"], "provider_timeout", "code")
    check(7 <= time.time() - t0 < 20, "answered at the deadline (%.1f s)" % (time.time() - t0))

    # tenancy and authorization
    check_eq(balance(hub, "cred_nope").status, 404, "unknown credential")
    other, other_key = hub.add_project("Other")
    check_eq(balance(hub, creds["tw"]["id"], project=other).status, 404,
             "another project's credential")
    check_eq(balance(hub, creds["tw"]["id"], key=hub.api_key).status, 403, "a project API key")


if __name__ == "__main__":
    main(test)
