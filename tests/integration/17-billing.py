"""17-billing: prepaid balances (SPEC §7) — admin adjustments, the ledger, the Stripe top-up
webhook.

Adjustments need an administrator, a reason and a currency; a balance never goes below zero
(409 with the needed and available amounts); concurrent debits cannot overdraw; a reference is
applied once. The webhook verifies Stripe-Signature (a forged or stale one is refused), credits
in the currency's minor units, and a replayed event credits once. The ledger sums to the
balance."""

import hashlib
import hmac
import json
import threading
import time

from harness import Hub, main, check, check_eq

SECRET = "whsec_test_0123456789abcdef"


def stripe_post(hub, event, secret=SECRET, t=None):
    body = json.dumps(event)
    t = int(time.time()) if t is None else t
    sig = hmac.new(secret.encode(), ("%d.%s" % (t, body)).encode(), hashlib.sha256).hexdigest()
    return hub.request("POST", "/v1/billing/webhooks/stripe", body, key=None,
                       headers={"Stripe-Signature": "t=%d,v1=%s" % (t, sig),
                                "Idempotency-Key": None})


def test(hub):
    hub.bootstrap()
    hub.extra_env = {"SMSHUB_STRIPE_WEBHOOK_SECRET": SECRET}
    hub.start()
    admin, pid = hub.admin_token, hub.project_id
    proj = {"X-Smshub-Project": pid}

    def adjust(amount, currency="USD", reason="test", reference=None, key=admin):
        body = {"project_id": pid, "amount": amount, "currency": currency, "reason": reason}
        if reference:
            body["reference"] = reference
        return hub.request("POST", "/v1/admin/billing/adjust", body, key=key,
                           headers={"Idempotency-Key": None})

    r = hub.request("GET", "/v1/billing/balance", key=admin, headers=proj)
    check_eq((r.status, r.json["amount"], r.json["currency"]), (200, "0.00", None), "no balance")

    check_eq(adjust("10.00", key=hub.api_key).status, 403, "an API key cannot adjust")
    r = adjust("10.00", reference="grant-1")
    check_eq((r.status, r.json["balance_after"]), (201, "10.00"), "credit")
    check_eq(adjust("10.00", reference="grant-1").status, 409, "same reference twice")
    r = adjust("-12.50")
    check_eq((r.status, r.json.get("code")), (409, "insufficient_balance"), "overdraw refused")
    check("12.50" in r.json["detail"] and "10.00" in r.json["detail"], "amounts named: %r" % r.json)
    r = adjust("1.00", currency="EUR")
    check_eq((r.status, r.json.get("code")), (409, "currency_mismatch"), "other currency")
    for body_amount, field in (("abc", "amount"), ("0", "amount"), ("1.0000001", "amount")):
        r = adjust(body_amount)
        check_eq(r.status, 422, "bad amount %s" % body_amount)
        check(field in [e["field"] for e in r.json["errors"]], "names %s" % field)
    r = hub.request("POST", "/v1/admin/billing/adjust",
                    {"project_id": pid, "amount": "1.00", "currency": "usd"}, key=admin,
                    headers={"Idempotency-Key": None})
    check_eq(sorted(e["field"] for e in r.json["errors"]), ["currency", "reason"], "fields named")

    # 40 concurrent debits of 0.30 on 10.00: exactly 33 succeed, the balance ends at 0.10
    results = []
    def debit():
        results.append(adjust("-0.30").status)
    threads = [threading.Thread(target=debit) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check_eq((results.count(201), results.count(409)), (33, 7), "concurrent debits")
    r = hub.request("GET", "/v1/billing/balance", key=admin, headers=proj)
    check_eq(r.json["amount"], "0.10", "balance after the debits")

    # Stripe: forged, stale, good, replayed, ignored types
    ev = {"id": "evt_1", "type": "checkout.session.completed",
          "data": {"object": {"amount_total": 2500, "currency": "usd",
                              "metadata": {"project_id": pid}}}}
    check_eq(stripe_post(hub, ev, secret="whsec_wrong_0123456789").status, 400, "forged")
    check_eq(stripe_post(hub, ev, t=int(time.time()) - 3600).status, 400, "stale timestamp")
    r = hub.request("POST", "/v1/billing/webhooks/stripe", json.dumps(ev), key=None,
                    headers={"Idempotency-Key": None})
    check_eq(r.status, 400, "no signature")
    check_eq(stripe_post(hub, ev).status, 200, "top-up")
    r = stripe_post(hub, ev)
    check_eq((r.status, r.json.get("duplicate")), (200, True), "replayed event")
    check_eq(stripe_post(hub, {"id": "evt_2", "type": "customer.created", "data": {"object": {}}})
             .json.get("ignored"), "event type", "other event types ignored")
    r = hub.request("GET", "/v1/billing/balance", key=admin, headers=proj)
    check_eq(r.json["amount"], "25.10", "credited once, 2500 cents = 25.00")

    # the ledger explains the balance
    r = hub.request("GET", "/v1/billing/transactions?limit=100", key=admin, headers=proj)
    check_eq(r.status, 200, "ledger")
    rows = r.json["data"]
    check_eq(len(rows), 1 + 33 + 1, "ledger rows")
    total = sum(round(float(x["amount"]) * 1000000) for x in rows)
    check_eq(total, 25100000, "ledger sum = balance")
    check_eq(rows[0]["balance_after"], "25.10", "newest row's balance_after")
    check_eq(rows[0]["actor"], "stripe", "top-up actor")
    check(SECRET not in open(hub.stderr_path, errors="replace").read(), "secret not logged")


if __name__ == "__main__":
    main(test)
