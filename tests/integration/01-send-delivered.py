"""01-send-delivered: one message goes queued → submitted → sent → delivered on the simulator;
the 202 answer, the Location header, the timeline and the encoding/segment counts are right."""
import re

from harness import STATUS_CODES, check, check_eq, main, parse_rfc3339


def test(hub):
    hub.start()

    # ---- 202 answer
    r = hub.send(to="+998901234567", text="Hello from smshub", type="otp")
    b = r.json
    check(isinstance(b, dict), "202 body is not a JSON object: %r" % r)
    check(re.fullmatch(r"msg_[0-9A-Za-z]{26}", b.get("id", "")), "bad id %r" % b.get("id"))
    check_eq(b["status"], "queued", "202 status")
    check_eq(b["to"], "+998901234567", "202 to")
    check_eq(b["country"], "UZ", "202 country")
    check_eq(b["encoding"], "GSM-7", "202 encoding")
    check_eq(b["segments"], 1, "202 segments")
    check_eq(b["type"], "otp", "202 type")
    check(abs(parse_rfc3339(b["created_at"]) - __import__("time").time()) < 60,
          "created_at %r is not now" % b["created_at"])
    check("scheduled_at" not in b, "unscheduled message has scheduled_at: %r" % b)
    check_eq(r.headers.get("location"), "/v1/messages/" + b["id"], "Location header")
    check(r.headers.get("content-type", "").startswith("application/json"),
          "202 content type %r" % r.headers.get("content-type"))
    check(r.headers.get("x-request-id"), "202 has no X-Request-Id")
    msg_id = b["id"]

    # ---- the message row exists as soon as the 202 is out
    check_eq(hub.scalar("SELECT count(*) FROM messages WHERE id = ?", (msg_id,)), 1,
             "rows for the acknowledged id")

    # ---- delivered, with the full timeline
    m = hub.wait_status(msg_id, "delivered", timeout=10)
    check_eq(m["id"], msg_id, "GET id")
    check_eq(m["provider"], "simulator", "provider")
    check_eq(m["text"], "Hello from smshub", "text")
    check_eq(m["attempts"], 1, "attempts")
    check(m["error"] is None, "delivered message has an error: %r" % m["error"])
    check(isinstance(m["provider_message_id"], str) and m["provider_message_id"],
          "provider_message_id missing: %r" % m)
    check_eq(m["credential_id"], hub.credential_id, "credential_id")
    tl = m["timeline"]
    check_eq([e["status"] for e in tl], ["queued", "submitted", "sent", "delivered"],
             "timeline statuses")
    times = [parse_rfc3339(e["at"]) for e in tl]
    check(all(a < b for a, b in zip(times, times[1:])),
          "timeline times are not increasing: %r" % [e["at"] for e in tl])
    for e in tl[1:]:
        check_eq(e["provider"], "simulator", "timeline provider of %s" % e["status"])

    # ---- the database agrees
    row = hub.query("SELECT status, attempts, in_doubt, provider_message_id FROM messages "
                    "WHERE id = ?", (msg_id,))[0]
    check_eq(row, (STATUS_CODES["delivered"], 1, 0, m["provider_message_id"]), "db row")
    ev = hub.query("SELECT status FROM message_events WHERE message_id = ? ORDER BY seq",
                   (msg_id,))
    check_eq([s for (s,) in ev], [0, 1, 2, 3], "message_events statuses")

    # ---- the simulator received it exactly once
    lines = [ln for ln in hub.sim_log_lines() if ln[0] == msg_id]
    check_eq(len(lines), 1, "simulator submits for %s" % msg_id)
    check_eq(lines[0][1:], (1, hub.credential_id, m["provider_message_id"]), "simulator log line")

    # ---- encodings and segment counts
    cases = [
        # (text, encoding, segments)
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 153 * 2, "GSM-7", 2),
        ("a" * (153 * 2 + 1), "GSM-7", 3),
        ("a" * 158 + "€", "GSM-7", 1),      # € is an escape: 2 septets → 160
        ("a" * 159 + "€", "GSM-7", 2),      # 161 septets
        ("[]{}" * 40, "GSM-7", 3),           # 160 chars, 320 septets → 3 × 153
        ("Привет, мир! 👋", "UCS-2", 1),      # the emoji is a surrogate pair: 16 units
        ("Ж" * 70, "UCS-2", 1),
        ("Ж" * 71, "UCS-2", 2),
        ("Ж" * 134, "UCS-2", 2),
        ("Ж" * 135, "UCS-2", 3),
        ("😀" * 35, "UCS-2", 1),              # 70 UTF-16 units
        ("😀" * 36, "UCS-2", 2),              # 72 units
    ]
    ids = []
    for text, enc, segs in cases:
        b = hub.send(text=text).json
        check_eq((b["encoding"], b["segments"]), (enc, segs),
                 "encoding/segments of %r (%d chars)" % (text[:20], len(text)))
        ids.append((b["id"], text, enc, segs))
    # GET returns the text unchanged, and the stored message is delivered as well
    for msg_id, text, enc, segs in ids:
        m = hub.wait_status(msg_id, "delivered", timeout=10)
        check_eq(m["text"], text, "stored text")
        check_eq((m["encoding"], m["segments"]), (enc, segs), "GET encoding/segments")


if __name__ == "__main__":
    main(test)
