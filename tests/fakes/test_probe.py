#!/usr/bin/env python3
"""test_probe.py — the C dialects against the Python fakes, through dialect_probe (blocking
libcurl, no engine): for every vendor a send the fake accepts, a receipt the fake emits (signed
where the vendor signs) that the C parser verifies and maps, failure modes (429, 5xx, vendor
errors) classified, poll and balance, and Eskiz/CEQUENS token expiry recovered by one re-login.

usage: test_probe.py /path/to/dialect_probe
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakebase  # noqa: E402
import fake_cequens  # noqa: E402
import fake_eskiz  # noqa: E402
import fake_playmobile  # noqa: E402
import fake_smso  # noqa: E402
import fake_twilio  # noqa: E402
import fake_veevo  # noqa: E402
import fake_vonage  # noqa: E402
from test_fakes import Sink, jcall  # noqa: E402

PROBE = None


def probe(dialect, cfg, *args, token_file=None):
    cmd = [PROBE] + (["--token-file", token_file] if token_file else []) + [
        dialect, json.dumps(cfg)] + list(args)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)


class Case(unittest.TestCase):
    fake_cls = None
    argv = []

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.sink = Sink()
        self.fake, self.port, self.srv = fakebase.start_in_thread(
            self.fake_cls, ["--log", os.path.join(self.tmp.name, "log.jsonl"),
                            "--callback-url", self.sink.url, "--mo-url", self.sink.url]
            + self.argv)
        self.base = "http://127.0.0.1:%d" % self.port

    def tearDown(self):
        self.srv.shutdown()
        self.srv.server_close()
        self.sink.close()
        self.tmp.cleanup()

    def fail_next(self, mode):
        self.assertEqual(jcall(self.port, "POST", "/_fake/fail", {"mode": mode})[0], 200)

    def callback(self, dialect, cfg, pid, status):
        """Has the fake emit a receipt, then feeds what arrived to the C parser."""
        jcall(self.port, "POST", "/_fake/dlr", {"id": pid, "status": status})
        method, path, headers, body = self.sink.next()
        fn = os.path.join(self.tmp.name, "body")
        with open(fn, "wb") as f:
            f.write(body)
        url = self.sink.url.split("/v1/")[0] + path
        hdrs = ["%s: %s" % (k, v) for k, v in headers.items()
                if k.lower() in ("content-type", "x-twilio-signature")]
        return probe(dialect, cfg, "callback", method, url, fn, *hdrs)


class Twilio(Case):
    fake_cls = fake_twilio.Twilio

    def test_all(self):
        cfg = {"account_sid": "AC" + "a" * 32, "auth_token": "tw_token_0123456789abcdef0123456",
               "base_url": self.base, "callback_url": self.sink.url}
        r = probe("twilio", cfg, "send", "+14155552345", "+14155550000", "Hello ✓", "1")
        self.assertEqual((r["rc"], r["outcome"], r["parts"]), (0, "accepted", 1))
        cb = self.callback("twilio", cfg, r["pmid"], "delivered")
        self.assertEqual((cb["rc"], cb["pmid"], cb["status"], cb["answer"]),
                         (0, r["pmid"], "delivered", 204))
        wrong = dict(cfg, auth_token="another_token_0123456789abcdef01")
        jcall(self.port, "POST", "/_fake/dlr", {"id": r["pmid"], "status": "failed"})
        method, path, headers, body = self.sink.next()
        fn = os.path.join(self.tmp.name, "b")
        with open(fn, "wb") as f:
            f.write(body)
        bad = probe("twilio", wrong, "callback", "POST", self.sink.url, fn,
                    "X-Twilio-Signature: " + headers["X-Twilio-Signature"],
                    "Content-Type: application/x-www-form-urlencoded")
        self.assertEqual((bad["rc"], bad["answer"]), (-11, 403))
        self.assertEqual(probe("twilio", cfg, "poll", r["pmid"])["status"], "failed")
        self.assertEqual(probe("twilio", cfg, "balance")["amount"], "12.50")
        self.assertEqual(probe("twilio", cfg, "send", "12345", "+1", "x")["outcome"], "rejected")
        self.fail_next("429")
        self.assertEqual(probe("twilio", cfg, "send", "+1555", "+1", "x")["outcome"], "throttled")
        self.fail_next("503")
        self.assertEqual(probe("twilio", cfg, "send", "+1555", "+1", "x")["outcome"], "temp-fail")
        r = probe("twilio", dict(cfg, auth_token="nope"), "send", "+1555", "+1", "x")
        self.assertEqual((r["outcome"], r["alert"]), ("rejected", 1))


class Vonage(Case):
    fake_cls = fake_vonage.Vonage
    argv = ["--signature-secret", "vsecret", "--signature-method", "sha512"]

    def test_all(self):
        cfg = {"api_key": "abcd1234", "api_secret": "s3cretpw", "base_url": self.base,
               "signature_secret": "vsecret", "signature_method": "sha512"}
        r = probe("vonage", cfg, "send", "+447700900000", "Acme", "b" * 300)
        self.assertEqual((r["outcome"], r["parts"], r["price"]),
                         ("accepted", 2, "0.06660000"))
        cb = self.callback("vonage", cfg, r["pmid"], "delivered")
        self.assertEqual((cb["rc"], cb["status"], cb["ref"]), (0, "delivered", "msg_probe_1"))
        signed = dict(cfg, sign_requests=True)
        del signed["api_secret"]
        self.assertEqual(probe("vonage", signed, "send", "+447700900000", "Acme",
                               "Hi")["outcome"], "accepted")
        self.fail_next("throttle")
        self.assertEqual(probe("vonage", cfg, "send", "+4477", "A", "x")["outcome"], "throttled")
        self.fail_next("quota")
        r = probe("vonage", cfg, "send", "+447700900000", "A", "x")
        self.assertEqual((r["outcome"], r["alert"]), ("rejected", 2))
        r = probe("vonage", dict(cfg, api_secret="wrong"), "send", "+447700900000", "A", "x")
        self.assertEqual((r["outcome"], r["code"], r["alert"]), ("rejected", "4", 1))
        self.assertEqual(probe("vonage", cfg, "balance")["amount"], "10.17127500")


class Eskiz(Case):
    fake_cls = fake_eskiz.Eskiz

    def test_all(self):
        cfg = {"email": "test@eskiz.uz", "password": "secret", "base_url": self.base + "/api",
               "callback_url": self.sink.url}
        tf = os.path.join(self.tmp.name, "token")
        r = probe("eskiz", cfg, "send", "+998901234567", "", "Salom", token_file=tf)
        self.assertEqual((r["outcome"], r["logins"]), ("accepted", 1))
        r2 = probe("eskiz", cfg, "send", "+998901234567", "", "Salom", token_file=tf)
        self.assertEqual((r2["outcome"], r2["logins"]), ("accepted", 0))  # cached token
        jcall(self.port, "POST", "/_fake/expire-tokens", {})
        r3 = probe("eskiz", cfg, "send", "+998901234567", "", "Salom", token_file=tf)
        self.assertEqual((r3["rc"], r3["outcome"], r3["logins"]), (0, "accepted", 1))
        cb = self.callback("eskiz", cfg, r["pmid"], "DELIVRD")
        self.assertEqual((cb["pmid"], cb["status"], cb["ref"]),
                         (r["pmid"], "delivered", "msg_probe_1"))
        self.assertEqual(probe("eskiz", cfg, "poll", r["pmid"], token_file=tf)["status"],
                         "delivered")
        self.assertEqual(probe("eskiz", cfg, "balance", token_file=tf)["amount"], "50000")
        self.assertEqual(probe("eskiz", cfg, "send", "+1555", "", "x",
                               token_file=tf)["outcome"], "rejected")
        self.fail_next("500")
        self.assertEqual(probe("eskiz", cfg, "send", "+998901234567", "", "x",
                               token_file=tf)["outcome"], "temp-fail")
        bad = probe("eskiz", dict(cfg, password="x"), "send", "+998901234567", "", "x")
        self.assertEqual(bad["login_rc"], -11)


class PlayMobile(Case):
    fake_cls = fake_playmobile.PlayMobile

    def test_all(self):
        cfg = {"base_url": self.base + "/broker-api", "login": "pmuser", "password": "pmpass",
               "from": "3700", "dlr_poll": True}
        r = probe("playmobile", cfg, "send", "+998901234567", "", "Test")
        self.assertEqual((r["outcome"], r["pmid"]), ("accepted", "msg_probe_1"))
        cb = self.callback("playmobile", cfg, r["pmid"], "delivered")
        self.assertEqual((cb["pmid"], cb["status"]), ("msg_probe_1", "delivered"))
        self.assertEqual(probe("playmobile", cfg, "poll", r["pmid"])["status"], "delivered")
        self.fail_next("100")
        self.assertEqual(probe("playmobile", cfg, "send", "+998901234567", "", "x")["outcome"],
                         "temp-fail")
        self.fail_next("102")
        r = probe("playmobile", cfg, "send", "+998901234567", "", "x")
        self.assertEqual((r["outcome"], r["alert"]), ("rejected", 3))


class Veevo(Case):
    fake_cls = fake_veevo.Veevo
    argv = ["--id-field", "MESSAGE_ID"]

    def test_all(self):
        cfg = {"hash": "veevo-hash", "base_url": self.base, "id_field": "MESSAGE_ID",
               "dlr_id_field": "id", "dlr_status_field": "status",
               "dlr_status_map": {"DELIVERED": "delivered"}}
        r = probe("veevo", cfg, "send", "+923001234567", "", "Hi")
        self.assertEqual((r["outcome"], r["pmid"]), ("accepted", "1"))
        cb = self.callback("veevo", cfg, r["pmid"], "DELIVERED")
        self.assertEqual((cb["pmid"], cb["status"]), ("1", "delivered"))
        self.assertEqual(probe("veevo", dict(cfg, hash="x"), "send", "+92300", "",
                               "Hi")["outcome"], "rejected")
        self.assertEqual(probe("veevo", dict(cfg, api="legacy"), "send", "+923001234567", "8583",
                               "Hi")["outcome"], "accepted")


class Smso(Case):
    fake_cls = fake_smso.Smso

    def test_all(self):
        cfg = {"api_key": "smso-key", "sender_id": "4", "base_url": self.base + "/api/v1",
               "callback_url": self.sink.url}
        r = probe("smso", cfg, "send", "+40722334455", "", "Buna")
        self.assertEqual(r["outcome"], "accepted")
        cb = self.callback("smso", cfg, r["pmid"], "delivered")
        self.assertEqual((cb["pmid"], cb["status"]), (r["pmid"], "delivered"))
        self.assertEqual(probe("smso", cfg, "poll", r["pmid"])["status"], "delivered")
        self.assertEqual(probe("smso", cfg, "balance")["amount"], "4847.72")
        self.fail_next("402")
        r = probe("smso", cfg, "send", "+40722334455", "", "x")
        self.assertEqual((r["outcome"], r["alert"]), ("rejected", 2))
        self.assertEqual(probe("smso", dict(cfg, sender_id="9"), "send", "+40722334455", "",
                               "x")["outcome"], "rejected")


class Cequens(Case):
    fake_cls = fake_cequens.Cequens

    def test_all(self):
        cfg = {"api_key": "cq-key", "user_name": "cquser", "base_url": self.base, "from": "Brand",
               "callback_url": self.sink.url, "balance_url": self.base + "/accounts/balance"}
        tf = os.path.join(self.tmp.name, "token")
        r = probe("cequens", cfg, "send", "+201012345678", "", "Hi", token_file=tf)
        self.assertEqual((r["outcome"], r["logins"]), ("accepted", 1))
        cb = self.callback("cequens", cfg, r["pmid"], "undelivered")
        self.assertEqual((cb["pmid"], cb["status"]), (r["pmid"], "undelivered"))
        self.assertEqual(probe("cequens", cfg, "poll", r["pmid"], token_file=tf)["status"],
                         "undelivered")
        jcall(self.port, "POST", "/_fake/expire-tokens", {})
        r = probe("cequens", cfg, "balance", token_file=tf)
        self.assertEqual((r["amount"], r["logins"]), ("99.5", 1))
        self.fail_next("429")
        self.assertEqual(probe("cequens", cfg, "send", "+2010", "", "Hi",
                               token_file=tf)["outcome"], "throttled")


if __name__ == "__main__":
    PROBE = sys.argv.pop(1)
    unittest.main(verbosity=1)
