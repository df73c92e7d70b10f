"""03-bad-input: every kind of bad request gets its documented status and RFC 9457 problem,
nothing is stored for it, and the server keeps answering normally afterwards."""
import http.client
import json
import socket
import time

from harness import HOST, check, check_eq, idem, main, rfc3339

GOOD = {"to": "+998901234567", "text": "hello"}


def problem(r, status, code, what):
    """Checks r is an application/problem+json answer with this status and code."""
    check_eq(r.status, status, "%s: status (%r)" % (what, r))
    check(r.headers.get("content-type", "").startswith("application/problem+json"),
          "%s: content type %r" % (what, r.headers.get("content-type")))
    p = r.json
    check(isinstance(p, dict), "%s: body is not a JSON object: %r" % (what, r.raw[:200]))
    check_eq(p.get("status"), status, "%s: problem status" % what)
    check_eq(p.get("code"), code, "%s: problem code" % what)
    for f in ("type", "title"):
        check(isinstance(p.get(f), str) and p[f], "%s: problem has no %s: %r" % (what, f, p))
    check_eq(p.get("request_id"), r.headers.get("x-request-id"),
             "%s: request_id equals X-Request-Id" % what)
    return p


def field_codes(p):
    return {(e.get("field"), e.get("code")) for e in p.get("errors") or []}


def post(hub, body, **kw):
    return hub.request("POST", "/v1/messages", body, **kw)


def test(hub):
    hub.start()

    # ---- validation: one errors[] entry per bad field
    cases = [
        ({"to": "12345", "text": "hi"}, {("to", "invalid_phone_number")}),
        ({"to": "+99890123456789012", "text": "hi"}, {("to", "invalid_phone_number")}),
        ({"to": "+998 hello", "text": "hi"}, {("to", "invalid_phone_number")}),
        ({"text": "hi"}, {("to", "required")}),
        ({"to": "+998901234567"}, {("text", "required")}),
        ({"to": "+998901234567", "text": ""}, {("text", "required")}),
        ({"to": 998901234567, "text": "hi"}, {("to", "invalid_type")}),
        ({"to": "+998901234567", "text": "a" * 1531}, {("text", "too_long")}),  # 11 × 153
        ({"to": "+998901234567", "text": "Ж" * 671}, {("text", "too_long")}),   # 11 × 67
        ({"to": "+998901234567", "text": "hi", "scheduled_at": "tomorrow"},
         {("scheduled_at", "invalid_datetime")}),
        ({"to": "+998901234567", "text": "hi", "scheduled_at": "2026-13-01T00:00:00Z"},
         {("scheduled_at", "invalid_datetime")}),
        ({"to": "+998901234567", "text": "hi", "expires_at": rfc3339(time.time() - 60)},
         {("expires_at", "out_of_range")}),
        ({"to": "+998901234567", "text": "hi", "type": "spam"}, {("type", "invalid_type")}),
        ({"to": "+998901234567", "text": "hi", "too": "x"}, {("too", "unknown_field")}),
        ({"to": "+998901234567", "text": "hi", "metadata": [1]}, {("metadata", "invalid_type")}),
        ({"to": "+998901234567", "text": "hi", "callback_url": "ftp://x"},
         {("callback_url", "invalid_url")}),
        ({"to": "+998901234567", "text": "hi", "from": "a sender name too long"},
         {("from", "invalid_sender")}),
        # several bad fields at once: all reported
        ({"to": "not a number", "text": "", "type": "spam", "scheduled_at": "soon",
          "extra": 1},
         {("to", "invalid_phone_number"), ("text", "required"), ("type", "invalid_type"),
          ("scheduled_at", "invalid_datetime"), ("extra", "unknown_field")}),
    ]
    for body, want in cases:
        what = "POST %s" % json.dumps(body)[:120]
        p = problem(post(hub, body), 422, "validation_failed", what)
        got = field_codes(p)
        check_eq(got, want, what + ": errors[] (field, code)")
        for e in p["errors"]:
            check(isinstance(e.get("detail"), str) and e["detail"], what + ": error detail")
    # the longest texts that fit are accepted (10 segments)
    check_eq(post(hub, {"to": "+998901234567", "text": "a" * 1530}).json["segments"], 10,
             "segments of 1530 GSM chars")
    check_eq(post(hub, {"to": "+998901234567", "text": "Ж" * 670}).json["segments"], 10,
             "segments of 670 UCS-2 chars")

    # ---- malformed JSON, wrong body type, missing/invalid Idempotency-Key
    problem(post(hub, '{"to": "+998901234567", "text": '), 400, "malformed_json",
            "truncated JSON")
    problem(post(hub, ""), 400, "malformed_json", "empty body")
    problem(post(hub, '{"to":"+998901234567","to":"+998901234568","text":"x"}'), 400,
            "malformed_json", "duplicate keys")
    problem(post(hub, "[1,2]"), 400, "invalid_body", "array body")
    p = problem(post(hub, GOOD, headers={"Idempotency-Key": None}), 400,
                "idempotency_key_required", "no Idempotency-Key")
    check(("Idempotency-Key", "required") in field_codes(p), "errors[] names Idempotency-Key")
    problem(post(hub, GOOD, headers={"Idempotency-Key": "x" * 256}), 400,
            "invalid_idempotency_key", "256-char Idempotency-Key")

    # a key refused with a 4xx is not remembered: it can be used for a valid request
    k = idem()
    problem(post(hub, {"to": "1", "text": "x"}, headers={"Idempotency-Key": k}), 422,
            "validation_failed", "invalid body with key k")
    r = post(hub, GOOD, headers={"Idempotency-Key": k})
    check_eq(r.status, 202, "valid body with the key of a refused request (%r)" % r)
    check("idempotent-replayed" not in r.headers, "fresh answer marked as replay")

    # ---- content type
    for ct in ("text/plain", "application/x-www-form-urlencoded", None):
        problem(post(hub, GOOD, headers={"Content-Type": ct}), 415, "unsupported_media_type",
                "Content-Type %r" % ct)
    check_eq(post(hub, GOOD, headers={"Content-Type": "application/json; charset=utf-8"}).status,
             202, "Content-Type with charset")

    # ---- unknown path, wrong method
    problem(hub.request("GET", "/v1/nothing"), 404, "not_found", "unknown path")
    problem(hub.request("GET", "/v1/messages/msg_00000000000000000000000000"), 404,
            "not_found", "unknown message id")
    problem(hub.request("GET", "/v1/messages/not-an-id"), 404, "not_found", "malformed id")
    problem(hub.request("DELETE", "/v1/messages"), 405, "method_not_allowed", "DELETE list")
    problem(hub.request("PUT", "/v1/messages/msg_00000000000000000000000000", GOOD), 405,
            "method_not_allowed", "PUT one")

    # ---- X-Request-Id: echoed when valid, generated otherwise, on success and errors
    r = post(hub, GOOD, headers={"X-Request-Id": "it-req-123.abc:9"})
    check_eq((r.status, r.headers.get("x-request-id")), (202, "it-req-123.abc:9"),
             "valid X-Request-Id echoed on 202")
    r = post(hub, {"to": "1"}, headers={"X-Request-Id": "it-req-456"})
    check_eq(r.headers.get("x-request-id"), "it-req-456", "X-Request-Id echoed on 422")
    check_eq(r.json.get("request_id"), "it-req-456", "problem request_id")
    for bad in ("has space", "x" * 65, "semi;colon"):
        r = hub.request("GET", "/healthz", headers={"X-Request-Id": bad}, key=None)
        got = r.headers.get("x-request-id")
        check(got and got != bad, "invalid X-Request-Id %r must be replaced, got %r"
              % (bad, got))
    r1, r2 = hub.request("GET", "/healthz", key=None), hub.request("GET", "/healthz", key=None)
    check(r1.headers.get("x-request-id") and
          r1.headers.get("x-request-id") != r2.headers.get("x-request-id"),
          "generated request ids are unique: %r %r" % (r1.headers.get("x-request-id"),
                                                       r2.headers.get("x-request-id")))

    # ---- nothing was stored for any refused request
    stored = hub.scalar("SELECT count(*) FROM messages")
    check_eq(stored, 5, "messages stored (only the 5 valid POSTs)")

    # ---- 413 for a body over 65536 bytes (Content-Length announced)
    big = json.dumps({"to": "+998901234567", "text": "a" * 70000})
    check(len(big) > 70000, "big body size")
    problem(post(hub, big), 413, "payload_too_large", "70 000-byte body")

    # ---- the server still answers normally, and stored nothing for the big bodies
    check_eq(hub.scalar("SELECT count(*) FROM messages"), 5, "messages after the 413")
    check_eq(hub.scalar("SELECT count(*) FROM idempotency"), 5, "idempotency records")
    r = post(hub, GOOD)
    check_eq(r.status, 202, "POST after the bad requests")
    hub.wait_status(r.json["id"], "delivered")
    check_eq(hub.request("GET", "/readyz", key=None).status, 200, "readyz at the end")

    # ---- checks that are independent of each other: all run, every failure is reported
    failures = []

    def scalar_bodies():
        # valid JSON that is not an object (RFC 8259 allows any value at the top level) is
        # invalid_body, not malformed_json
        for b in ('"text"', "42", "null", "true"):
            problem(post(hub, b), 400, "invalid_body", "body %s" % b)

    def read_answer(sock, what):
        raw = b""
        try:
            while True:
                part = sock.recv(65536)
                if not part:
                    break
                raw += part
                if b"\r\n\r\n" in raw:
                    head, _, rest = raw.partition(b"\r\n\r\n")
                    cl = [ln.split(b":", 1)[1] for ln in head.split(b"\r\n")
                          if ln.lower().startswith(b"content-length:")]
                    if cl and len(rest) >= int(cl[0]):
                        break
        except OSError as e:
            raise AssertionError("%s: connection error before a complete answer (%r; got %r)"
                                 % (what, e, raw[:200]))
        return raw

    def chunked_head():
        return ("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                "Idempotency-Key: %s\r\nTransfer-Encoding: chunked\r\n\r\n"
                % (hub.api_key, idem())).encode()

    def chunked_too_large():
        # A body over the cap sent chunked (no Content-Length, so no early refusal is
        # possible) gets its 413 once the body ends: libmicrohttpd cannot queue an answer
        # while a body is still arriving, so the server reads and drops the excess.
        sock = socket.create_connection((HOST, hub.port), timeout=10)
        try:
            sock.sendall(chunked_head())
            data = big.encode()[:70000]
            for i in range(0, len(data), 10000):
                c = data[i:i + 10000]
                sock.sendall(b"%x\r\n" % len(c) + c + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
            raw = read_answer(sock, "chunked 70 000-byte body")
            check(raw.startswith(b"HTTP/1.1 413"),
                  "chunked 70 000-byte body: expected a 413 answer, got %r"
                  % (raw[:200] or "the connection closed without any answer"))
            check(b"payload_too_large" in raw, "chunked 413 code: %r" % raw[:400])
        finally:
            sock.close()

    def chunked_endless():
        # A client that keeps sending past the cap is cut off: the server drops at most
        # 1 MiB past the 64 KiB cap, then closes, so it cannot be made to read forever.
        sock = socket.create_connection((HOST, hub.port), timeout=10)
        sent = 0
        try:
            sock.sendall(chunked_head())
            chunk = b"%x\r\n" % 16384 + b"a" * 16384 + b"\r\n"
            try:
                while sent < 8 * 1024 * 1024:
                    sock.sendall(chunk)
                    sent += 16384
            except OSError:
                pass  # the server closed: what we want
            check(sent < 8 * 1024 * 1024,
                  "the server accepted %d bytes of an endless chunked body" % sent)
        finally:
            sock.close()

    for fn in (scalar_bodies, chunked_too_large, chunked_endless):
        try:
            fn()
        except AssertionError as e:
            failures.append("%s: %s" % (fn.__name__, e))
    check_eq(hub.scalar("SELECT count(*) FROM messages"), 6, "messages at the end")
    check(hub.request("GET", "/readyz", key=None).status == 200, "readyz at the very end")
    check(not failures, "\n".join(failures))

if __name__ == "__main__":
    main(test)
