"""65-billing-low-balance: low-balance alerts (SPEC §7, issue 8).

An administrator sets a project's threshold, alert webhook and e-mail with its prepaid
settings (fields checked). The prepaid debit that takes the balance below the threshold sends
one signed "balance.low" event to the webhook and one e-mail; further debits, a restart (no
memory of it) and more sends within 24 h send nothing more; 24 h after the last alert the next
debit below the threshold alerts again."""

import http.server
import json
import threading
import time

from harness import Hub, main, check, check_eq, wait_for
from identity_util import SmtpSink, stop_clean

EMAIL = "billing@example.com"


class Receiver:
    def __init__(self):
        self.lock = threading.Lock()
        self.hits = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with outer.lock:
                    outer.hits.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/billing" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self):
        with self.lock:
            return [(h, json.loads(b)) for h, b in self.hits]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test(hub):
    sink = SmtpSink()
    rcv = Receiver()
    hub.on_cleanup(sink.close)
    hub.on_cleanup(rcv.close)
    hub.bootstrap()
    args = ["--smtp-url", sink.url, "--smtp-from", "hub@example.com"]
    hub.start(args)
    admin, pid = hub.admin_token, hub.project_id

    def req(method, path, body=None, headers=None):
        h = {"Idempotency-Key": None}
        h.update(headers or {})
        return hub.request(method, path, body, key=admin, headers=h)

    r = req("POST", "/v1/admin/prices", {"kind": "sell", "unit_price": "1.00", "currency": "USD"})
    check_eq(r.status, 201, "sell row")
    settings = {"project_id": pid, "prepaid": True, "currency": "USD",
                "low_balance_threshold": "5.00", "low_balance_webhook_url": rcv.url,
                "low_balance_email": EMAIL}
    for field, bad in (("low_balance_webhook_url", "ftp://x"), ("low_balance_email", "a b@c"),
                       ("low_balance_threshold", "5")):
        body = dict(settings)
        body[field] = bad if field != "low_balance_threshold" else 5
        r = req("PUT", "/v1/admin/billing/settings", body)
        check_eq(r.status, 422, "bad %s" % field)
        check_eq([e["field"] for e in r.json["errors"]], [field], "names %s" % field)
    r = req("PUT", "/v1/admin/billing/settings", settings)
    check_eq(r.status, 200, "settings %r" % (r,))
    check_eq((r.json["low_balance_threshold"], r.json["low_balance_webhook_url"],
              r.json["low_balance_email"]), ("5.00", rcv.url, EMAIL), "settings echoed")
    r = req("GET", "/v1/billing/balance", headers={"X-Smshub-Project": pid})
    check_eq(r.json["low_balance_threshold"], "5.00", "threshold on the balance")
    audit = hub.scalar("SELECT count(*) FROM audit_log WHERE action = 'billing.settings'")
    check_eq(audit, 1, "settings audited")
    r = req("POST", "/v1/admin/billing/adjust", {"project_id": pid, "amount": "7.00",
                                                 "currency": "USD", "reason": "test"})
    check_eq(r.status, 201, "credit 7.00")

    def send():
        r = hub.send()
        check_eq(r.json["price"]["amount"], "1.00", "priced send")
        return r.json["id"]

    def quiet_for(seconds):
        """No alert arrives for a while (a negative: bounded, short)."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            check_eq(len(rcv.events()), alerts[0], "no new alert event")
            time.sleep(0.1)
        check_eq(len(sink.to(EMAIL)), alerts[0], "no new alert e-mail")

    alerts = [0]
    send()  # 6.00
    send()  # 5.00: not below
    quiet_for(1.5)
    send()  # 4.00: crosses
    ev = wait_for(lambda: rcv.events() or None, 10, "the balance.low event")
    headers, body = ev[0]
    check_eq((body["type"], body["project_id"], body["balance"], body["threshold"],
              body["currency"]), ("balance.low", pid, "4.00", "5.00", "USD"), "event body")
    check("x-smshub-signature" in headers, "the event is signed like status callbacks")
    mail = wait_for(lambda: sink.to(EMAIL) or None, 10, "the alert e-mail")
    check("4.00" in mail[0] and pid in mail[0], "e-mail names the balance: %r" % mail[0])
    alerts[0] = 1
    first_at = hub.scalar("SELECT low_alert_at FROM balances WHERE project_id = ?", (pid,))

    send()  # 3.00: already alerted today
    quiet_for(1.5)
    hub.restart(args)
    send()  # 2.00: the store remembers the day
    quiet_for(1.5)
    check_eq(hub.scalar("SELECT low_alert_at FROM balances WHERE project_id = ?", (pid,)),
             first_at, "one claim a day")

    # a day later the next debit below the threshold alerts again
    hub.stop()
    hub.write_db([("UPDATE balances SET low_alert_at = ? WHERE project_id = ?",
                   (int(first_at) - 25 * 3600 * 1000, pid))])
    hub.start(args)
    send()  # 1.00
    ev = wait_for(lambda: (lambda e: e if len(e) == 2 else None)(rcv.events()), 10,
                  "a second event after 24 h")
    check_eq(ev[1][1]["balance"], "1.00", "second event's balance")
    wait_for(lambda: len(sink.to(EMAIL)) == 2 or None, 10, "a second e-mail")

    stop_clean(hub)  # exits 0, no sanitizer report (ASan build)

if __name__ == "__main__":
    main(test, time_limit=110)  # ASan on PostgreSQL is slow
