"""58-smpp-server-long: concatenated submits from a client system are reassembled into one
message: 3 parts with an 8-bit-reference UDH (GSM) → one message of 3 segments whose id is
the one every part's submit_sm_resp carried; 2 UCS-2 parts with a 16-bit-reference UDH;
3 parts carried by the SAR TLVs. One receipt comes back for the whole message. Interop: the
npm `smpp` package (node-smpp) binds, submits a long UCS-2 message in two UDH parts and gets
its receipt (skipped with a note when npm or the registry is unavailable)."""
import json
import os
import shutil
import subprocess
import tempfile

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
    interop(hub, port)
    stop_clean(hub)


def interop(hub, port):
    """The npm `smpp` package as the ESME (skipped, with a note, without npm or the
    registry)."""
    npm = shutil.which("npm")
    node = shutil.which("node")
    if npm is None or node is None:
        print("npm/node not available: interop section skipped")
        return
    d = tempfile.mkdtemp(prefix="smshub-npm-")
    try:
        interop_in(hub, port, npm, node, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def interop_in(hub, port, npm, node, d):
    try:  # a throwaway prefix: nothing is installed outside it
        r = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent",
                            "--prefer-offline", "--fetch-retries=1", "--fetch-timeout=15000",
                            "--prefix", d, "smpp@0.5"], capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        print("npm install timed out: interop section skipped")
        return
    if r.returncode != 0 or not os.path.isdir(os.path.join(d, "node_modules", "smpp")):
        print("npm install smpp failed (%s): interop section skipped" % r.stderr[-200:])
        return
    r = hub.request("POST", "/v1/projects/%s/smpp-accounts" % hub.project_id,
                    {"system_id": "nodeacct", "password": "npmpw"}, key=hub.admin_token)
    check_eq(r.status, 201, "interop account")
    text = "Тест node-smpp ✓ " * 6
    env = dict(os.environ, NODE_PATH=os.path.join(d, "node_modules"))
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "npm_smpp_client.js")
    p = subprocess.run([node, script, str(port), "nodeacct", "npmpw", text], capture_output=True,
                       timeout=60, env=env)
    out = json.loads(p.stdout.decode().strip().splitlines()[-1])
    check_eq(out["bind"], 0, "node-smpp bind (%r)" % out)
    check_eq([s["status"] for s in out["submits"]], [0, 0], "node-smpp submits (%r)" % out)
    ids = {s["message_id"] for s in out["submits"]}
    check_eq(len(ids), 1, "one id for both parts")
    mid = ids.pop()
    m = hub.get_message(mid)
    check_eq(m["text"], text, "node-smpp long UCS-2 text reassembled")
    check_eq(m["encoding"], "UCS-2", "encoding")
    check(out["receipt"] is not None, "node-smpp got a receipt: %r" % out)
    check_eq(out["receipt"]["receipted_message_id"], mid, "receipt id")
    check_eq(out["receipt"]["message_state"], 2, "message_state DELIVERED")
    check("stat:DELIVRD" in out["receipt"]["text"], "receipt text %r" % out["receipt"])


if __name__ == "__main__":
    main(test, time_limit=150)  # npm install may take a while
