"""23-hmac-signing: HMAC request signing (SPEC §2.4, docs/security.md). Required mode: an
unsigned request → 401 signature_required; a good signature → 2xx (also with a query string
and a JSON body); a wrong secret, a changed body or target, a stale or future timestamp, a
reused nonce, malformed headers → 401. Optional mode: unsigned passes, a bad signature does
not. A new signing secret replaces the old one at once. Signing needs a secret first."""
import json
import time

from harness import check, check_eq, idem, main
from sec import create_key, sign, stop_clean

WRONG = "shs_" + "A" * 43


def test(hub):
    hub.start()
    pid = hub.project_id
    sec = "/v1/projects/%s/security" % pid

    r = hub.request("GET", sec)
    check_eq(r.status, 200, "GET security")
    check_eq(r.json, {"hmac_mode": "off", "ip_allowlist": [], "signing_secret_set": False},
             "defaults")
    r = hub.request("PATCH", sec, {"hmac_mode": "required"})
    check_eq(r.status, 422, "required without a secret")
    check_eq(r.json["errors"][0]["field"], "hmac_mode", "field")
    for body in ({"hmac_mode": "sometimes"}, {"hmac_mode": 2}, {"ip_allowlist": ["10.0.0.1/8"]},
                 {"ip_allowlist": ["nope"]}, {"ip_allowlist": 5}):
        r = hub.request("PATCH", sec, body)
        check_eq(r.status, 422, "bad security body %r (%r)" % (body, r))
    r = hub.request("POST", sec + "/signing-secret")
    check_eq(r.status, 201, "create signing secret")
    secret = r.json["signing_secret"]
    check(secret.startswith("shs_") and len(secret) == 47, "secret shape")
    r = hub.request("GET", sec)
    check(r.json["signing_secret_set"] and secret.encode() not in r.raw, "GET hides the secret")
    check_eq(hub.request("PATCH", sec, {"hmac_mode": "required"}).status, 200, "require")

    def get(target, headers=None, key=None):
        if key is None:
            return hub.request("GET", target, headers=headers)
        return hub.request("GET", target, headers=headers, key=key)

    target = "/v1/messages?limit=2&status=queued"
    r = get(target)
    check_eq(r.status, 401, "unsigned (%r)" % r)
    check_eq(r.json["code"], "signature_required", "code")
    r = get(target, sign(secret, "GET", target, b""))
    check_eq(r.status, 200, "good signature with a query (%r)" % r)

    # a signed send (body hash) → 202
    body = json.dumps({"to": "+998901234567", "text": "signed"})
    h = sign(secret, "POST", "/v1/messages", body)
    h["Idempotency-Key"] = idem()
    r = hub.request("POST", "/v1/messages", body, headers=h)
    check_eq(r.status, 202, "signed send (%r)" % r)

    def refused(headers, code, what, method="GET", tgt=target, body=None):
        r = hub.request(method, tgt, body, headers=headers)
        check_eq(r.status, 401, "%s (%r)" % (what, r))
        check_eq(r.json["code"], code, "%s: code" % what)

    refused(sign(WRONG, "GET", target, b""), "signature_invalid", "wrong secret")
    refused(sign(secret, "GET", "/v1/messages?limit=3&status=queued", b""), "signature_invalid",
            "another query")
    refused(sign(secret, "GET", "/v1/messages", b""), "signature_invalid", "query left out")
    refused(sign(secret, "POST", target, b""), "signature_invalid", "another method")
    now = int(time.time())
    refused(sign(secret, "GET", target, b"", ts=now - 301), "signature_expired", "stale")
    refused(sign(secret, "GET", target, b"", ts=now + 400), "signature_expired", "future")
    h = sign(secret, "POST", "/v1/messages", body)
    h["Idempotency-Key"] = idem()
    refused(h, "signature_invalid", "changed body", "POST", "/v1/messages",
            body.replace("signed", "changed"))
    # replay: the same nonce twice (with a correct signature both times)
    h = sign(secret, "GET", target, b"", nonce="replay-nonce-0123456789")
    check_eq(get(target, h).status, 200, "first use of a nonce")
    refused(h, "signature_replayed", "reused nonce")
    h = sign(secret, "GET", target, b"", nonce="replay-nonce-0123456789")
    refused(h, "signature_replayed", "the nonce with a new timestamp")
    # malformed headers name the header
    for bad, field in (({"X-Smshub-Timestamp": "soon"}, "X-Smshub-Timestamp"),
                       ({"X-Smshub-Nonce": "short"}, "X-Smshub-Nonce"),
                       ({"X-Smshub-Signature": "zz"}, "X-Smshub-Signature"),
                       ({"X-Smshub-Signature": None}, "X-Smshub-Signature")):
        h = sign(secret, "GET", target, b"")
        h.update(bad)
        r = get(target, h)
        check_eq(r.status, 401, "malformed %r" % bad)
        check_eq(r.json["errors"][0]["field"], field, "field for %r" % bad)

    # optional mode: unsigned passes, a present signature must be right
    h = sign(secret, "PATCH", sec, json.dumps({"hmac_mode": "optional"}))
    r = hub.request("PATCH", sec, json.dumps({"hmac_mode": "optional"}), headers=h)
    check_eq(r.status, 200, "switch to optional (signed)")
    def unsigned_ok():
        return get(target).status == 200
    deadline = time.monotonic() + 3
    while not unsigned_ok():
        check(time.monotonic() < deadline, "unsigned requests refused in optional mode")
        time.sleep(0.05)
    refused(sign(WRONG, "GET", target, b""), "signature_invalid", "bad signature in optional")
    check_eq(get(target, sign(secret, "GET", target, b"")).status, 200, "good in optional")

    # a new secret replaces the old one
    r = hub.request("POST", sec + "/signing-secret")
    check_eq(r.status, 201, "rotate secret")
    secret2 = r.json["signing_secret"]
    check(secret2 != secret, "a new secret")
    refused(sign(secret, "GET", target, b""), "signature_invalid", "old secret after rotation")
    check_eq(get(target, sign(secret2, "GET", target, b"")).status, 200, "new secret")

    # signing is per project: keys are unaffected elsewhere, and an owner-only setting
    other = create_key(hub, pid, ["messages:read"]).json["key"]
    check_eq(get(target, key=other).status, 200, "another key of the project, optional mode")
    rows = hub.query("SELECT count(*) FROM request_nonces WHERE project_id = ?", (pid,))
    check(rows[0][0] >= 3, "nonces remembered: %r" % rows)
    audit = hub.query("SELECT action, after_json FROM audit_log WHERE object_type = 'project'")
    acts = [a for a, _ in audit]
    check(acts.count("project.signing_secret.rotate") == 2 and
          "project.security.update" in acts, "audit %r" % acts)
    check(secret not in repr(audit) and secret2 not in repr(audit), "secret in the audit log")

    stop_clean(hub)


if __name__ == "__main__":
    main(test)
