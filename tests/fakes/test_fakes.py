#!/usr/bin/env python3
"""test_fakes.py — drives every provider fake directly (no hub) and checks that it behaves as
CONTRACTS.md says: answers and error bodies, throttling and 5xx on demand, Eskiz/CEQUENS token
expiry, and signed callbacks that verify with vendorsig (whose vectors are checked first, the
same vectors and Python-computed values the C unit tests use).
"""
import base64
import http.server
import json
import os
import queue
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakebase  # noqa: E402
import fake_cequens  # noqa: E402
import fake_eskiz  # noqa: E402
import fake_playmobile  # noqa: E402
import fake_smso  # noqa: E402
import fake_twilio  # noqa: E402
import fake_veevo  # noqa: E402
import fake_vonage  # noqa: E402
import vendorsig  # noqa: E402

DEADLINE = 10.0


class Sink:
    """A callback receiver: records (method, path+query, headers, body) of every request."""

    def __init__(self):
        self.got = queue.Queue()
        sink = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                sink.got.put((self.command, self.path, dict(self.headers), body))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _any

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/v1/callbacks/x/tok" % self.srv.server_address[1]

    def next(self):
        return self.got.get(timeout=DEADLINE)

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def call(port, method, path, body=None, headers=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=body,
                                 method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=DEADLINE) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def jcall(port, method, path, obj=None, headers=None):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    st, body = call(port, method, path, json.dumps(obj).encode() if obj is not None else None, h)
    try:
        return st, json.loads(body)
    except ValueError:
        return st, body


def form(d):
    return urllib.parse.urlencode(d).encode()


def multipart(fields):
    b = "smshub-boundary-7MA4YWxkTrZu0gW"
    out = "".join('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (b, k, v)
                  for k, v in fields.items()) + "--%s--\r\n" % b
    return out.encode(), {"Content-Type": "multipart/form-data; boundary=" + b}


class Base(unittest.TestCase):
    fake_cls = None
    argv = []

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.sink = Sink()
        self.log = os.path.join(self.tmp.name, "log.jsonl")
        self.fake, self.port, self.srv = fakebase.start_in_thread(
            self.fake_cls, ["--log", self.log, "--callback-url", self.sink.url,
                            "--mo-url", self.sink.url] + self.argv)

    def tearDown(self):
        self.srv.shutdown()
        self.srv.server_close()
        self.sink.close()
        self.tmp.cleanup()

    def fail_next(self, mode, count=1):
        st, _ = jcall(self.port, "POST", "/_fake/fail", {"mode": mode, "count": count})
        self.assertEqual(st, 200)

    def logged(self):
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(line) for line in f]


class Vectors(unittest.TestCase):
    def test_twilio(self):
        url = "https://mycompany.com/myapp.php?foo=1&bar=2"
        p = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
             ("From", "+14158675309"), ("To", "+18005551212")]
        self.assertEqual(vendorsig.twilio_signature("12345", url, p),
                         "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        self.assertEqual(vendorsig.twilio_signature(
            "12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", p),
            "kvajT1Ptam85bY51eRf/AJRuM3w=")
        self.assertEqual(vendorsig.twilio_signature(
            "12345", "http://mycompany.com:80/myapp.php?foo=1&bar=2", p),
            "0ZXoZLH/DfblKGATFgpif+LLRf4=")
        self.assertEqual(vendorsig.twilio_signature(
            "12345", "http://mycompany.com:1234/myapp.php?foo=1&bar=2", p),
            "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=")
        self.assertEqual(vendorsig.twilio_signature(
            "12345", url, [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"),
                           ("Digits", "1234")]), "IK+Dwps556ElfBT0I3Rgjkr1wJU=")
        self.assertIn("https://mycompany.com:443/x", vendorsig.twilio_url_variants(
            "https://mycompany.com/x"))

    def test_vonage(self):
        p = {"message-timestamp": "2013-11-21 15:27:30", "messageId": "020000001B0FE827",
             "msisdn": "14843472194", "text": "Test again", "timestamp": "1385047698",
             "to": "13239877404", "type": "text"}
        s = "my_secret_key_for_testing"
        self.assertEqual(vendorsig.vonage_signature("md5hash", s, p),
                         "d2e7b1dc968737c5998ad624e02f90b7")
        self.assertEqual(vendorsig.vonage_signature("md5", s, p),
                         "DDEBD46008C2D4E93CCE578A332A52D5")
        self.assertEqual(vendorsig.vonage_signature("sha1", s, p),
                         "27D0D05C2876C7CB1720DBCDBA4D492E1E55C09A")
        self.assertEqual(vendorsig.vonage_signature("sha256", s, p),
                         "DDB8397C2B90AAC7F3882D306475C9A5058C92322EEF43C92B298B6E0FC0D330")
        out = {"api_key": "fake_api_key", "to": "14155550100", "from": "AcmeInc",
               "text": "Test From Nexmo", "type": "text", "timestamp": "1540924779"}
        k = "71efab63122f1d179f51c46bac838fb5"
        self.assertEqual(vendorsig.vonage_signature("md5", k, out),
                         "51CDAFEBB4BBCE9525B195C1617CB8D2")
        self.assertEqual(vendorsig.vonage_signature("sha256", k, out),
                         "9FEC5EF6D0F2B3D2BB7558B6E4042569823CAB9EA0DD30503472B7B304601975")
        p2 = {"keyword": "TEST", "message-timestamp": "2017-04-04 22:57:47",
              "messageId": "0B00000042AC53BD", "msisdn": "14843472194",
              "nonce": "929d6744-bd28-42c8-b6cf-31d5b4f43732", "text": "Test with & and =",
              "timestamp": "1491346667", "to": "12192259404", "type": "text"}
        self.assertEqual(vendorsig.vonage_signature("md5hash", s, p2),
                         "e06d9763e3fd0b9c31beb5fc2fcb011c")


class TwilioTest(Base):
    fake_cls = fake_twilio.Twilio
    SID = "AC" + "a" * 32
    TOK = "tw_token_0123456789abcdef0123456"

    def auth(self):
        return {"Authorization": "Basic " + base64.b64encode(
            ("%s:%s" % (self.SID, self.TOK)).encode()).decode(),
            "Content-Type": "application/x-www-form-urlencoded"}

    def send(self, **f):
        st, body = call(self.port, "POST", "/2010-04-01/Accounts/%s/Messages.json" % self.SID,
                        form(f), self.auth())
        return st, json.loads(body)

    def test_send_dlr_and_errors(self):
        st, m = self.send(To="+14155552345", From="+14155550000", Body="Hello",
                          StatusCallback=self.sink.url)
        self.assertEqual(st, 201)
        self.assertRegex(m["sid"], r"^SM[0-9a-f]{32}$")
        self.assertEqual((m["status"], m["num_segments"]), ("queued", "1"))
        jcall(self.port, "POST", "/_fake/dlr", {"id": m["sid"], "status": "delivered"})
        method, path, headers, body = self.sink.next()
        params = urllib.parse.parse_qsl(body.decode())
        self.assertEqual(dict(params)["MessageStatus"], "delivered")
        self.assertEqual(headers["X-Twilio-Signature"],
                         vendorsig.twilio_signature(self.TOK, self.sink.url, params))
        st, got = call(self.port, "GET", "/2010-04-01/Accounts/%s/Messages/%s.json"
                       % (self.SID, m["sid"]), None, self.auth())
        self.assertEqual(json.loads(got)["status"], "delivered")
        st, e = self.send(To="12345", From="+1", Body="x")
        self.assertEqual((st, e["code"], e["status"]), (400, 21211, 400))
        st, e = self.send(To="+12345", From="+1", Body="x" * 1601)
        self.assertEqual(e["code"], 21617)
        self.fail_next("429")
        st, e = self.send(To="+12345", From="+1", Body="x")
        self.assertEqual((st, e["code"]), (429, 20429))
        self.fail_next("503")
        st, _ = call(self.port, "POST", "/2010-04-01/Accounts/%s/Messages.json" % self.SID,
                     form({"To": "+1", "From": "+1", "Body": "x"}), self.auth())
        self.assertEqual(st, 503)
        st, _ = call(self.port, "POST", "/2010-04-01/Accounts/%s/Messages.json" % self.SID,
                     form({"To": "+1"}), {"Authorization": "Basic eDp5"})
        self.assertEqual(st, 401)
        st, b = call(self.port, "GET", "/2010-04-01/Accounts/%s/Balance.json" % self.SID, None,
                     self.auth())
        self.assertEqual(json.loads(b)["balance"], "12.50")
        self.assertTrue(any(e.get("path", "").endswith("Messages.json") for e in self.logged()))

    def test_mo_signed(self):
        jcall(self.port, "POST", "/_fake/mo", {"from": "+15558675310", "to": "+15017122661",
                                                "text": "Привет"})
        _, _, headers, body = self.sink.next()
        params = urllib.parse.parse_qsl(body.decode())
        self.assertEqual(dict(params)["Body"], "Привет")
        self.assertEqual(headers["X-Twilio-Signature"],
                         vendorsig.twilio_signature(self.TOK, self.sink.url, params))


class VonageTest(Base):
    fake_cls = fake_vonage.Vonage
    argv = ["--signature-secret", "vsecret", "--signature-method", "sha256",
            "--dlr-method", "GET"]

    def test_send_parts_errors_dlr(self):
        st, body = call(self.port, "POST", "/sms/json", form({
            "api_key": "abcd1234", "api_secret": "s3cretpw", "from": "Acme",
            "to": "447700900000", "text": "a" * 200, "client-ref": "msg_1"}),
            {"Content-Type": "application/x-www-form-urlencoded"})
        r = json.loads(body)
        self.assertEqual((st, r["message-count"]), (200, "2"))
        self.assertTrue(all(m["status"] == "0" for m in r["messages"]))
        st, body = call(self.port, "POST", "/sms/json", form({
            "api_key": "abcd1234", "api_secret": "s3cretpw", "from": "Acme"}),
            {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((st, json.loads(body)["messages"][0]["status"]), (200, "2"))
        st, body = call(self.port, "POST", "/sms/json", form({
            "api_key": "abcd1234", "api_secret": "wrong", "from": "A", "to": "447700900000",
            "text": "x"}), {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(json.loads(body)["messages"][0]["status"], "4")
        signed = {"api_key": "abcd1234", "from": "A", "to": "447700900000", "text": "x",
                  "timestamp": str(int(time.time()))}
        signed["sig"] = vendorsig.vonage_signature("sha256", "vsecret", signed)
        st, body = call(self.port, "POST", "/sms/json", form(signed),
                        {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(json.loads(body)["messages"][0]["status"], "0")
        self.fail_next("throttle")
        st, body = call(self.port, "POST", "/sms/json", form(signed),
                        {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((st, json.loads(body)["messages"][0]["status"]), (200, "1"))
        jcall(self.port, "POST", "/_fake/dlr", {"id": r["messages"][0]["message-id"],
                                                "status": "delivered"})
        method, path, _, _ = self.sink.next()
        self.assertEqual(method, "GET")
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))
        self.assertEqual((q["status"], q["client-ref"]), ("delivered", "msg_1"))
        self.assertEqual(q["sig"], vendorsig.vonage_signature("sha256", "vsecret", q))
        st, body = call(self.port, "GET",
                        "/account/get-balance?api_key=abcd1234&api_secret=s3cretpw")
        self.assertEqual(json.loads(body)["value"], 10.171275)


class EskizTest(Base):
    fake_cls = fake_eskiz.Eskiz
    argv = ["--token-ttl", "3600"]

    def login(self):
        body, h = multipart({"email": "test@eskiz.uz", "password": "secret"})
        st, out = call(self.port, "POST", "/api/auth/login", body, h)
        self.assertEqual(st, 200)
        return json.loads(out)["data"]["token"]

    def test_token_send_expiry(self):
        body, h = multipart({"email": "test@eskiz.uz", "password": "nope"})
        self.assertEqual(call(self.port, "POST", "/api/auth/login", body, h)[0], 401)
        tok = self.login()
        claims = json.loads(base64.urlsafe_b64decode(tok.split(".")[1] + "=="))
        self.assertAlmostEqual(claims["exp"], time.time() + 3600, delta=60)
        body, h = multipart({"mobile_phone": "998901234567", "message": "Salom", "from": "4546",
                             "callback_url": self.sink.url, "user_sms_id": "msg_1"})
        h["Authorization"] = "Bearer " + tok
        st, out = call(self.port, "POST", "/api/message/sms/send", body, h)
        sent = json.loads(out)
        self.assertEqual((st, sent["status"]), (200, "waiting"))
        jcall(self.port, "POST", "/_fake/dlr", {"id": sent["id"], "status": "DELIVRD"})
        _, _, headers, cb = self.sink.next()
        cb = json.loads(cb)
        self.assertEqual((cb["request_id"], cb["status"], cb["user_sms_id"]),
                         (sent["id"], "DELIVRD", "msg_1"))
        st, out = call(self.port, "GET", "/api/message/sms/status_by_id/" + sent["id"], None,
                       {"Authorization": "Bearer " + tok})
        self.assertEqual(json.loads(out)["data"]["status"], "DELIVERED")
        self.fail_next("429")
        self.assertEqual(call(self.port, "POST", "/api/message/sms/send", body, h)[0], 429)
        jcall(self.port, "POST", "/_fake/expire-tokens", {})
        st, out = call(self.port, "POST", "/api/message/sms/send", body, h)
        self.assertEqual((st, json.loads(out)["status"]), (401, "token-invalid"))
        tok = self.login()
        st, out = call(self.port, "GET", "/api/user/get-limit", None,
                       {"Authorization": "Bearer " + tok})
        self.assertEqual(json.loads(out)["data"]["balance"], 50000)
        st, out = call(self.port, "PATCH", "/api/auth/refresh", None,
                       {"Authorization": "Bearer " + tok})
        self.assertEqual(json.loads(out)["message"], "token_generated")


    def test_send_batch(self):
        tok = self.login()
        h = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
        batch = {"messages": [{"user_sms_id": "m1", "to": 998901234567, "text": "a"},
                              {"user_sms_id": "m2", "to": 998901234568, "text": "b"}],
                 "from": "4546", "callback_url": self.sink.url}
        st, out = call(self.port, "POST", "/api/message/sms/send-batch",
                       json.dumps(batch).encode(), h)
        sent = json.loads(out)
        self.assertEqual((st, sent["status"]), (200, ["waiting", "waiting"]))
        jcall(self.port, "POST", "/_fake/dlr", {"id": sent["id"] + "#m2", "status": "DELIVRD"})
        cb = json.loads(self.sink.next()[3])
        self.assertEqual((cb["request_id"], cb["user_sms_id"], cb["phone_number"]),
                         (sent["id"], "m2", "998901234568"))
        batch["messages"][1]["to"] = 14155552345  # not an Uzbek number: the whole batch fails
        self.assertEqual(call(self.port, "POST", "/api/message/sms/send-batch",
                              json.dumps(batch).encode(), h)[0], 400)
        batch["messages"][1]["to"] = 998901234568
        self.fail_next("batch-partial")
        st, out = call(self.port, "POST", "/api/message/sms/send-batch",
                       json.dumps(batch).encode(), h)
        self.assertEqual(json.loads(out)["status"], ["waiting", "error"])


class PlayMobileTest(Base):
    fake_cls = fake_playmobile.PlayMobile
    AUTH = {"Authorization": "Basic " + base64.b64encode(b"pmuser:pmpass").decode()}

    def test_send_dedup_errors(self):
        msg = {"messages": [{"recipient": "998901234567", "message-id": "abc000000001",
                             "sms": {"originator": "3700", "content": {"text": "Test"}}}]}
        self.assertEqual(call(self.port, "POST", "/broker-api/send",
                              json.dumps(msg).encode(), self.AUTH)[0], 200)
        self.assertEqual(call(self.port, "POST", "/broker-api/send",
                              json.dumps(msg).encode(), self.AUTH)[0], 200)
        self.assertEqual(len(jcall(self.port, "GET", "/_fake/messages")[1]), 1)
        self.fail_next("102")
        st, e = jcall(self.port, "POST", "/broker-api/send", msg, self.AUTH)
        self.assertEqual((st, e["error-code"]), (400, 102))
        msg["messages"][0]["sms"]["content"]["text"] = ""
        st, e = jcall(self.port, "POST", "/broker-api/send", msg, self.AUTH)
        self.assertEqual(e["error-code"], 404)
        self.assertEqual(jcall(self.port, "POST", "/broker-api/send", msg)[0], 401)
        jcall(self.port, "POST", "/_fake/dlr", {"id": "abc000000001", "status": "delivered"})
        self.assertEqual(json.loads(self.sink.next()[3])["status"], "delivered")


class VeevoTest(Base):
    fake_cls = fake_veevo.Veevo

    def test_send(self):
        st, r = jcall(self.port, "POST", "/v3/sendsms", {
            "hash": "veevo-hash", "receivernum": "+923001234567", "sendernum": "Default",
            "textmessage": "Hi"})
        self.assertEqual(r["STATUS"], "SUCCESSFUL")
        st, r = jcall(self.port, "POST", "/v3/sendsms", {
            "hash": "bad", "receivernum": "+923001234567", "textmessage": "Hi"})
        self.assertEqual((r["STATUS"], r["ERROR_CODE"]), ("ERROR", 101))
        st, body = call(self.port, "GET", "/sendsms?hash=veevo-hash&receivenum=923001234567"
                        "&sendernum=8583&textmessage=Hi")
        self.assertEqual(json.loads(body)["STATUS"], "SUCCESSFUL")


class SmsoTest(Base):
    fake_cls = fake_smso.Smso
    H = {"X-Authorization": "smso-key", "Content-Type": "application/x-www-form-urlencoded"}

    def test_send_status_reply(self):
        st, out = call(self.port, "POST", "/api/v1/send", form({
            "to": "+40722334455", "sender": "4", "body": "Buna",
            "webhook_status": self.sink.url, "webhook_responses": self.sink.url}), self.H)
        tok = json.loads(out)["responseToken"]
        jcall(self.port, "POST", "/_fake/dlr", {"id": tok, "status": "delivered"})
        q = dict(urllib.parse.parse_qsl(self.sink.next()[3].decode()))
        self.assertEqual((q["uuid"], q["status"], q["receiver[number]"]),
                         (tok, "delivered", "+40722334455"))
        st, out = call(self.port, "GET", "/api/v1/status?responseToken=" + tok)
        self.assertEqual(json.loads(out)["data"]["status"], "delivered")
        jcall(self.port, "POST", "/_fake/mo", {"from": "+40722334455", "text": "Da"})
        q = dict(urllib.parse.parse_qsl(self.sink.next()[3].decode()))
        self.assertEqual((q["body"], q["replied_to"]), ("Da", tok))
        self.assertEqual(call(self.port, "POST", "/api/v1/send", form({"to": "x"}), self.H)[0],
                         400)
        self.fail_next("402")
        self.assertEqual(call(self.port, "POST", "/api/v1/send", form({"to": "+4"}), self.H)[0],
                         402)
        self.assertEqual(call(self.port, "GET", "/api/v1/credit-check")[0], 401)
        st, out = call(self.port, "GET", "/api/v1/credit-check", None, self.H)
        self.assertEqual(json.loads(out)["credit_value"], 4847.72)


class CequensTest(Base):
    fake_cls = fake_cequens.Cequens

    def test_token_send_dlr(self):
        st, out = jcall(self.port, "POST", "/auth/v1/tokens",
                        {"apiKey": "cq-key", "userName": "cquser"})
        tok = out["data"]["access_token"]
        h = {"Authorization": "Bearer " + tok}
        st, r = jcall(self.port, "POST", "/sms/v1/messages", {
            "senderName": "Cequens", "messageType": "text", "recipients": "201012345678,bad",
            "messageText": "Hi", "dlrUrl": self.sink.url}, h)
        self.assertEqual((r["replyCode"], r["data"]["InvalidRecipients"]), (0, "bad"))
        sid = r["data"]["SentSMSIDs"][0]["SMSId"]
        jcall(self.port, "POST", "/_fake/dlr", {"id": sid, "status": "delivered"})
        method, path, _, _ = self.sink.next()
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))
        self.assertEqual((method, q["messageId"], q["statusId"]), ("GET", sid, "1"))
        st, r = jcall(self.port, "GET", "/sms/v1/messages/" + sid, None, h)
        self.assertEqual(r["data"]["status"], 1)
        jcall(self.port, "POST", "/_fake/expire-tokens", {})
        self.assertEqual(jcall(self.port, "GET", "/sms/v1/messages/" + sid, None, h)[0], 401)


if __name__ == "__main__":
    unittest.main(verbosity=1)
