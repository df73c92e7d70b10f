#!/usr/bin/env python3
"""test_prism.py — contract check of the Twilio, Vonage and Eskiz dialects against the
official/community OpenAPI specs (tests/fakes/specs/, copies with their sources): Prism (npm
@stoplight/prism-cli) runs in proxy mode with --errors in front of each fake, so any request or
response that violates the spec turns into an error answer; dialect_probe sends through it. A
deliberately broken request per vendor proves violations are caught.

usage: test_prism.py /path/to/dialect_probe [/path/to/specs]
Prism: $PRISM when set, else the pinned version (PRISM_VERSION) installed once with npm into a
cache directory ($SMSHUB_CACHE_DIR, default ~/.cache/smshub) and reused. Exits 77 (skipped)
only when npm is not installed or the npm registry cannot be reached; a failing install with
the registry reachable is a test failure.

Spec adjustments (made on temporary copies, never on the stored specs):
- Vonage sms.yml: the server URL's path (/sms) is folded into the paths (Prism ignores server
  paths), and the 200 answer's `oneOf: [SMS, Error]` becomes `anyOf` — both schemas accept every
  answer (no required fields), so `oneOf` can never match exactly one: a defect of the spec.
- Vonage account.yml: the per-path `servers` are dropped (Prism proxies to the fake anyway).
"""
import base64
import fcntl
import hashlib
import json
import lzma
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = SPECS = PRISM = None
PRISM_VERSION = "5.14.2"
NPM_TIMEOUT_S = 240
SPEC_SHA256 = {
    "twilio/twilio_api_v2010.json":
        "99cae87a6bb1725f71363364cbd30282a13140374b2d5f9bdd5bdfa5d4c8a6d7",
    "vonage/sms.yml": "cc6d6324057ea3511fbadebb19b251428e3676f98d24928e4bee125f67ba63f4",
    "vonage/account.yml": "7c9cd13715c219707c9d869b41310e0fb17005591ae5ab8a2b9c82b5aa385e26",
    "eskiz/openapi.community-iota-uz.yaml":
        "2a82dd983eecdd347bfa6b23a0e41f6a9b24ff0f5e3c2d6044cb672aa06c68b1",
}


def skip(why):
    print("%s: skipped" % why)
    sys.exit(77)


def npm_reachable(npm):
    try:
        r = subprocess.run([npm, "ping", "--fetch-retries=0", "--fetch-timeout=15000"],
                           capture_output=True, timeout=30)
    except subprocess.TimeoutExpired:
        return False
    return r.returncode == 0


def install_prism():
    """Path of the pinned Prism, installed into the cache directory when missing."""
    cache = os.environ.get("SMSHUB_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "smshub")
    try:
        os.makedirs(os.path.join(cache, "npm"), exist_ok=True)
    except OSError:  # a read-only home: the temporary directory, still reused between runs
        cache = os.path.join(tempfile.gettempdir(), "smshub-cache")
    home = os.path.join(cache, "npm", "prism-cli-%s" % PRISM_VERSION)
    exe = os.path.join(home, "node_modules", ".bin", "prism")
    if os.path.exists(exe):
        return exe
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        skip("npm/node not installed (tools/deps.sh installs them)")
    os.makedirs(os.path.dirname(home), exist_ok=True)
    with open(home + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one install at a time (parallel test runs)
        if os.path.exists(exe):
            return exe
        tmp = tempfile.mkdtemp(prefix="prism-", dir=os.path.dirname(home))
        try:
            r = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--no-save",
                                "--prefer-offline", "--fetch-retries=2", "--fetch-timeout=30000",
                                "--prefix", tmp, "@stoplight/prism-cli@" + PRISM_VERSION],
                               capture_output=True, timeout=NPM_TIMEOUT_S)
            ok = r.returncode == 0 and os.path.exists(
                os.path.join(tmp, "node_modules", ".bin", "prism"))
            if not ok:
                if not npm_reachable(npm):
                    skip("the npm registry is unreachable, Prism cannot be installed")
                sys.stderr.write(r.stderr.decode("utf-8", "replace")[-2000:])
                raise SystemExit("npm install @stoplight/prism-cli@%s failed" % PRISM_VERSION)
            os.rename(tmp, home)
            tmp = None
        except subprocess.TimeoutExpired:
            if not npm_reachable(npm):
                skip("the npm registry is unreachable, Prism cannot be installed")
            raise SystemExit("npm install timed out after %d s" % NPM_TIMEOUT_S)
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
    return exe


def find_prism():
    return os.environ.get("PRISM") or install_prism()


def spec_bytes(rel):
    """A stored spec's bytes (the Twilio one is stored xz-compressed), digest checked."""
    path = os.path.join(SPECS, rel)
    if os.path.exists(path):
        data = open(path, "rb").read()
    else:
        with lzma.open(path + ".xz") as f:
            data = f.read()
    got = hashlib.sha256(data).hexdigest()
    if got != SPEC_SHA256[rel]:
        raise AssertionError("%s changed (sha256 %s), see specs/SOURCES.md" % (rel, got))
    return data


def load_yaml(rel):
    """A YAML spec as Python data: PyYAML when present, else the js-yaml Prism ships."""
    data = spec_bytes(rel)
    try:
        import yaml
        return yaml.safe_load(data)
    except ImportError:
        pass
    mods = os.path.dirname(os.path.dirname(os.path.abspath(PRISM)))  # node_modules/.bin/..
    js = ("const y=require('js-yaml');let s='';process.stdin.on('data',d=>s+=d);"
          "process.stdin.on('end',()=>{let o;try{o=y.safeLoad(s)}catch(e){o=y.load(s)}"
          "process.stdout.write(JSON.stringify(o))})")
    out = subprocess.run(["node", "-e", js], input=data, capture_output=True, check=True,
                         timeout=60, env=dict(os.environ, NODE_PATH=mods))
    return json.loads(out.stdout)


def write_spec(tmp, name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else json.dumps(data, default=str).encode())
    return path


def wait_port_file(path, proc, deadline=20):
    end = time.time() + deadline
    while time.time() < end:
        if os.path.exists(path):
            with open(path) as f:
                return int(f.read())
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
    spec = None  # callable(tmpdir) -> path of the spec file Prism reads

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.procs = []
        self.prism_log = None
        self.addCleanup(self.stop_all)  # also when setUp fails half-way
        pf = os.path.join(self.tmp, "port")
        fake = subprocess.Popen([sys.executable, os.path.join(HERE, self.fake), "--log",
                                 os.path.join(self.tmp, "log.jsonl"), "--port-file", pf],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(fake)
        fport = wait_port_file(pf, fake)
        spec = self.spec(self.tmp)
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

    def stop_all(self):
        for p in self.procs:
            p.terminate()
            p.wait(timeout=10)
        if self.prism_log is not None:
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
    d = load_yaml("vonage/sms.yml")
    base = d["servers"][0]["url"].split("nexmo.com", 1)[1]
    d["paths"] = {base + p: v for p, v in d["paths"].items()}
    d["servers"] = [{"url": "http://127.0.0.1"}]
    ok = d["paths"][base + "/{format}"]["post"]["responses"]["200"]["content"]
    for media in ok.values():
        media["schema"] = {"anyOf": media["schema"]["oneOf"]}
    return write_spec(tmp, "vonage-sms.json", d)


def vonage_account_spec(tmp):
    d = load_yaml("vonage/account.yml")
    for item in d["paths"].values():
        item.pop("servers", None)
    d["servers"] = [{"url": "http://127.0.0.1"}]
    return write_spec(tmp, "vonage-account.json", d)


def twilio_spec(tmp):
    return write_spec(tmp, "twilio.json", spec_bytes("twilio/twilio_api_v2010.json"))


def eskiz_spec(tmp):
    return write_spec(tmp, "eskiz.yaml", spec_bytes("eskiz/openapi.community-iota-uz.yaml"))


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


class VonageAccount(PrismCase):
    fake = "fake_vonage.py"
    spec = staticmethod(vonage_account_spec)

    def test_contract(self):
        cfg = {"api_key": "abcd1234", "api_secret": "s3cretpw", "base_url": self.base}
        r = self.probe("vonage", cfg, "balance")
        self.assertEqual((r["rc"], r["amount"], r["currency"]), (0, "10.17127500", "EUR"), r)
        self.assertEqual(self.violations(), [])
        # broken: the balance is a GET
        st, body = self.raw("DELETE", "/account/get-balance?api_key=abcd1234&api_secret=s3cretpw",
                            None, "application/json")
        self.assertIn(st, (404, 405, 422), body)
        self.assertIn(b"prism", body)


class Twilio(PrismCase):
    fake = "fake_twilio.py"
    spec = staticmethod(twilio_spec)

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
    spec = staticmethod(eskiz_spec)

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
    PROBE = sys.argv.pop(1)
    SPECS = sys.argv.pop(1) if len(sys.argv) > 1 and os.path.isdir(sys.argv[1]) else \
        os.path.join(HERE, "specs")
    PRISM = find_prism()
    unittest.main(verbosity=1)
