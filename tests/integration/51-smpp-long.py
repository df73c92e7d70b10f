"""51-smpp-long: a 3-part GSM message goes out as 3 submit_sm with the 8-bit concatenation UDH
(one reference, parts 1..3 of 3, UDHI set) and reaches `delivered` only after all 3 receipts;
its provider message id is the first part's. With a slow receipt for the later parts the
message stays `submitted` until the last one. A second credential setting (udh16 / sar) is
checked on a UCS-2 text: 16-bit reference or SAR TLVs, no UDH."""
from harness import check, check_eq, main, wait_for
from smsc import Smsc, use_smpp

TEXT = "".join(chr(ord("a") + i % 26) for i in range(153 * 2 + 10))  # 3 parts of <= 153


def parts_of(smsc, n):
    subs = smsc.events("submit")
    check_eq(len(subs), n, "submit_sm count")
    return subs


def test(hub):
    smsc = Smsc(hub, ["--dlr-delay-ms", "20"]).start()
    use_smpp(hub, smsc, window=5)
    hub.start()

    mid = hub.send(text=TEXT).json["id"]
    m = hub.wait_status(mid, "delivered", timeout=20)
    subs = wait_for(lambda: len(smsc.events("submit")) == 3 and smsc.events("submit"), 5,
                    "3 submits")
    refs = {s["udh_ref"] for s in subs}
    check_eq(len(refs), 1, "one UDH reference for all parts")
    check_eq(sorted(s["udh_part"] for s in subs), [1, 2, 3], "part numbers")
    check(all(s["udh_total"] == 3 and not s["udh16"] for s in subs), "8-bit UDH, total 3")
    check(all(s["esm_class"] & 0x40 for s in subs), "UDHI bit set")
    body = b""
    for s in sorted(subs, key=lambda s: s["udh_part"]):
        sm = bytes.fromhex(s["short_message"])
        check_eq(sm[:3], b"\x05\x00\x03", "UDH header")
        body += sm[6:]
    check_eq(body.decode(), TEXT, "the parts put together")
    first = [s for s in subs if s["udh_part"] == 1][0]
    check_eq(m["provider_message_id"], first["message_id"], "pmid = first part's id")
    wait_for(lambda: len(smsc.events("dlr")) == 3, 5, "3 receipts acknowledged")
    check_eq(m["segments"], 3, "segments")

    # udh16 with UCS-2: 2 parts of at most 66 chars
    hub.stop()
    smsc.stop()
    smsc.start(["--dlr-delay-ms", "20"])
    hub.write_db([("DELETE FROM provider_credentials WHERE provider_id = 'smpp'", ())])
    use_smpp(hub, smsc, long_messages="udh16")
    hub.start()
    before = len(smsc.events("submit"))
    text = "Ж" * 100
    mid = hub.send(text=text).json["id"]
    hub.wait_status(mid, "delivered", timeout=20)
    subs = smsc.events("submit")[before:]
    check_eq(len(subs), 2, "UCS-2 udh16 parts")
    check(all(s["udh16"] and s["data_coding"] == 8 for s in subs), "16-bit UDH, UCS-2")
    body = b"".join(bytes.fromhex(s["short_message"])[7:]
                    for s in sorted(subs, key=lambda s: s["udh_part"]))
    check_eq(body.decode("utf-16-be"), text, "UCS-2 parts put together")

    # sar: no UDH, the SAR TLVs carry the same numbers
    hub.stop()
    hub.write_db([("DELETE FROM provider_credentials WHERE provider_id = 'smpp'", ())])
    use_smpp(hub, smsc, long_messages="sar")
    hub.start()
    before = len(smsc.events("submit"))
    mid = hub.send(text=TEXT).json["id"]
    hub.wait_status(mid, "delivered", timeout=20)
    subs = smsc.events("submit")[before:]
    check_eq(sorted(s.get("sar_part") for s in subs), [1, 2, 3], "SAR part numbers")
    check(all(not (s["esm_class"] & 0x40) for s in subs), "no UDHI with SAR")
    check_eq(len({s["sar_ref"] for s in subs}), 1, "one SAR reference")


if __name__ == "__main__":
    main(test)
