#!/usr/bin/env python3
"""fake_cequens.py — CEQUENS apis.cequens.com as CONTRACTS.md §7 describes it.

POST /auth/v1/tokens {"apiKey","userName"} -> {"data":{"access_token":<JWT with exp>}};
/_fake/expire-tokens revokes them (401 afterwards); a --api-token is accepted as a long-lived
Bearer. POST /sms/v1/messages (JSON) -> replyCode 0 with data.SentSMSIDs[].SMSId, or
replyCode != 0 / InvalidRecipients; GET /sms/v1/messages/{id} -> {"data":{"status":<code>}};
GET /accounts/balance (legacy, UNVERIFIED). Receipts are GET requests with query parameters
to dlrUrl; the names are UNVERIFIED and set by --dlr-params (default messageId,statusId,
clientMessageId,submitDate, matching the driver's defaults). No inbound (MO) webhook is
documented: only with --mo-fields from,to,text,id does /_fake/mo send one, as a GET with those
(UNVERIFIED) query parameters. Failure modes: the generic ones, "400" (the error object) and
"reply:N" (HTTP 200 with replyCode N).
"""
import base64
import json
import secrets
import time
import urllib.parse
import uuid

import fakebase


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Cequens(fakebase.Fake):
    name = "fake_cequens"

    @staticmethod
    def add_args(p):
        p.add_argument("--api-key", default="cq-key")
        p.add_argument("--user-name", default="cquser")
        p.add_argument("--api-token")
        p.add_argument("--token-ttl", type=int, default=86400)
        p.add_argument("--dlr-params", default="messageId,statusId,clientMessageId,submitDate")
        p.add_argument("--mo-fields", help="UNVERIFIED inbound format: from,to,text,id names")

    def __init__(self, args):
        super().__init__(args)
        self.tokens = {}

    def expire_tokens(self):
        with self.lock:
            self.tokens.clear()

    def _authed(self, req):
        auth = req.header("Authorization") or ""
        tok = auth[7:] if auth.startswith("Bearer ") else None
        if tok is not None and tok == self.args.api_token:
            return True
        with self.lock:
            return self.tokens.get(tok, 0) > time.time()

    def handle(self, req):
        if req.path.rstrip("/") == "/auth/v1/tokens" and req.method == "POST":
            o = req.json()
            if o.get("apiKey") != self.args.api_key or o.get("userName") != self.args.user_name:
                return fakebase.json_answer(401, {"replyCode": 1, "replyMessage": "Unauthorized"})
            exp = int(time.time()) + self.args.token_ttl
            tok = "%s.%s.%s" % (b64url(b'{"alg":"HS256"}'), b64url(json.dumps({"exp": exp})
                                                                   .encode()),
                                b64url(secrets.token_bytes(16)))
            with self.lock:
                self.tokens[tok] = exp
            return fakebase.json_answer(200, {"data": {"access_token": tok}})
        if not self._authed(req):
            return fakebase.json_answer(401, {"replyCode": 1, "replyMessage": "Unauthorized"})
        if req.path == "/accounts/balance":
            return fakebase.json_answer(200, {"data": {"balance": 99.5}})
        if req.path.startswith("/sms/v1/messages/") and req.method == "GET":
            with self.lock:
                m = self.messages.get(req.path.rsplit("/", 1)[1])
            if m is None:
                return fakebase.json_answer(404, {"replyCode": 4, "replyMessage": "Not found"})
            return fakebase.json_answer(200, {"replyCode": 0, "data": {"status": m["status"]}})
        if req.path != "/sms/v1/messages" or req.method != "POST":
            return fakebase.json_answer(404, {"replyCode": 4, "replyMessage": "Not found"})
        mode = self.take_failure()
        failed = fakebase.generic_failure(mode)
        if failed:
            return failed
        if mode == "400":
            return fakebase.json_answer(400, {"replyCode": 1, "error": {
                "status": 400, "description": "Invalid request", "internalErrors": []}})
        if mode and mode.startswith("reply:"):
            return fakebase.json_answer(200, {"replyCode": int(mode[6:]),
                                              "replyMessage": "Request failed"})
        o = req.json()
        if not o.get("senderName"):
            return fakebase.json_answer(200, {"replyCode": 3, "replyMessage": "Invalid sender"})
        if o.get("messageType") not in ("text", "unicode") or not o.get("messageText"):
            return fakebase.json_answer(400, {"replyCode": 1, "error": {
                "status": 400, "description": "Invalid request", "internalErrors": []}})
        ids, invalid = [], []
        for r in str(o.get("recipients", "")).split(","):
            if not r.isdigit():
                invalid.append(r)
                continue
            sid = str(uuid.uuid4())
            ids.append({"SMSId": sid})
            self.remember(sid, {"SMSId": sid, "to": r, "status": 17, "dlrUrl": o.get("dlrUrl"),
                                "text": o["messageText"]})
            if self.args.auto_dlr:
                self.emit_dlr(sid, self.args.auto_dlr)
        return fakebase.json_answer(200, {
            "replyCode": 0, "replyMessage": "Request handled successfully",
            "requestId": str(uuid.uuid4()), "clientRequestId": 0,
            "requestTime": time.strftime("%Y-%m-%dT%H:%M:%S.000"),
            "data": {"SentSMSIDs": ids, "InvalidRecipients": ",".join(invalid)}})

    def emit_dlr(self, pid, status, url=None):
        named = {"delivered": 1, "undelivered": 2}
        code = named[status] if status in named else int(status)
        with self.lock:
            m = self.messages.get(pid, {"dlrUrl": None})
            if pid in self.messages:
                m["status"] = code
        names = self.args.dlr_params.split(",")
        values = [pid, str(code), "0", time.strftime("%Y-%m-%dT%H:%M:%S.000")]
        q = urllib.parse.urlencode(dict(zip(names, values)))
        target = url or m.get("dlrUrl") or self.args.callback_url
        self.send_callback("GET", target + ("&" if "?" in target else "?") + q)

    def emit_mo(self, sender, to, text, url=None):
        params = fakebase.mapped_mo(self.args.mo_fields, sender, to, text, self.next_id("mo"))
        if params is None:
            raise ValueError("CEQUENS inbound webhook format is unknown (see --mo-fields)")
        target = url or self.args.mo_url
        self.send_callback("GET", target + ("&" if "?" in target else "?") +
                           urllib.parse.urlencode(params))


if __name__ == "__main__":
    fakebase.main(Cequens)
