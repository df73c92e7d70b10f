#!/usr/bin/env python3
"""fake_vonage.py — Vonage (Nexmo) SMS API as CONTRACTS.md §2 describes it.

POST /sms/json (form; api_key + api_secret, or api_key + timestamp + sig when
--signature-secret is set) -> always HTTP 200 with messages[] (one per part: 153/67 chars),
errors as a non-zero status (2 missing param, 4 bad credentials, 14 bad signature, 1 throttled
with mode "throttle", 9 quota with mode "quota", 5 internal with mode "internal").
GET /account/get-balance. Receipts (one per part) go to the `callback` param or --callback-url
as GET query, POST form or POST JSON (--dlr-method), signed with `sig` when --signature-secret is
set (--signature-method md5hash|md5|sha1|sha256|sha512).
"""
import json
import time
import urllib.parse
import uuid

import fakebase
import vendorsig


class Vonage(fakebase.Fake):
    name = "fake_vonage"

    @staticmethod
    def add_args(p):
        p.add_argument("--api-key", default="abcd1234")
        p.add_argument("--api-secret", default="s3cretpw")
        p.add_argument("--signature-secret")
        p.add_argument("--signature-method", default="md5hash")
        p.add_argument("--dlr-method", default="POST-JSON",
                       choices=["GET", "POST-FORM", "POST-JSON"])
        p.add_argument("--balance", type=float, default=10.171275)

    def _err(self, code, text):
        return fakebase.json_answer(200, {"message-count": "1",
                                          "messages": [{"status": str(code), "error-text": text}]})

    def _params(self, req):
        p = {k: v[0] for k, v in req.query.items()}
        if req.method == "POST":
            p.update({k: v[0] for k, v in req.form().items()})
        return p

    def _auth_ok(self, p):
        if p.get("api_key") != self.args.api_key:
            return False
        if "sig" in p and self.args.signature_secret:
            want = vendorsig.vonage_signature(self.args.signature_method,
                                              self.args.signature_secret, p)
            return want.lower() == p["sig"].lower() and "api_secret" not in p
        return p.get("api_secret") == self.args.api_secret

    def handle(self, req):
        if req.path == "/account/get-balance":
            p = self._params(req)
            if not self._auth_ok(p):
                return fakebase.json_answer(401, {"error-code": "401",
                                                  "error-code-label": "authentication failed"})
            return fakebase.json_answer(200, {"value": self.args.balance, "autoReload": False})
        if req.path != "/sms/json" or req.method != "POST":
            return fakebase.json_answer(404, {"error": "not found"})
        mode = self.take_failure()
        failed = fakebase.generic_failure(mode)
        if failed:
            return failed
        if mode == "throttle":
            return self._err(1, "Throughput Rate Exceeded - please wait [ 1000 ] and retry")
        if mode == "internal":
            return self._err(5, "Internal Error")
        if mode == "quota":
            return self._err(9, "Partner quota exceeded")
        p = self._params(req)
        if "sig" in p and "api_secret" in p:
            return self._err(32, "Signature and API secret cannot be used together")
        if not self._auth_ok(p):
            return self._err(14 if "sig" in p else 4, "Bad Credentials")
        for k in ("from", "to"):
            if not p.get(k):
                return self._err(2, "Missing %s param" % k)
        if not p.get("text") and p.get("type", "text") in ("text", "unicode"):
            return self._err(2, "Missing text param")
        to = p["to"]
        if not to.isdigit() or not 7 <= len(to) <= 15:
            return self._err(3, "Invalid to param")
        text = p["text"]
        unicode_ = p.get("type") == "unicode"
        if not unicode_ and any(ord(c) > 255 for c in text):
            text = text.encode("ascii", "replace").decode()  # what Vonage does to non-GSM text
        single, part = (70, 67) if unicode_ else (160, 153)
        chunks = [text] if len(text) <= single else [text[i:i + part]
                                                     for i in range(0, len(text), part)]
        out = []
        for _ in chunks:
            mid = "0A%014X" % int(self.next_id())
            out.append({"to": to, "message-id": mid, "status": "0",
                        "remaining-balance": "%.8f" % self.args.balance,
                        "message-price": "0.03330000", "network": "12345",
                        **({"client-ref": p["client-ref"]} if "client-ref" in p else {})})
            self.remember(mid, {"message-id": mid, "to": to, "from": p["from"], "text": text,
                                "client-ref": p.get("client-ref"), "callback": p.get("callback"),
                                "parts": len(chunks)})
            if self.args.auto_dlr:
                self.emit_dlr(mid, self.args.auto_dlr)
        return fakebase.json_answer(200, {"message-count": str(len(out)), "messages": out})

    def _deliver(self, url, params):
        if self.args.signature_secret:
            params["timestamp"] = str(int(time.time()))
            params["nonce"] = str(uuid.uuid4())
            params["sig"] = vendorsig.vonage_signature(self.args.signature_method,
                                                       self.args.signature_secret, params)
        if self.args.dlr_method == "GET":
            sep = "&" if "?" in url else "?"
            self.send_callback("GET", url + sep + urllib.parse.urlencode(params))
        elif self.args.dlr_method == "POST-FORM":
            self.send_callback("POST", url, {"Content-Type": "application/x-www-form-urlencoded"},
                               urllib.parse.urlencode(params).encode())
        else:
            self.send_callback("POST", url, {"Content-Type": "application/json"},
                               json.dumps(params).encode())

    def emit_dlr(self, pid, status, url=None):
        with self.lock:
            m = self.messages.get(pid, {"to": "447700900000", "from": "Acme"})
        params = {"msisdn": m["to"], "to": m["from"], "network-code": "23410", "messageId": pid,
                  "price": "0.03330000", "status": status,
                  "scts": time.strftime("%y%m%d%H%M", time.gmtime()),
                  "err-code": "0" if status in ("delivered", "accepted", "buffered") else "1",
                  "api-key": self.args.api_key,
                  "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}
        if m.get("client-ref"):
            params["client-ref"] = m["client-ref"]
        self._deliver(url or m.get("callback") or self.args.callback_url, params)

    def emit_mo(self, sender, to, text, url=None):
        params = {"api-key": self.args.api_key, "msisdn": sender, "to": to,
                  "messageId": "0B%014X" % int(self.next_id()), "text": text,
                  "type": "unicode" if any(ord(c) > 127 for c in text) else "text",
                  "keyword": (text.split() or [""])[0].upper(),
                  "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}
        self._deliver(url or self.args.mo_url, params)


if __name__ == "__main__":
    fakebase.main(Vonage)
