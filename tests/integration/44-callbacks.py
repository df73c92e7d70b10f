"""44-callbacks: a message with callback_url is POSTed a signed JSON body on every status
change. A receiver on 127.0.0.1 answers 500 twice then 200: that delivery arrives exactly
three times (retried with the shortened backoff), every attempt is a webhook_attempts row,
and each request carries X-Smshub-Signature t=<unix>,v1=<hex HMAC-SHA256 over "t.body">
with the project's secret from GET /v1/projects/{id}/webhook-secret (owners only). A
delivered message notifies submitted, sent and delivered, each once, in that order."""
import hashlib
import hmac
import http.server
import json
import threading
import time

from harness import check, check_eq, main, now_ms, wait_for


class Receiver:
    def __init__(self, fail_first=0):
        self.lock = threading.Lock()
        self.hits = []  # (headers dict, body bytes, status answered)
        self.fail_first = fail_first
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with outer.lock:
                    status = 500 if len(outer.hits) < outer.fail_first else 200
                    outer.hits.append(({k.lower(): v for k, v in self.headers.items()}, body,
                                       status))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        class S(http.server.ThreadingHTTPServer):
            request_queue_size = 512  # the hub opens up to 128 connections at once

        self.server = S(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/hook" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self):
        with self.lock:
            return list(self.hits)


def verify(secret, headers, body):
    sig = headers.get("x-smshub-signature", "")
    parts = dict(p.split("=", 1) for p in sig.split(","))
    want = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    check(hmac.compare_digest(want, parts.get("v1", "")), "signature %r does not verify" % sig)
    check(abs(int(parts["t"]) - time.time()) < 120, "signature timestamp is now")


def test(hub):
    hub.bootstrap()
    hub.set_sim_settings({"reject_ratio": 1})
    hub.start(["--webhook-backoff", "300ms"])
    rx = Receiver(fail_first=2)
    hub.on_cleanup(rx.close)

    # the secret: owners (and administrators) only, the same on every read
    r = hub.request("GET", "/v1/projects/%s/webhook-secret" % hub.project_id)
    check_eq(r.status, 403, "API key cannot read the webhook secret")
    r = hub.request("GET", "/v1/projects/%s/webhook-secret" % hub.project_id,
                    key=hub.admin_token)
    check_eq(r.status, 200, "webhook secret: %r" % r)
    secret = r.json["secret"]
    check(secret.startswith("whsec_") and len(secret) > 40, "secret form %r" % secret)
    r2 = hub.request("GET", "/v1/projects/%s/webhook-secret" % hub.project_id,
                     key=hub.admin_token)
    check_eq(r2.json["secret"], secret, "stable secret")
    check(secret.encode() not in open(hub.stderr_path, "rb").read(), "secret not in the log")

    mid = hub.send(text="notify me", callback_url=rx.url, metadata={"order": "42"}).json["id"]
    hub.wait_status(mid, "rejected")
    wait_for(lambda: len(rx.snapshot()) >= 3, 10, "three deliveries")
    wait_for(lambda: hub.scalar("SELECT state FROM webhook_deliveries WHERE message_id = ?",
                                (mid,)) == 1, 10, "delivery marked delivered")
    time.sleep(1.0)  # nothing more may come (the backoff is 300 ms)
    hits = rx.snapshot()
    check_eq([h[2] for h in hits], [500, 500, 200], "answers given, in order")
    bodies = {h[1] for h in hits}
    check_eq(len(bodies), 1, "the same body every time")
    for headers, body, _ in hits:
        verify(secret, headers, body)
        check_eq(headers.get("content-type"), "application/json", "content type")
    check_eq([h[0]["x-smshub-attempt"] for h in hits], ["1", "2", "3"], "attempt header")
    doc = json.loads(hits[0][1])
    check_eq((doc["id"], doc["status"], doc["previous_status"]), (mid, "rejected", "queued"),
             "body")
    check_eq(doc["error"]["code"], "sim-rejected", "error in the body")
    check_eq(doc["metadata"], {"order": "42"}, "metadata in the body")
    check_eq(doc["provider"], "simulator", "provider in the body")
    rows = hub.query("SELECT n, http_status FROM webhook_attempts a JOIN webhook_deliveries d "
                     "ON d.id = a.delivery_id WHERE d.message_id = ? ORDER BY n", (mid,))
    check_eq([tuple(r) for r in rows], [(1, 500), (2, 500), (3, 200)], "attempts recorded")

    # a delivered message: one notification per status change, in order
    hub.stop()
    hub.set_sim_settings({})
    hub.start(["--webhook-backoff", "300ms"])
    rx2 = Receiver()
    hub.on_cleanup(rx2.close)
    mid = hub.send(text="all the way", callback_url=rx2.url).json["id"]
    hub.wait_status(mid, "delivered")
    wait_for(lambda: len(rx2.snapshot()) >= 3, 10, "three notifications")
    time.sleep(0.5)
    got = [json.loads(h[1]) for h in rx2.snapshot()]
    check_eq(sorted((g["previous_status"], g["status"]) for g in got),
             sorted([("queued", "submitted"), ("submitted", "sent"), ("sent", "delivered")]),
             "status changes notified")
    for headers, body, _ in rx2.snapshot():
        verify(secret, headers, body)
    backlog(hub)


def backlog(hub):
    """A backlog of due deliveries (written while the hub was down, so no status change
    kicks the sender) drains at the pace of the receiver, not one claim per 1 s tick: 1 500
    deliveries at 128 a claim would need 11 ticks (> 11 s) that way; here they take 2–4 s."""
    rx = Receiver()
    hub.on_cleanup(rx.close)
    hub.stop()
    t = now_ms()
    hub.write_db([("INSERT INTO webhook_deliveries(id, project_id, url, body, created_at, "
                   "updated_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   ("whd_backlog%04d" % i, hub.project_id, rx.url, '{"n":%d}' % i, t, t, t))
                  for i in range(1500)])
    hub.start(["--webhook-backoff", "300ms"])
    t0 = time.monotonic()
    wait_for(lambda: len(rx.snapshot()) >= 1500, 60, "1500 backlog deliveries")
    took = time.monotonic() - t0
    print("1500 backlog deliveries in %.1f s" % took)
    check(took < 10.0, "the backlog took %.1f s: claims wait for the tick" % took)
    check_eq(len({h[1] for h in rx.snapshot()}), 1500, "each delivery once")
    wait_for(lambda: hub.scalar("SELECT count(*) FROM webhook_attempts WHERE delivery_id "
                                "LIKE 'whd_backlog%'") == 1500, 10, "1500 attempts recorded")
    wait_for(lambda: hub.scalar("SELECT count(*) FROM webhook_deliveries WHERE state = 1 AND "
                                "id LIKE 'whd_backlog%'") == 1500, 10, "1500 marked delivered")


if __name__ == "__main__":
    main(test)
