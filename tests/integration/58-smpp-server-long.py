"""58-smpp-server-long: concatenated submits from a client system are reassembled into one
message: 3 parts with an 8-bit-reference UDH (GSM) → one message of 3 segments whose id is
the one every part's submit_sm_resp carried; 2 UCS-2 parts with a 16-bit-reference UDH;
3 parts carried by the SAR TLVs. One receipt comes back for the whole message. (The npm
`smpp` package binding to the server is in 37-smpp-npm-interop, with both directions.)"""
from sec import stop_clean
from harness import check, check_eq, main
from smppcli import (BIND_TRX, ROK, TLV_RECEIPTED_MESSAGE_ID, TLV_SAR_REF, TLV_SAR_SEQ,
                     TLV_SAR_TOTAL, Smpp, start_hub, tlv)


def test(hub):
    port = start_hub(hub)
    r = hub.request("POST", "/v1/projects/%s/smpp-accounts" % hub.project_id,
                    {"system_id": "longacct", "password": "pw"}, key=hub.admin_token)
    check_eq(r.status, 201, "account")
    c = Smpp(port)
    check_eq(c.bind(BIND_TRX, "longacct", "pw"), ROK, "bind")

    # ---- 3 GSM parts, UDH 05 00 03 RR 03 SS
    text = "".join(chr(ord("a") + i % 26) for i in range(400))
    chunks = [text[0:153], text[153:306], text[306:]]
    ids = []
    for i, ch in enumerate(chunks):
        udh = bytes([5, 0, 3, 0x42, 3, i + 1])
        st, mid = c.submit_wait("998901234567", udh + ch.encode(), src="ACME", esm=0x40)
        check_eq(st, ROK, "part %d" % (i + 1))
        ids.append(mid)
    check(len(set(ids)) == 1 and ids[0].startswith("msg_"), "one id for all parts: %r" % ids)
    mid = ids[0]
    m = hub.wait_status(mid, "delivered", timeout=15)
    check_eq(m["text"], text, "reassembled text")
    check_eq(m["segments"], 3, "3 segments")
    check_eq(hub.scalar("SELECT count(*) FROM messages WHERE to_number = ?", ("+998901234567",)),
             1, "one message row")
    rc = c.receipt(timeout=15)
    check(rc is not None and rc["tlvs"][TLV_RECEIPTED_MESSAGE_ID] == mid.encode() + b"\0",
          "one receipt for the whole message: %r" % (rc,))

    # ---- 2 UCS-2 parts, 16-bit reference, out of order
    utext = "Ж" * 100
    u = utext.encode("utf-16-be")
    parts = [u[:134], u[134:]]
    st2, mid2 = c.submit_wait("998901234568", bytes([6, 8, 4, 0x12, 0x34, 2, 2]) + parts[1],
                              dc=8, esm=0x40, reg=0)
    st1, mid1 = c.submit_wait("998901234568", bytes([6, 8, 4, 0x12, 0x34, 2, 1]) + parts[0],
                              dc=8, esm=0x40, reg=0)
    check_eq((st1, st2), (ROK, ROK), "UCS-2 parts")
    check_eq(mid1, mid2, "same id")
    m = hub.wait_status(mid1, "delivered", timeout=15)
    check_eq(m["text"], utext, "UCS-2 reassembled")
    check_eq(m["encoding"], "UCS-2", "encoding")
    check_eq(m["segments"], 2, "2 UCS-2 segments")

    # ---- SAR TLVs
    sids = []
    for i, ch in enumerate(chunks):
        t = (tlv(TLV_SAR_REF, b"\x00\x07") + tlv(TLV_SAR_TOTAL, b"\x03") +
             tlv(TLV_SAR_SEQ, bytes([i + 1])))
        st, sid = c.submit_wait("998901234569", ch.encode(), reg=0, tlvs=t)
        check_eq(st, ROK, "SAR part %d" % (i + 1))
        sids.append(sid)
    check(len(set(sids)) == 1, "SAR parts share an id")
    m = hub.wait_status(sids[0], "delivered", timeout=15)
    check_eq(m["text"], text, "SAR reassembled")
    check_eq(m["segments"], 3, "SAR 3 segments")
    c.close()
    stop_clean(hub)


if __name__ == "__main__":
    main(test)
