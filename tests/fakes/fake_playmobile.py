#!/usr/bin/env python3
"""fake_playmobile.py — PlayMobile broker-api as CONTRACTS.md §4 describes it.

POST /broker-api/send (JSON, Basic auth) -> 200 "Request is received"; 400
{"error-code":N,"error-description":…} for validation errors (202 empty recipient, 205 empty
message-id, 404 empty content, 401 empty originator) and on demand (mode "100", "102", …);
401 without valid Basic auth. A repeated message-id is accepted again without a second send
(the dedup the hub relies on). UNVERIFIED parts, modelled so the config flags can be tested:
POST /broker-api/get-status {"message-id":[id]} -> {"messages":[{"message-id","status"}]} and
receipts as JSON POSTs {"message-id","status"} to --callback-url. No inbound (MO) format is
known either: only with --mo-fields from,to,text,id does /_fake/mo post a JSON object with those
names (to --mo-url or the given url), for the hub's configurable mapping.
"""
import base64
import json

import fakebase


class PlayMobile(fakebase.Fake):
    name = "fake_playmobile"

    @staticmethod
    def add_args(p):
        p.add_argument("--login", default="pmuser")
        p.add_argument("--password", default="pmpass")
        p.add_argument("--mo-fields", help="UNVERIFIED inbound format: from,to,text,id names")

    def _err(self, code, text):
        return fakebase.json_answer(400, {"error-code": code, "error-description": text})

    def handle(self, req):
        want = "Basic " + base64.b64encode(
            ("%s:%s" % (self.args.login, self.args.password)).encode()).decode()
        if req.header("Authorization") != want:
            return 401, {"Content-Type": "text/plain"}, b"Unauthorized"
        if req.path == "/broker-api/get-status" and req.method == "POST":
            ids = req.json().get("message-id", [])
            with self.lock:
                out = [{"message-id": i, "status": self.messages[i]["status"]}
                       for i in ids if i in self.messages]
            return fakebase.json_answer(200, {"messages": out})
        if req.path != "/broker-api/send" or req.method != "POST":
            return 404, {"Content-Type": "text/plain"}, b"Not found"
        mode = self.take_failure()
        failed = fakebase.generic_failure(mode)
        if failed:
            return failed
        if mode and mode.isdigit():
            return self._err(int(mode), "error %s" % mode)
        try:
            msgs = req.json()["messages"]
        except (ValueError, KeyError, TypeError):
            return self._err(101, "Syntax error")
        for m in msgs:
            if not m.get("recipient"):
                return self._err(202, "Empty recipient")
            if not m.get("message-id"):
                return self._err(205, "Empty message-id")
            sms = m.get("sms") or {}
            if not sms.get("originator"):
                return self._err(401, "Empty originator")
            if not (sms.get("content") or {}).get("text"):
                return self._err(404, "Empty content")
        for m in msgs:
            mid = m["message-id"]
            with self.lock:
                dup = mid in self.messages
            if not dup:
                self.remember(mid, {"message-id": mid, "recipient": m["recipient"],
                                    "text": m["sms"]["content"]["text"], "status": "transmitted"})
                if self.args.auto_dlr:
                    self.emit_dlr(mid, self.args.auto_dlr)
        return 200, {"Content-Type": "text/plain"}, b"Request is received"

    def emit_dlr(self, pid, status, url=None):
        with self.lock:
            if pid in self.messages:
                self.messages[pid]["status"] = status
        self.send_callback("POST", url or self.args.callback_url,
                           {"Content-Type": "application/json"},
                           json.dumps({"message-id": pid, "status": status}).encode())

    def emit_mo(self, sender, to, text, url=None):
        params = fakebase.mapped_mo(self.args.mo_fields, sender, to, text, self.next_id("mo"))
        if params is None:
            raise ValueError("PlayMobile inbound format is unknown (see --mo-fields)")
        self.send_callback("POST", url or self.args.mo_url, {"Content-Type": "application/json"},
                           json.dumps(params).encode())


if __name__ == "__main__":
    fakebase.main(PlayMobile)
