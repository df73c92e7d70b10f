#!/usr/bin/env python3
"""fake_veevo.py — Veevo Tech as CONTRACTS.md §5 describes it.

POST /v3/sendsms (JSON or query: hash, receivernum, sendernum, textmessage) and the legacy
GET|POST /sendsms (receivenum) -> JSON {"STATUS":"SUCCESSFUL"|"ERROR","ERROR_FILTER",
"ERROR_CODE","ERROR_DESCRIPTION"}. The message-id field is UNVERIFIED; with --id-field the
answer carries one under that name. No status/DLR or balance API is known; /_fake/dlr posts a
form {id,status} to --callback-url for the configurable mapping, and with --mo-fields
from,to,text,id /_fake/mo posts an inbound message as a form with those (UNVERIFIED) names.
Failure modes: the generic ones, and a number N answers {"STATUS":"ERROR","ERROR_CODE":N}.
"""
import urllib.parse

import fakebase


class Veevo(fakebase.Fake):
    name = "fake_veevo"

    @staticmethod
    def add_args(p):
        p.add_argument("--hash", default="veevo-hash")
        p.add_argument("--id-field")
        p.add_argument("--mo-fields", help="UNVERIFIED inbound format: from,to,text,id names")

    def _err(self, flt, code, text):
        return fakebase.json_answer(200, {"STATUS": "ERROR", "ERROR_FILTER": flt,
                                          "ERROR_CODE": code, "ERROR_DESCRIPTION": text})

    def handle(self, req):
        if req.path == "/v3/sendsms":
            p = {k: v[0] for k, v in req.query.items()}
            if req.body:
                p.update(req.json())
            num_key = "receivernum"
        elif req.path == "/sendsms":
            p = {k: v[0] for k, v in req.query.items()}
            if req.method == "POST" and req.body:
                p.update({k: v[0] for k, v in req.form().items()})
            num_key = "receivenum"
        else:
            return fakebase.json_answer(404, {"STATUS": "ERROR"})
        mode = self.take_failure()
        failed = fakebase.generic_failure(mode)
        if failed:
            return failed
        if mode and mode.isdigit():
            return self._err("", int(mode), "error %s" % mode)
        if p.get("hash") != self.args.hash:
            return self._err("hash", 101, "Invalid hash")
        num = str(p.get(num_key, ""))
        if not num.lstrip("+").isdigit():
            return self._err(num_key, 102, "Invalid receiver number")
        if not p.get("textmessage"):
            return self._err("textmessage", 103, "Empty message")
        mid = self.next_id()
        self.remember(mid, {"id": mid, "to": num, "text": p["textmessage"]})
        out = {"STATUS": "SUCCESSFUL", "ERROR_FILTER": "", "ERROR_CODE": "",
               "ERROR_DESCRIPTION": ""}
        if self.args.id_field:
            out[self.args.id_field] = mid
        return fakebase.json_answer(200, out)

    def emit_dlr(self, pid, status, url=None):
        self.send_callback("POST", url or self.args.callback_url,
                           {"Content-Type": "application/x-www-form-urlencoded"},
                           urllib.parse.urlencode({"id": pid, "status": status}).encode())

    def emit_mo(self, sender, to, text, url=None):
        params = fakebase.mapped_mo(self.args.mo_fields, sender, to, text, self.next_id("mo"))
        if params is None:
            raise ValueError("Veevo inbound format is unknown (see --mo-fields)")
        self.send_callback("POST", url or self.args.mo_url,
                           {"Content-Type": "application/x-www-form-urlencoded"},
                           urllib.parse.urlencode(params).encode())


if __name__ == "__main__":
    fakebase.main(Veevo)
