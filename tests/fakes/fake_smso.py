#!/usr/bin/env python3
"""fake_smso.py — SMSO.ro as CONTRACTS.md §6 describes it (paths under /api/v1).

POST /api/v1/send (form, X-Authorization or apiKey) -> {"status":200,"responseToken":uuid};
400 invalid (mode "400"), 401 bad key, 402 no credit (mode "402" or --credit 0);
GET /api/v1/status?responseToken= (no auth); GET /api/v1/credit-check; GET /api/v1/senders.
Status webhooks are form POSTs to webhook_status (uuid, status, sent_at, delivered_at,
receiver[number|mcc|mnc]); replies go to webhook_responses / --mo-url. No signature.
"""
import time
import urllib.parse
import uuid

import fakebase


class Smso(fakebase.Fake):
    name = "fake_smso"

    @staticmethod
    def add_args(p):
        p.add_argument("--api-key", default="smso-key")
        p.add_argument("--credit", type=float, default=4847.72)

    def _key(self, req):
        k = req.header("X-Authorization")
        if k is None:
            k = fakebase.first(req.query, "apiKey")
        return k

    def handle(self, req):
        p = req.path
        if p == "/api/v1/status":
            token = fakebase.first(req.query, "responseToken")
            if req.method == "POST":
                token = fakebase.first(req.form(), "responseToken", token)
            with self.lock:
                m = self.messages.get(token)
            if m is None:
                return fakebase.json_answer(404, {"status": 404, "message": "Not found"})
            return fakebase.json_answer(200, {"status": 200, "data": {
                "status": m["status"], "sent_at": m["sent_at"], "delivered_at": m["delivered_at"],
                "receiver": {"number": m["to"], "mcc": "226", "mnc": "01"}}})
        if self._key(req) != self.args.api_key:
            return fakebase.json_answer(401, {"status": 401, "message": "Unauthorized"})
        if p == "/api/v1/credit-check":
            return fakebase.json_answer(200, {"status": 200, "credit_value": self.args.credit})
        if p == "/api/v1/senders":
            return fakebase.json_answer(200, [{"id": 4, "name": "1847", "pricePerMessage": 3}])
        if p == "/api/v1/send" and req.method == "POST":
            mode = self.take_failure()
            failed = fakebase.generic_failure(mode)
            if failed:
                return failed
            if mode == "402" or self.args.credit <= 0:
                return fakebase.json_answer(402, {"status": 402, "message": "Not enough credit"})
            f = req.form()
            to = fakebase.first(f, "to", "")
            errors = {}
            if not to.lstrip("+").isdigit():
                errors["to"] = ["The to field is invalid."]
            if not fakebase.first(f, "body"):
                errors["body"] = ["The body field is required."]
            if fakebase.first(f, "sender") != "4":
                errors["sender"] = ["The selected sender is invalid."]
            if errors or mode == "400":
                return fakebase.json_answer(400, {"status": 400, "errors": errors or {"x": []}})
            tok = str(uuid.uuid4())
            self.remember(tok, {"uuid": tok, "to": to, "body": fakebase.first(f, "body"),
                                "status": "dispatched", "sent_at": "", "delivered_at": "",
                                "webhook": fakebase.first(f, "webhook_status",
                                                          fakebase.first(f, "webhook")),
                                "replies": fakebase.first(f, "webhook_responses")})
            if self.args.auto_dlr:
                self.emit_dlr(tok, self.args.auto_dlr)
            return fakebase.json_answer(200, {"status": 200, "responseToken": tok})
        return fakebase.json_answer(404, {"status": 404, "message": "Not found"})

    def emit_dlr(self, pid, status, url=None):
        now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        with self.lock:
            m = self.messages.get(pid, {"to": "+40722334455", "webhook": None,
                                        "sent_at": "", "delivered_at": ""})
            m["status"] = status
            if status in ("sent", "delivered", "undelivered"):
                m["sent_at"] = m["sent_at"] or now
            if status == "delivered":
                m["delivered_at"] = now
        params = {"uuid": pid, "status": status, "sent_at": m["sent_at"],
                  "delivered_at": m["delivered_at"], "receiver[number]": m["to"],
                  "receiver[mcc]": "226", "receiver[mnc]": "01"}
        self.send_callback("POST", url or m.get("webhook") or self.args.callback_url,
                           {"Content-Type": "application/x-www-form-urlencoded"},
                           urllib.parse.urlencode(params).encode())

    def emit_mo(self, sender, to, text, url=None):
        with self.lock:
            last = self.messages[self.order[-1]] if self.order else {}
        params = {"body": text, "replied_to": last.get("uuid", ""),
                  "received_at": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
                  "sender[number]": sender, "sender[mcc]": "226", "sender[mnc]": "01"}
        self.send_callback("POST", url or last.get("replies") or self.args.mo_url,
                           {"Content-Type": "application/x-www-form-urlencoded"},
                           urllib.parse.urlencode(params).encode())


if __name__ == "__main__":
    fakebase.main(Smso)
