"""67-billing-smpp: the SMPP server's submit_sm shares the prepaid accept (issue 8): a balance
that covers two messages takes two submits (ROK, debited) and answers the third
ESME_RSUBMITFAIL with nothing stored, with and without a receipt requested."""

from harness import check, check_eq, main, wait_for
from identity_util import stop_clean
from smppcli import BIND_TRX, ROK, RSUBMITFAIL, Smpp, start_hub


def test(hub):
    hub.bootstrap()
    port = start_hub(hub)
    admin, pid = hub.admin_token, hub.project_id
    h = {"Idempotency-Key": None}
    r = hub.request("POST", "/v1/projects/%s/smpp-accounts" % pid,
                    {"system_id": "legacy", "password": "pw1"}, key=admin)
    check_eq(r.status, 201, "account")
    r = hub.request("POST", "/v1/admin/prices", {"kind": "sell", "unit_price": "0.10",
                                                 "currency": "USD"}, key=admin, headers=h)
    check_eq(r.status, 201, "sell row")
    r = hub.request("PUT", "/v1/admin/billing/settings",
                    {"project_id": pid, "prepaid": True, "currency": "USD"}, key=admin, headers=h)
    check_eq(r.status, 200, "prepaid on")
    r = hub.request("POST", "/v1/admin/billing/adjust", {"project_id": pid, "amount": "0.20",
                                                         "currency": "USD", "reason": "t"},
                    key=admin, headers=h)
    check_eq(r.status, 201, "credit 0.20")

    c = Smpp(port)
    check_eq(c.bind(BIND_TRX, "legacy", "pw1"), ROK, "bind")
    st1, m1 = c.submit_wait("998901234567", "one", reg=1)
    st2, m2 = c.submit_wait("998901234567", "two", reg=0)
    check_eq((st1, st2), (ROK, ROK), "two paid submits")
    for reg in (1, 0):
        st, mid = c.submit_wait("998901234567", "three", reg=reg)
        check_eq(st, RSUBMITFAIL, "no balance: ESME_RSUBMITFAIL (reg %d)" % reg)
        check_eq(mid, "", "no message id")
    check_eq(hub.scalar("SELECT count(*) FROM messages WHERE project_id = ?", (pid,)), 2,
             "only the paid messages stored")
    check_eq(sorted(x[0] for x in hub.query("SELECT message_id FROM ledger WHERE kind = 'debit'")),
             sorted([m1, m2]), "debits for the paid messages")
    check_eq(int(hub.scalar("SELECT amount FROM balances WHERE project_id = ?", (pid,))), 0,
             "balance 0")
    for mid in (m1, m2):
        hub.wait_status(mid, "delivered", timeout=15)
    wait_for(lambda: c.receipt(timeout=1) is not None or None, 15, "the receipt of the first")

    stop_clean(hub)  # exits 0, no sanitizer report (ASan build)

if __name__ == "__main__":
    main(test)
