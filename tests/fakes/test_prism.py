#!/usr/bin/env python3
"""test_prism.py — contract check of the Twilio, Vonage and Eskiz dialects against the
official/community OpenAPI specs (../shared/providers): Prism (npm @stoplight/prism-cli) runs in
proxy mode with --errors in front of each fake, so any request or response that violates the
spec turns into an error answer; dialect_probe sends through it. A deliberately broken request
per vendor proves violations are caught.

usage: test_prism.py /path/to/dialect_probe /path/to/specs   (PRISM=path/to/prism;
       SMSHUB_PROVIDER_SPECS when the specs are elsewhere)
Exits 77 (skipped) when Prism is not installed.

Spec adjustments (made on a temporary copy, never on the stored specs):
- Vonage sms.yml: the server URL's path (/sms) is folded into the paths (Prism ignores server
  paths), and the 200 answer's `oneOf: [SMS, Error]` becomes `anyOf` — both schemas accept every
  answer (no required fields), so `oneOf` can never match exactly one: a defect of the spec.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

try:
    import yaml
except ImportError:  # PyYAML missing: skip like a missing Prism
    yaml = None

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = SPECS = PRISM = None


def find_prism():
    for c in (os.environ.get("PRISM"), shutil.which("prism"), "/tmp/prism/node_modules/.bin/prism"):
        if c and os.path.exists(c):
            return c
    return None


def wait_port_file(path, proc, deadline=20):
    end = time.time() + deadline
    while time.time() < end:
        if os.path.exists(path):
            return int(open(path).read())
        if proc.poll() is not None:
            raise RuntimeError("process exited")
        time.sleep(0.05)
    raise RuntimeError("no port file")


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class PrismCase(unittest.TestCase):
    fake = None
    spec = None  # path, or a callable(tmpdir) -> path

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.procs = []
        pf = os.path.join(self.tmp, "port")
        fake = subprocess.Popen([sys.executable, os.path.join(HERE, self.fake), "--log",
                                 os.path.join(self.tmp, "log.jsonl"), "--port-file", pf],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(fake)
        fport = wait_port_file(pf, fake)
        spec = self.spec(self.tmp) if callable(self.spec) else os.path.join(SPECS, self.spec)
        self.port = free_port()
        self.prism_log = open(os.path.join(self.tmp, "prism.log"), "w")
        prism = subprocess.Popen([PRISM, "proxy", spec, "http://127.0.0.1:%d" % fport,
                                  "--errors", "-h", "127.0.0.1", "-p", str(self.port)],
                                 stdout=self.prism_log, stderr=subprocess.STDOUT)
        self.procs.append(prism)
        end = time.time() + 60
        while time.time() < end:
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/" % self.port, timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        self.base = "http://127.0.0.1:%d" % self.port
        self.prism_log.flush()
        time.sleep(0.2)
        self.log_start = os.path.getsize(os.path.join(self.tmp, "prism.log"))

    def tearDown(self):
        for p in self.procs:
            p.terminate()
            p.wait(timeout=10)
        self.prism_log.close()
        shutil.rmtree(self.tmp)

    def probe(self, dialect, cfg, *args, token_file=None):
        cmd = [PROBE] + (["--token-file", token_file] if token_file else []) + [
            dialect, json.dumps(cfg)] + list(args)
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True)
        return json.loads(out.stdout)

    def violations(self):
        with open(os.path.join(self.tmp, "prism.log"), encoding="utf-8") as f:
            f.seek(self.log_start)
            return [line for line in f if "VIOLATION" in line.upper() or "✖" in line]

    def raw(self, method, path, body, ctype, auth=None):
        h = {"Content-Type": ctype}
        if auth:
            h["Authorization"] = auth
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()


def vonage_spec(tmp):
    d = yaml.safe_load(open(os.path.join(SPECS, "vonage", "sms.yml")))
    base = d["servers"][0]["url"].split("nexmo.com", 1)[1]
    d["paths"] = {base + p: v for p, v in d["paths"].items()}
    d["servers"] = [{"url": "http://127.0.0.1"}]
    ok = d["paths"][base + "/{format}"]["post"]["responses"]["200"]["content"]
    for media in ok.values():
        media["schema"] = {"anyOf": media["schema"]["oneOf"]}
    path = os.path.join(tmp, "vonage-sms.json")
    with open(path, "w") as f:
        json.dump(d, f, default=str)
    return path


class Vonage(PrismCase):
    fake = "fake_vonage.py"
    spec = staticmethod(vonage_spec)

    def test_contract(self):
        cfg = {"api_key": "abcd1234", "api_secret": "s3cretpw", "base_url": self.base,
               "callback_url": "https://hub.example/v1/callbacks/vonage/t"}
        for args in (("+447700900000", "Acme", "Hello"), ("+447700900000", "Acme", "Привет", "1"),
                     ("+447700900000", "Acme", "x" * 400)):
            r = self.probe("vonage", cfg, "send", *args)
            self.assertEqual(r["outcome"], "accepted", r)
        r = self.probe("vonage", dict(cfg, api_secret="wrong1"), "send", "+447700900000", "A", "x")
        self.assertEqual(r["code"], "4")
        self.assertEqual(self.violations(), [])
        # broken: `to` is required by the spec
        st, body = self.raw("POST", "/sms/json", b"api_key=abcd1234&api_secret=s3cretpw&from=A"
                            b"&text=x", "application/x-www-form-urlencoded")
        self.assertEqual(st, 422, body)
        self.assertIn(b"prism", body)


class Twilio(PrismCase):
    fake = "fake_twilio.py"
    spec = os.path.join("twilio", "twilio_api_v2010.json")

    def test_contract(self):
        cfg = {"account_sid": "AC" + "a" * 32, "auth_token": "tw_token_0123456789abcdef0123456",
               "base_url": self.base, "callback_url": "https://hub.example/v1/callbacks/twilio/t",
               "validity_period_s": 600}
        r = self.probe("twilio", cfg, "send", "+14155552345", "+14155550000", "Hello ✓", "1")
        self.assertEqual(r["outcome"], "accepted", r)
        self.assertEqual(self.probe("twilio", cfg, "poll", r["pmid"])["rc"], 0)
        self.assertEqual(self.probe("twilio", cfg, "balance")["amount"], "12.50")
        self.assertEqual(self.violations(), [])
        # broken: JSON instead of a form
        st, body = self.raw("POST", "/2010-04-01/Accounts/%s/Messages.json" % cfg["account_sid"],
                            b'{"To":"+1"}', "application/json", "Basic " + base64.b64encode(
                                ("%s:%s" % (cfg["account_sid"], cfg["auth_token"])).encode())
                            .decode())
        self.assertIn(st, (415, 422), body)
        self.assertIn(b"prism", body)


class Eskiz(PrismCase):
    fake = "fake_eskiz.py"
    spec = os.path.join("eskiz", "openapi.community-iota-uz.yaml")

    def test_contract(self):
        cfg = {"email": "test@eskiz.uz", "password": "secret", "base_url": self.base + "/api",
               "callback_url": "https://hub.example/v1/callbacks/eskiz/t"}
        tf = os.path.join(self.tmp, "token")
        r = self.probe("eskiz", cfg, "send", "+998901234567", "", "Salom", token_file=tf)
        self.assertEqual(r["outcome"], "accepted", r)
        self.assertEqual(self.probe("eskiz", cfg, "poll", r["pmid"], token_file=tf)["rc"], 0)
        self.assertEqual(self.probe("eskiz", cfg, "balance", token_file=tf)["rc"], 0)
        self.assertEqual(self.violations(), [])
        # broken: the batch endpoint takes JSON, not a form
        st, body = self.raw("POST", "/api/message/sms/send-batch", b"messages=1",
                            "application/x-www-form-urlencoded", "Bearer x")
        self.assertIn(st, (415, 422), body)
        self.assertIn(b"prism", body)


if __name__ == "__main__":
    PROBE, SPECS = sys.argv.pop(1), sys.argv.pop(1)
    if not os.path.isdir(SPECS):
        SPECS = os.environ.get("SMSHUB_PROVIDER_SPECS", SPECS)
    PRISM = find_prism()
    if not os.path.isdir(SPECS):
        print("provider specs not found (set SMSHUB_PROVIDER_SPECS): skipped")
        sys.exit(77)
    if PRISM is None or yaml is None:
        print("prism not installed (npm install @stoplight/prism-cli): skipped")
        sys.exit(77)
    unittest.main(verbosity=1)
