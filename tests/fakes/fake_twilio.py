#!/usr/bin/env python3
"""fake_twilio.py — Twilio Programmable Messaging as CONTRACTS.md §1 describes it.

POST /2010-04-01/Accounts/{sid}/Messages.json (Basic auth, form) -> 201 Message resource or
JSON errors (20003 401, 21211 bad To, 21602 no Body, 21617 too long, 20429 429, 500);
GET .../Messages/{sid}.json; GET .../Balance.json. Receipts go to the message's StatusCallback
(or --callback-url) and inbound messages to --mo-url, as form POSTs signed with
X-Twilio-Signature (vendorsig.twilio_signature with --auth-token).
Vendor failure modes: "21211", "21610", "30001" (answered as HTTP 400 with that code);
"429:<value>" answers 429 20429 with a Retry-After header of that value.
"""
import base64
import email.utils
import urllib.parse

import fakebase
import vendorsig


class Twilio(fakebase.Fake):
    name = "fake_twilio"

    @staticmethod
    def add_args(p):
        p.add_argument("--account-sid", default="AC" + "a" * 32)
        p.add_argument("--auth-token", default="tw_token_0123456789abcdef0123456")
        p.add_argument("--balance", default="12.50")

    def _error(self, http, code, msg, headers=None):
        return fakebase.json_answer(http, {
            "code": code, "message": msg, "status": http,
            "more_info": "https://www.twilio.com/docs/errors/%d" % code}, headers)

    def _resource(self, m):
        now = email.utils.formatdate(usegmt=False).replace("-0000", "+0000")
        return {"account_sid": self.args.account_sid, "api_version": "2010-04-01",
                "body": m["body"], "date_created": now, "date_sent": None, "date_updated": now,
                "direction": "outbound-api", "error_code": m.get("error_code"),
                "error_message": None, "from": m["from"], "messaging_service_sid": m["mss"],
                "num_media": "0", "num_segments": str(m["segments"]), "price": m.get("price"),
                "price_unit": "USD", "sid": m["sid"], "status": m["status"],
                "subresource_uris": {"media": "/2010-04-01/Accounts/%s/Messages/%s/Media.json"
                                              % (self.args.account_sid, m["sid"])},
                "to": m["to"], "uri": "/2010-04-01/Accounts/%s/Messages/%s.json"
                                      % (self.args.account_sid, m["sid"])}

    def handle(self, req):
        base = "/2010-04-01/Accounts/%s/" % self.args.account_sid
        auth = req.header("Authorization") or ""
        want = "Basic " + base64.b64encode(
            ("%s:%s" % (self.args.account_sid, self.args.auth_token)).encode()).decode()
        if auth != want:
            return self._error(401, 20003, "Authenticate")
        if not req.path.startswith(base):
            return self._error(404, 20404, "The requested resource was not found")
        tail = req.path[len(base):]
        if tail == "Balance.json" and req.method == "GET":
            return fakebase.json_answer(200, {"account_sid": self.args.account_sid,
                                              "balance": self.args.balance, "currency": "USD"})
        if tail == "Messages.json" and req.method == "POST":
            return self._send(req)
        if tail.startswith("Messages/") and tail.endswith(".json") and req.method == "GET":
            with self.lock:
                m = self.messages.get(tail[9:-5])
            if m is None:
                return self._error(404, 20404, "The requested resource was not found")
            return fakebase.json_answer(200, self._resource(m))
        return self._error(404, 20404, "The requested resource was not found")

    def _send(self, req):
        if "json" in (req.header("Content-Type") or ""):
            return 415, {"Content-Type": "text/plain"}, b"Unsupported Media Type"
        mode = self.take_failure()
        if mode == "429":
            return self._error(429, 20429, "Too Many Requests")
        if mode and mode.startswith("429:"):  # "429:<Retry-After value>"
            return self._error(429, 20429, "Too Many Requests", {"Retry-After": mode[4:]})
        failed = fakebase.generic_failure(mode)
        if failed:
            return failed
        if mode in ("21211", "21610", "30001"):
            return self._error(400, int(mode), "error %s" % mode)
        f = req.form()
        to, body = fakebase.first(f, "To"), fakebase.first(f, "Body")
        frm, mss = fakebase.first(f, "From"), fakebase.first(f, "MessagingServiceSid")
        if not to:
            return self._error(400, 21604, "A 'To' phone number is required.")
        if not to.startswith("+") or not to[1:].isdigit():
            return self._error(400, 21211, "The 'To' number %s is not a valid phone number." % to)
        if not frm and not mss:
            return self._error(400, 21603, "A 'From' phone number is required.")
        if not body:
            return self._error(400, 21602, "Message body is required.")
        if len(body) > 1600:
            return self._error(400, 21617, "The concatenated message body exceeds the 1600 "
                                           "character limit.")
        ucs2 = any(ord(c) > 127 for c in body)
        single, part = (70, 67) if ucs2 else (160, 153)
        segments = 1 if len(body) <= single else -(-len(body) // part)
        sid = "SM%032x" % int(self.next_id())
        m = {"sid": sid, "to": to, "from": frm, "mss": mss, "body": body, "segments": segments,
             "status": "queued", "callback": fakebase.first(f, "StatusCallback"),
             "price": "-%.5f" % (0.0075 * segments)}
        self.remember(sid, m)
        if self.args.auto_dlr:
            self.emit_dlr(sid, self.args.auto_dlr)
        return fakebase.json_answer(201, self._resource(m))

    def _post_signed(self, url, params):
        body = urllib.parse.urlencode(params).encode()
        sig = vendorsig.twilio_signature(self.args.auth_token, url, params)
        self.send_callback("POST", url, {"Content-Type": "application/x-www-form-urlencoded",
                                         "X-Twilio-Signature": sig}, body)

    def emit_dlr(self, pid, status, url=None):
        with self.lock:
            m = self.messages.get(pid, {"to": "+10000000000", "from": "+10000000001",
                                        "callback": None})
            if pid in self.messages:
                self.messages[pid]["status"] = status
        url = url or m.get("callback") or self.args.callback_url
        params = [("MessageSid", pid), ("SmsSid", pid), ("AccountSid", self.args.account_sid),
                  ("From", m.get("from") or ""), ("To", m["to"]), ("MessageStatus", status),
                  ("SmsStatus", status), ("ApiVersion", "2010-04-01")]
        if status in ("failed", "undelivered"):
            params.append(("ErrorCode", "30003"))
        if status in ("delivered", "undelivered"):
            params.append(("RawDlrDoneDate", "2411220142"))
        self._post_signed(url, params)

    def emit_mo(self, sender, to, text, url=None):
        sid = "SM%032x" % (0x10000000 + int(self.next_id()))
        params = [("MessageSid", sid), ("SmsSid", sid), ("SmsMessageSid", sid),
                  ("AccountSid", self.args.account_sid), ("From", sender), ("To", to),
                  ("Body", text), ("NumMedia", "0"), ("NumSegments", "1"), ("FromCountry", "US")]
        self._post_signed(url or self.args.mo_url, params)


if __name__ == "__main__":
    fakebase.main(Twilio)
