"""28-smpp-mo: mobile-originated deliver_sm on the `smpp` driver's client session (smsc-sim
--mo-dir injects them) become inbound messages of the credential's project: a single GSM
text; a UCS-2 text in three UDH-8 parts sent out of order with an emoji split across two
parts; a GSM text in two UDH-16 parts; a Latin-1 text in two SAR parts; and a message whose
third part never comes, stored after mo_timeout_ms with what arrived and flagged incomplete;
and a data_sm with a long UCS-2 message_payload.
Each deliver_sm_resp is ROK; the completing part's resp comes only once the row exists."""
import json
import os

from harness import check, check_eq, main, wait_for
from sec import stop_clean
from smsc import Smsc, use_smpp


def gsm(text):
    return text.encode("ascii").hex()  # the test's GSM texts are plain ASCII letters


def udh8(ref, total, seq):
    return bytes([5, 0, 3, ref, total, seq])


def udh16(ref, total, seq):
    return bytes([6, 8, 4, ref >> 8, ref & 0xFF, total, seq])


def test(hub):
    mo_dir = os.path.join(hub.dir, "mo")
    os.mkdir(mo_dir)
    smsc = Smsc(hub, ["--dlr-delay-ms", "30", "--mo-dir", mo_dir]).start()
    use_smpp(hub, smsc, mo_timeout_ms=1500)
    hub.start()
    seq = [0]

    def inject(pdus):
        seq[0] += 1
        for p in pdus:
            p.setdefault("dest_ton", 3)  # a short code: not international
        tmp = os.path.join(mo_dir, "%d.tmp" % seq[0])
        with open(tmp, "w") as f:
            json.dump(pdus, f)
        os.rename(tmp, os.path.join(mo_dir, "%d.json" % seq[0]))

    def inbound(frm):
        rows = hub.query("SELECT id, to_number, body, segments, encoding, metadata, status, "
                         "project_id FROM messages WHERE direction = 1 AND from_addr = ?", (frm,))
        return rows

    def one(frm, what):
        rows = wait_for(lambda: inbound(frm) or None, 15, what)
        check_eq(len(rows), 1, "%s: rows" % what)
        return rows[0]

    # the sender binds first: wait for the transceiver (a submit is accepted)
    hub.wait_status(hub.send(to="+998901112233", text="warm up").json["id"], "delivered", 20)

    # 1. a single GSM text
    inject([{"tag": "single", "source": "998901234567", "destination": "7777",
             "data_coding": 0, "short_message": gsm("Hello hub")}])
    r = one("+998901234567", "single MO stored")
    check_eq(str(r[1]), "7777", "to")
    check_eq(r[2], "Hello hub", "body")
    check_eq(int(r[3]), 1, "segments")
    check_eq(r[7], hub.project_id, "project of the credential")
    m = hub.get_message(r[0])
    check_eq(m["direction"], "inbound", "API direction")
    check_eq(m["status"], "delivered", "API status")

    # 2. UCS-2 in three UDH-8 parts, out of order; the emoji's surrogate pair is cut in two
    text = "Привет 👋 мир! " * 8
    raw = text.encode("utf-16-be")
    cut1 = raw.index("👋".encode("utf-16-be")) + 2  # between the high and low surrogate
    rest = raw[cut1:]
    parts = [raw[:cut1], rest[:len(rest) // 2], rest[len(rest) // 2:]]
    check(all(len(p) <= 134 for p in parts), "parts fit: %r" % [len(p) for p in parts])
    mk = lambda i: {"tag": "ucs%d" % (i + 1), "source": "998907654321", "destination": "7777",
                    "esm_class": 0x40, "data_coding": 8,
                    "short_message": (udh8(77, 3, i + 1) + parts[i]).hex()}
    inject([mk(2), mk(0)])
    wait_for(lambda: len([e for e in smsc.events("mo_resp") if e["tag"] in ("ucs1", "ucs3")])
             == 2 or None, 10, "parts 1 and 3 answered")
    check_eq(inbound("+998907654321"), [], "nothing stored before the last part")
    inject([mk(1)])
    # the completing part's resp is written only after the commit: once it is seen, the row is
    wait_for(lambda: [e for e in smsc.events("mo_resp") if e["tag"] == "ucs2"] or None, 10,
             "the completing part answered")
    check_eq(len(inbound("+998907654321")), 1, "stored before the completing part's resp")
    r = one("+998907654321", "UCS-2 concatenated MO stored")
    check_eq(r[2], text, "reassembled UCS-2 text")
    check_eq(int(r[3]), 3, "segments")
    check_eq(int(r[4]), 1, "encoding UCS-2")
    check_eq(json.loads(r[5]), {"smpp": {"data_coding": 8, "parts": 3}}, "metadata")

    # 3. GSM in two UDH-16 parts
    inject([{"tag": "u16-%d" % i, "source": "998905550000", "destination": "7777",
             "esm_class": 0x40, "data_coding": 0,
             "short_message": (udh16(0x1234, 2, i) + (b"A" * 153 if i == 1 else b"tail")).hex()}
            for i in (1, 2)])
    r = one("+998905550000", "UDH-16 MO stored")
    check_eq(r[2], "A" * 153 + "tail", "UDH-16 text")

    # 4. Latin-1 in two SAR parts
    inject([{"tag": "sar-%d" % i, "source": "998905550001", "destination": "7777",
             "data_coding": 3, "sar": [9, 2, i],
             "short_message": ("Grüße aus " if i == 1 else "Köln").encode("latin-1").hex()}
            for i in (1, 2)])
    r = one("+998905550001", "SAR MO stored")
    check_eq(r[2], "Grüße aus Köln", "SAR text")

    # 5. the third part never comes: stored after mo_timeout_ms, flagged
    inject([{"tag": "inc-%d" % i, "source": "998905550002", "destination": "7777",
             "esm_class": 0x40, "data_coding": 0,
             "short_message": (udh8(5, 3, i) + b"part%d " % i).hex()} for i in (1, 2)])
    r = one("+998905550002", "incomplete MO stored after the timeout")
    check_eq(r[2], "part1 part2 ", "what arrived")
    check_eq(json.loads(r[5]), {"smpp": {"data_coding": 0, "parts": 3, "parts_received": 2,
                                         "incomplete": True}}, "incomplete flag")

    # 6. data_sm with a long UCS-2 message_payload
    long_text = "Длинное сообщение через data_sm. " * 6
    inject([{"tag": "dsm", "data_sm": True, "source": "998905550003", "destination": "7777",
             "data_coding": 8, "payload": long_text.encode("utf-16-be").hex()}])
    r = one("+998905550003", "data_sm MO stored")
    check_eq(r[2], long_text, "message_payload text")

    # the last resp is written after its commit, and smsc-sim logs it when it reads it
    want = 1 + 3 + 2 + 2 + 2 + 1
    wait_for(lambda: len(smsc.events("mo_resp")) >= want, 10, "every MO part answered")
    resps = smsc.events("mo_resp")
    check_eq(len(resps), want, "every MO part answered once: %r" % resps)
    check(all(e["status"] == 0 for e in resps), "all ROK: %r" % resps)
    check_eq(smsc.events("mo_lost"), [], "no MO left unanswered")
    check_eq(hub.scalar("SELECT count(*) FROM messages WHERE direction = 1"), 6,
             "six inbound messages")

    stop_clean(hub)  # exit 0, no sanitizer report (under ASan: no leak)
    check_eq(smsc.stop(), 0, "smsc-sim exit code")
    check("Sanitizer" not in smsc.stderr_tail(200), "smsc-sim sanitizer report")

if __name__ == "__main__":
    main(test)
