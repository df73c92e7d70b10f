"""fakebase.py — the common machinery of the provider fakes (tests/fakes/fake_<vendor>.py).

Each fake is a Python 3 stdlib HTTP server on 127.0.0.1 and a random port (printed on stdout
and written to --port-file), that records every request as one JSON line in --log and behaves as
CONTRACTS.md describes its vendor. Misbehaviour on demand, for the next N provider calls:

  POST /_fake/fail   {"mode": "429"|"500"|"503"|"timeout"|<vendor mode>, "count": 1}
  POST /_fake/dlr    {"id": "<provider id>", "status": "<vendor status>", "url": optional}
  POST /_fake/mo     {"from": "...", "to": "...", "text": "...", "url": optional}
  POST /_fake/status {"id": "<provider id>", "status": "<vendor status>"}  the message's status
                     changes as for /_fake/dlr, but no receipt is sent (found by polling only)
  GET  /_fake/messages   the messages accepted so far (JSON array)
  POST /_fake/expire-tokens   (vendors with tokens) every issued token becomes invalid

With --auto-dlr STATUS every accepted message gets that receipt right after the answer.
Callbacks are sent from a background thread, signed as the vendor signs them; each attempt is
logged too ({"callback": url, "status": <HTTP status or error>}).
"""
import argparse
import http.server
import json
import os
import queue
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


class Fake:
    """Vendor behaviour; subclasses implement handle() and the callback builders."""

    name = "fake"

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.fail_queue = []
        self.messages = {}
        self.order = []
        self.seq = 0
        self.log_lock = threading.Lock()
        self.callbacks = queue.Queue()
        self.quiet = threading.local()  # .on: emit_dlr only records the status (/_fake/status)
        threading.Thread(target=self._callback_loop, daemon=True).start()

    # --- helpers for subclasses -------------------------------------------------------------
    def next_id(self, prefix=""):
        with self.lock:
            self.seq += 1
            return "%s%d" % (prefix, self.seq)

    def take_failure(self):
        """The next queued failure mode, or None."""
        with self.lock:
            if not self.fail_queue:
                return None
            mode, left = self.fail_queue[0]
            if left <= 1:
                self.fail_queue.pop(0)
            else:
                self.fail_queue[0] = (mode, left - 1)
            return mode

    def remember(self, pid, rec):
        with self.lock:
            self.messages[pid] = rec
            self.order.append(pid)

    def record(self, entry):
        entry["ts"] = time.time()
        with self.log_lock:
            with open(self.args.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def send_callback(self, method, url, headers=None, body=None):
        """Queues one HTTP callback (body bytes or None); dropped inside /_fake/status."""
        if getattr(self.quiet, "on", False):
            return
        self.callbacks.put((method, url, headers or {}, body))

    def _callback_loop(self):
        while True:
            method, url, headers, body = self.callbacks.get()
            status = None
            try:
                req = urllib.request.Request(url, data=body, method=method, headers=headers)
                with urllib.request.urlopen(req, timeout=10) as resp:
                    status = resp.status
            except urllib.error.HTTPError as e:
                status = e.code
            except Exception as e:  # noqa: BLE001 - recorded for the test to see
                status = "error: %s" % e
            self.record({"callback": url, "method": method, "status": status,
                         "body": body.decode("utf-8", "replace") if body else None})

    # --- vendor hooks -----------------------------------------------------------------------
    def handle(self, req):
        """Returns (status, headers dict, body bytes) for a vendor request."""
        raise NotImplementedError

    def emit_dlr(self, pid, status, url=None):
        raise NotImplementedError

    def emit_mo(self, sender, to, text, url=None):
        raise NotImplementedError

    def expire_tokens(self):
        pass


class Request:
    def __init__(self, handler, body):
        self.method = handler.command
        split = urllib.parse.urlsplit(handler.path)
        self.path = split.path
        self.query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        self.headers = handler.headers
        self.body = body

    def header(self, name):
        return self.headers.get(name)

    def form(self):
        ctype = self.header("Content-Type") or ""
        if ctype.startswith("multipart/form-data"):
            return parse_multipart(ctype, self.body)
        return urllib.parse.parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

    def json(self):
        return json.loads(self.body.decode("utf-8"))


def parse_multipart(ctype, body):
    """multipart/form-data text fields -> {name: [value]}."""
    boundary = ctype.split("boundary=", 1)[1].strip().strip('"').encode()
    out = {}
    for part in body.split(b"--" + boundary):
        part = part.strip(b"\r\n")
        if not part or part == b"--":
            continue
        head, _, value = part.partition(b"\r\n\r\n")
        name = None
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-disposition"):
                for item in line.split(b";"):
                    item = item.strip()
                    if item.startswith(b"name="):
                        name = item[5:].strip(b'"').decode()
        if name is not None:
            out.setdefault(name, []).append(value.decode("utf-8"))
    return out


def first(d, key, default=None):
    v = d.get(key)
    return v[0] if v else default


def json_answer(status, obj, extra_headers=None):
    h = {"Content-Type": "application/json"}
    h.update(extra_headers or {})
    return status, h, json.dumps(obj).encode()


def mapped_mo(fields, sender, to, text, pid):
    """Inbound message parameters for a vendor whose MO format is unknown (UNVERIFIED): fields
    is the --mo-fields value "from,to,text,id" naming the parameters; None when not set."""
    if not fields:
        return None
    names = fields.split(",")
    if len(names) != 4:
        raise ValueError("--mo-fields: four names from,to,text,id")
    return dict(zip(names, [sender, to, text, pid]))


def generic_failure(mode):
    """Answers for the vendor-neutral failure modes, or None."""
    if mode == "429":
        return json_answer(429, {"message": "Too Many Requests"}, {"Retry-After": "1"})
    if mode in ("500", "502", "503"):
        return int(mode), {"Content-Type": "text/plain"}, b"upstream error"
    if mode == "timeout":
        time.sleep(30)
        return 504, {}, b""
    return None


def make_handler(fake):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # quiet
            pass

        def _body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def _reply(self, status, headers, body):
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _control(self, req):
            if req.path == "/_fake/fail":
                o = req.json()
                with fake.lock:
                    fake.fail_queue.append((str(o["mode"]), int(o.get("count", 1))))
                return json_answer(200, {"ok": True})
            if req.path == "/_fake/dlr":
                o = req.json()
                fake.emit_dlr(o["id"], o["status"], o.get("url"))
                return json_answer(200, {"ok": True})
            if req.path == "/_fake/status":
                o = req.json()
                fake.quiet.on = True
                try:
                    fake.emit_dlr(o["id"], o["status"], "http://127.0.0.1:9/unused")
                finally:
                    fake.quiet.on = False
                return json_answer(200, {"ok": True})
            if req.path == "/_fake/mo":
                o = req.json()
                fake.emit_mo(o["from"], o.get("to", ""), o["text"], o.get("url"))
                return json_answer(200, {"ok": True})
            if req.path == "/_fake/messages":
                with fake.lock:
                    return json_answer(200, [fake.messages[k] for k in fake.order])
            if req.path == "/_fake/expire-tokens":
                fake.expire_tokens()
                return json_answer(200, {"ok": True})
            return json_answer(404, {"error": "unknown control"})

        def _any(self):
            body = self._body()
            req = Request(self, body)
            if req.path.startswith("/_fake/"):
                try:
                    self._reply(*self._control(req))
                except Exception as e:  # noqa: BLE001 - a bad control call answers 400
                    self._reply(*json_answer(400, {"error": repr(e)}))
                return
            try:
                status, headers, out = fake.handle(req)
            except Exception as e:  # noqa: BLE001 - a fake bug must be visible, not a hang
                status, headers, out = 500, {"Content-Type": "text/plain"}, repr(e).encode()
            fake.record({"method": req.method, "path": req.path,
                         "query": {k: v for k, v in req.query.items()},
                         "headers": {k: v for k, v in self.headers.items()},
                         "body": body.decode("utf-8", "replace"), "status": status})
            self._reply(status, headers, out)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _any

    return Handler


def common_args(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", help="write the chosen port here")
    p.add_argument("--log", required=True, help="JSON-lines request log")
    p.add_argument("--callback-url", help="default DLR URL (when the request names none)")
    p.add_argument("--mo-url", help="where inbound messages are posted")
    p.add_argument("--auto-dlr", help="status sent as receipt right after each accept")
    return p


def serve(fake_cls, parser):
    args = parser.parse_args()
    fake = fake_cls(args)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(fake))
    port = srv.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)
    print(port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def start_in_thread(fake_cls, argv):
    """For tests: runs a fake in this process; returns (fake, port, server)."""
    parser = common_args(fake_cls.name)
    if hasattr(fake_cls, "add_args"):
        fake_cls.add_args(parser)
    args = parser.parse_args(argv)
    fake = fake_cls(args)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return fake, srv.server_address[1], srv


def main(fake_cls):
    parser = common_args(fake_cls.name)
    if hasattr(fake_cls, "add_args"):
        fake_cls.add_args(parser)
    sys.exit(serve(fake_cls, parser))
