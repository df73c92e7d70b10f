"""57-smpp-server-submit: submit_sm over the hub's SMPP server goes through the REST accept
path: submit_sm_resp carries our message id only once the row is stored, the message is
delivered by the simulator, and a receipt deliver_sm (esm_class 0x04, receipted_message_id,
message_state, Appendix B text) comes back on the transceiver and is marked sent on
deliver_sm_resp. data_coding 8 (UCS-2) and 3 (Latin-1) decode to UTF-8; message_payload and
data_sm are accepted; a bad destination answers ESME_RINVDSTADR, an empty text
ESME_RINVMSGLEN, submit on a receiver ESME_RINVBNDSTS, an unknown command generic_nack,
enquire_link its resp; stopping the daemon unbinds the session."""
import struct

from harness import check, check_eq, main
from smppcli import (BIND_RX, BIND_TRX, DATA_SM, ENQUIRE_LINK, GENERIC_NACK, RESP, RINVBNDSTS,
                     RINVCMDID, RINVDSTADR, RINVMSGLEN, ROK, TLV_MESSAGE_STATE, TLV_PAYLOAD,
                     TLV_RECEIPTED_MESSAGE_ID, SUBMIT_SM, UNBIND, Smpp, start_hub, tlv)


def test(hub):
    port = start_hub(hub)
    pid = hub.project_id
    r = hub.request("POST", "/v1/projects/%s/smpp-accounts" % pid,
                    {"system_id": "legacy", "password": "pw1"}, key=hub.admin_token)
    check_eq(r.status, 201, "account")

    c = Smpp(port)
    check_eq(c.bind(BIND_TRX, "legacy", "pw1"), ROK, "bind")

    # ---- one GSM message: id, durable at resp time, delivered, receipt
    st, mid = c.submit_wait("998901234567", "Hello over SMPP", src="ACME")
    check_eq(st, ROK, "submit_sm status")
    check(mid.startswith("msg_"), "our message id %r" % mid)
    check_eq(hub.scalar("SELECT count(*) FROM messages WHERE id = ?", (mid,)), 1,
             "row stored when submit_sm_resp is out")
    m = hub.wait_status(mid, "delivered", timeout=15)
    check_eq(m["to"], "+998901234567", "to")
    check_eq(m["text"], "Hello over SMPP", "text")
    check_eq(m["from"], "ACME", "from")
    rc = c.receipt(timeout=15)
    check(rc is not None, "a receipt arrived")
    check_eq(rc["esm_class"] & 0x3C, 0x04, "receipt esm_class")
    check_eq(rc["tlvs"].get(TLV_RECEIPTED_MESSAGE_ID), mid.encode() + b"\0",
             "receipted_message_id")
    check_eq(rc["tlvs"].get(TLV_MESSAGE_STATE), b"\x02", "message_state DELIVERED")
    check(rc["text"].startswith("id:%s sub:001 dlvrd:001 submit date:" % mid),
          "receipt text %r" % rc["text"])
    check(" stat:DELIVRD err:000 text:Hello over SMPP" in rc["text"],
          "receipt text %r" % rc["text"])
    check_eq(rc["source_addr"], "998901234567", "receipt from the handset")
    check_eq(rc["destination_addr"], "ACME", "receipt to the original sender")

    def sent_at():
        v = hub.scalar("SELECT sent_at FROM smpp_receipts WHERE message_id = ?", (mid,))
        return v if v else None
    from harness import wait_for
    wait_for(sent_at, 5, "receipt marked sent after deliver_sm_resp")

    # ---- UCS-2 and Latin-1, message_payload, data_sm
    st, mid2 = c.submit_wait("998901234568", "Привет, мир", dc=8, reg=0)
    check_eq(st, ROK, "UCS-2 submit")
    st, mid3 = c.submit_wait("998901234569", "caf\xe9", dc=3, reg=0)
    check_eq(st, ROK, "Latin-1 submit")
    long_text = "payload " * 30
    st, mid4 = c.submit_wait("998901234570", b"", reg=0,
                             tlvs=tlv(TLV_PAYLOAD, long_text.encode()))
    check_eq(st, ROK, "message_payload submit")
    body = (b"\0" + bytes([1, 1]) + b"ACME\0" + bytes([1, 1]) + b"998901234571\0" +
            bytes([0, 0, 0]) + tlv(TLV_PAYLOAD, b"via data-sm"))
    seq = c.send(DATA_SM, body)
    cmd, st, rb = c.wait_resp(seq)
    check_eq((cmd, st), (DATA_SM | RESP, ROK), "data_sm_resp")
    mid5 = rb.split(b"\0")[0].decode()
    for i, (mx, text) in enumerate([(mid2, "Привет, мир"), (mid3, "café"),
                                     (mid4, long_text), (mid5, "via data-sm")]):
        m = hub.wait_status(mx, "delivered", timeout=15)
        check_eq(m["text"], text, "decoded text %d" % i)
    check_eq(hub.get_message(mid2)["encoding"], "UCS-2", "UCS-2 encoding")
    check_eq(hub.scalar("SELECT count(*) FROM smpp_receipts WHERE message_id IN (?, ?)",
                        (mid2, mid3)), 0, "no receipt owed without registered_delivery")

    # ---- refusals
    st, _ = c.submit_wait("not-a-number", "x")
    check_eq(st, RINVDSTADR, "bad destination")
    st, _ = c.submit_wait("998901234567", "")
    check_eq(st, RINVMSGLEN, "empty text")
    seq = c.send(0x21, b"")  # submit_multi: not supported
    cmd, st, _ = c.wait_resp(seq)
    check_eq((cmd, st), (GENERIC_NACK, RINVCMDID), "unknown command → generic_nack")
    seq = c.send(ENQUIRE_LINK)
    cmd, st, _ = c.wait_resp(seq)
    check_eq((cmd, st), (ENQUIRE_LINK | RESP, ROK), "enquire_link_resp")
    rx = Smpp(port)
    check_eq(rx.bind(BIND_RX, "legacy", "pw1"), ROK, "receiver bind")
    st, _ = rx.submit_wait("998901234567", "x")
    check_eq(st, RINVBNDSTS, "submit on a receiver")
    rx.close()
    # a bad command_length: generic_nack then close
    bad = Smpp(port)
    bad.sock.sendall(struct.pack(">IIII", 8, 0x15, 0, 7))
    p = bad.next_pdu(GENERIC_NACK, timeout=5)
    check(p is not None and p[0] == 0x02, "generic_nack ESME_RINVCMDLEN for a short PDU: %r" % (p,))
    bad.close()

    # ---- daemon stop: the bound session is unbound first
    import threading
    # with submits in flight: every one answered ROK is stored
    burst = [c.submit("998901234567", "burst %d" % i, reg=0) for i in range(200)]
    rcs = []
    stopper = threading.Thread(target=lambda: rcs.append(hub.stop()))
    stopper.start()
    acked = []
    unbind_seq = None
    while True:
        try:
            pdu = c._read(10)
        except OSError:
            pdu = None
        if pdu is None:
            break
        cmd, st, seq, body = pdu
        if cmd == SUBMIT_SM | RESP and st == ROK and seq in burst:
            acked.append(body.split(b"\0")[0].decode())
        elif cmd == UNBIND and unbind_seq is None:
            unbind_seq = seq
            c.send(UNBIND | RESP, seq=seq)
    check(unbind_seq is not None, "unbind from the stopping hub")
    stopper.join(30)
    check(hub.proc is None, "hub stopped")
    check_eq(rcs, [0], "exit code of smshub serve")
    if acked:
        n = hub.scalar("SELECT count(*) FROM messages WHERE id IN (%s)"
                       % ",".join("?" * len(acked)), tuple(acked))
        check_eq(n, len(acked), "every acknowledged submit is stored")
    with open(hub.stderr_path, "rb") as f:
        log = f.read()
    for bad in (b"AddressSanitizer", b"LeakSanitizer", b"runtime error:"):
        check(bad not in log, "sanitizer report:\n%s" % log[-3000:].decode("utf-8", "replace"))
    c.close()


if __name__ == "__main__":
    main(test)
