#!/usr/bin/env python3
"""fake_eskiz.py — Eskiz.uz as CONTRACTS.md §3 describes it (paths under /api).

POST /api/auth/login (multipart email/password) -> JWT-shaped token with `exp` = now +
--token-ttl seconds; PATCH /api/auth/refresh; an expired or revoked token (POST
/_fake/expire-tokens) -> 401 {"status":"token-invalid","message":"Expired token"}.
POST /api/message/sms/send (multipart) -> {"id":uuid,"status":"waiting"}; a test account
(--test-account) only accepts the three test texts; GET /api/message/sms/status_by_id/{id};
GET /api/user/get-limit. Receipts are JSON POSTs to callback_url (no signature).
POST /api/message/sms/send-batch (JSON {messages:[{user_sms_id,to,text}],from,dispatch_id,
callback_url}) -> {"id":uuid,"message":…,"status":["waiting",…]}: one request id for the batch,
each message kept under "<id>#<user_sms_id>" (its /_fake/dlr id; its receipt carries the batch's
request_id and its own user_sms_id). How Eskiz reports an invalid entry is UNVERIFIED: here the
whole batch is refused (400, like a single send's validation error). Mode "batch-partial" answers
the last entry's status as "error" instead.
"""
import base64
import json
import secrets
import time
import uuid

import fakebase

TEST_TEXTS = ("Это тест от Eskiz", "Bu Eskiz dan test", "This is test from Eskiz")


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Eskiz(fakebase.Fake):
    name = "fake_eskiz"

    @staticmethod
    def add_args(p):
        p.add_argument("--email", default="test@eskiz.uz")
        p.add_argument("--password", default="secret")
        p.add_argument("--token-ttl", type=int, default=30 * 86400)
        p.add_argument("--balance", type=int, default=50000)
        p.add_argument("--test-account", action="store_true")

    def __init__(self, args):
        super().__init__(args)
        self.tokens = {}  # token -> exp

    def _token(self):
        exp = int(time.time()) + self.args.token_ttl
        head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = b64url(json.dumps({"exp": exp, "iat": int(time.time()), "role": "user",
                                  "sub": "11625"}).encode())
        tok = "%s.%s.%s" % (head, body, b64url(secrets.token_bytes(32)))
        with self.lock:
            self.tokens[tok] = exp
        return tok

    def expire_tokens(self):
        with self.lock:
            self.tokens.clear()

    def _authed(self, req):
        auth = req.header("Authorization") or ""
        tok = auth[7:] if auth.startswith("Bearer ") else None
        with self.lock:
            exp = self.tokens.get(tok)
        return exp is not None and exp > time.time()

    def _invalid(self):
        return fakebase.json_answer(401, {"status": "token-invalid", "message": "Expired token"})

    def handle(self, req):
        p = req.path
        if p == "/api/auth/login" and req.method == "POST":
            f = req.form()
            if (fakebase.first(f, "email") != self.args.email
                    or fakebase.first(f, "password") != self.args.password):
                return fakebase.json_answer(401, {"message": "Invalid credentials",
                                                  "status": "error"})
            return fakebase.json_answer(200, {"message": "token_generated",
                                              "data": {"token": self._token()},
                                              "token_type": "bearer"})
        if not self._authed(req):
            return self._invalid()
        if p == "/api/auth/refresh" and req.method == "PATCH":
            return fakebase.json_answer(200, {"message": "token_generated",
                                              "data": {"token": self._token()},
                                              "token_type": "bearer"})
        if p == "/api/user/get-limit":
            return fakebase.json_answer(200, {"status": "success",
                                              "data": {"balance": self.args.balance}})
        if p.startswith("/api/message/sms/status_by_id/"):
            with self.lock:
                m = self.messages.get(p.rsplit("/", 1)[1])
            if m is None:
                return fakebase.json_answer(404, {"status": "error", "message": "Not found"})
            return fakebase.json_answer(200, {"status": "success", "id": None, "data": {
                "id": m["sms_id"], "request_id": m["id"], "user_sms_id": m["user_sms_id"],
                "to": m["to"], "message": m["message"], "status": m["status"],
                "parts_count": 1, "parts": {"0": {"dlr_state": m["part"], "part_index": 0,
                                                  "accepted": True,
                                                  "dlr_time": "2024-05-31 22:02:32+05:00"}},
                "price": 50, "total_price": 50, "sent_at": "2024-05-31 22:02:27+00:00"}})
        if p == "/api/message/sms/send-batch" and req.method == "POST":
            return self._batch(req)
        if p == "/api/message/sms/send" and req.method == "POST":
            mode = self.take_failure()
            failed = fakebase.generic_failure(mode)
            if failed:
                return failed
            f = req.form()
            phone, text = fakebase.first(f, "mobile_phone", ""), fakebase.first(f, "message", "")
            if not phone.isdigit() or not phone.startswith("998") or len(phone) != 12:
                return fakebase.json_answer(400, {"status": "error", "message": {
                    "mobile_phone": ["The mobile phone format is invalid."]}})
            if self.args.test_account and text not in TEST_TEXTS:
                return fakebase.json_answer(400, {"status": "error", "message":
                                                  "This text is not allowed for a test account"})
            rid = str(uuid.uuid4())
            self.remember(rid, {"id": rid, "sms_id": int(self.next_id()) + 61359000, "to": phone,
                                "message": text, "from": fakebase.first(f, "from", "4546"),
                                "user_sms_id": fakebase.first(f, "user_sms_id"),
                                "callback": fakebase.first(f, "callback_url"),
                                "status": "NEW", "part": "NEW"})
            if self.args.auto_dlr:
                self.emit_dlr(rid, self.args.auto_dlr)
            return fakebase.json_answer(200, {"id": rid, "message": "Waiting for SMS provider",
                                              "status": "waiting"})
        return fakebase.json_answer(404, {"status": "error", "message": "Not found"})

    def _batch(self, req):
        mode = self.take_failure()
        failed = fakebase.generic_failure(mode)
        if failed:
            return failed
        try:
            o = req.json()
            msgs = o["messages"]
        except (ValueError, KeyError, TypeError):
            return fakebase.json_answer(400, {"status": "error", "message": "Invalid JSON"})
        for i, m in enumerate(msgs):
            phone = str(m.get("to", ""))
            if not phone.isdigit() or not phone.startswith("998") or len(phone) != 12:
                return fakebase.json_answer(400, {"status": "error", "message": {
                    "messages.%d.to" % i: ["The phone format is invalid."]}})
            if not m.get("text"):
                return fakebase.json_answer(400, {"status": "error", "message": {
                    "messages.%d.text" % i: ["The text field is required."]}})
        rid = str(uuid.uuid4())
        states = []
        for i, m in enumerate(msgs):
            if mode == "batch-partial" and i == len(msgs) - 1:
                states.append("error")
                continue
            key = "%s#%s" % (rid, m.get("user_sms_id"))
            self.remember(key, {"key": key, "id": rid, "sms_id": int(self.next_id()) + 61359000,
                                "to": str(m["to"]), "message": m["text"],
                                "from": o.get("from", "4546"),
                                "user_sms_id": m.get("user_sms_id"),
                                "callback": o.get("callback_url") or None,
                                "status": "NEW", "part": "NEW", "batch": True})
            states.append("waiting")
            if self.args.auto_dlr:
                self.emit_dlr(key, self.args.auto_dlr)
        return fakebase.json_answer(200, {"id": rid, "message": "Waiting for SMS provider",
                                          "status": states})

    def emit_dlr(self, pid, status, url=None):
        level = {"DELIVRD": "DELIVERED", "UNDELIV": "REJECTED", "REJECTD": "REJECTED",
                 "EXPIRED": "REJECTED"}.get(status, "ACCEPTED")
        with self.lock:
            m = self.messages.get(pid, {"sms_id": 1, "to": "998901234567", "user_sms_id": None})
            if pid in self.messages:
                m["status"], m["part"] = level, status
        body = {"request_id": m.get("id", pid), "message_id": str(m["sms_id"]),
                "user_sms_id": m.get("user_sms_id"), "country": "UZ", "phone_number": m["to"],
                "sms_count": "1", "status": status,
                "status_date": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}
        self.send_callback("POST", url or m.get("callback") or self.args.callback_url,
                           {"Content-Type": "application/json"}, json.dumps(body).encode())

    def emit_mo(self, sender, to, text, url=None):
        raise ValueError("Eskiz has no documented inbound webhook")


if __name__ == "__main__":
    fakebase.main(Eskiz)
