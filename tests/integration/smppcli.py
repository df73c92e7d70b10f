"""smppcli: a small blocking SMPP 3.4 client (ESME) for the integration tests of the hub's
SMPP server — stdlib socket + struct only. PDUs that arrive while waiting for a response
(deliver_sm receipts, unbind) are kept in an inbox; deliver_sm is acknowledged on read unless
auto_ack is off."""
import os
import socket
import struct
import time

from harness import check, wait_for

BIND_RX, BIND_TX, BIND_TRX = 0x01, 0x02, 0x09
SUBMIT_SM, DELIVER_SM, UNBIND, ENQUIRE_LINK, DATA_SM = 0x04, 0x05, 0x06, 0x15, 0x103
GENERIC_NACK = 0x80000000
RESP = 0x80000000

ROK, RINVMSGLEN, RINVCMDLEN, RINVCMDID, RINVBNDSTS, RALYBND = 0, 1, 2, 3, 4, 5
RSYSERR, RINVSRCADR, RINVDSTADR, RBINDFAIL, RINVPASWD, RINVSYSID = 8, 0x0A, 0x0B, 0x0D, 0x0E, 0x0F
RSUBMITFAIL, RTHROTTLED = 0x45, 0x58

TLV_RECEIPTED_MESSAGE_ID, TLV_MESSAGE_STATE = 0x001E, 0x0427
TLV_SAR_REF, TLV_SAR_TOTAL, TLV_SAR_SEQ, TLV_PAYLOAD = 0x020C, 0x020E, 0x020F, 0x0424


def start_hub(hub, extra=()):
    """Starts hub with the SMPP server on an ephemeral port; returns that port."""
    pf = os.path.join(hub.dir, "smpp.port")
    try:
        os.unlink(pf)
    except FileNotFoundError:
        pass
    hub.start(["--smpp-listen", "127.0.0.1:0", "--smpp-port-file", pf] + list(extra))

    def port():
        try:
            with open(pf) as f:
                t = f.read().strip()
            return int(t) if t.isdigit() else None
        except FileNotFoundError:
            return None
    return wait_for(port, 10, "the SMPP port file")


def cstr(s):
    return (s.encode() if isinstance(s, str) else s) + b"\0"


def tlv(tag, value):
    return struct.pack(">HH", tag, len(value)) + value


def read_cstr(b, off):
    end = b.index(b"\0", off)
    return b[off:end].decode("latin-1"), end + 1


def parse_sm(body):
    """Fields of a submit_sm / deliver_sm body as a dict (TLVs under 'tlvs')."""
    d = {}
    off = 0
    d["service_type"], off = read_cstr(body, off)
    d["source_ton"], d["source_npi"] = body[off], body[off + 1]
    d["source_addr"], off = read_cstr(body, off + 2)
    d["dest_ton"], d["dest_npi"] = body[off], body[off + 1]
    d["destination_addr"], off = read_cstr(body, off + 2)
    d["esm_class"], d["protocol_id"], d["priority"] = body[off], body[off + 1], body[off + 2]
    _, off = read_cstr(body, off + 3)
    _, off = read_cstr(body, off)
    d["registered_delivery"], d["data_coding"] = body[off], body[off + 2]
    n = body[off + 4]
    d["short_message"] = body[off + 5:off + 5 + n]
    off += 5 + n
    tl = {}
    while off + 4 <= len(body):
        tag, ln = struct.unpack(">HH", body[off:off + 4])
        tl[tag] = body[off + 4:off + 4 + ln]
        off += 4 + ln
    d["tlvs"] = tl
    return d


class Smpp:
    def __init__(self, port, host="127.0.0.1", timeout=10, auto_ack=True):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.seq = 0
        self.inbox = []
        self.auto_ack = auto_ack
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, cmd, body=b"", status=0, seq=None):
        if seq is None:
            self.seq += 1
            seq = self.seq
        self.sock.sendall(struct.pack(">IIII", 16 + len(body), cmd, status, seq) + body)
        return seq

    def _read(self, timeout):
        """One PDU (cmd, status, seq, body), or None at EOF."""
        self.sock.settimeout(timeout)
        while True:
            if len(self.buf) >= 16:
                ln = struct.unpack(">I", self.buf[:4])[0]
                if len(self.buf) >= ln:
                    pdu, self.buf = self.buf[:ln], self.buf[ln:]
                    cmd, st, seq = struct.unpack(">III", pdu[4:16])
                    if cmd == DELIVER_SM and self.auto_ack:
                        self.send(DELIVER_SM | RESP, b"\0", seq=seq)
                    return cmd, st, seq, pdu[16:]
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk

    def wait_resp(self, seq, timeout=10):
        """The response (cmd, status, body) to request seq; other PDUs go to the inbox."""
        end = time.time() + timeout
        while True:
            left = end - time.time()
            check(left > 0, "no response to sequence %d within %ss" % (seq, timeout))
            p = self._read(left)
            check(p is not None, "connection closed while waiting for sequence %d" % seq)
            cmd, st, s, body = p
            if s == seq and (cmd & RESP):
                return cmd, st, body
            self.inbox.append(p)

    def next_pdu(self, cmd, timeout=10):
        """The next PDU with command id cmd (inbox first); (status, seq, body) or None."""
        for i, p in enumerate(self.inbox):
            if p[0] == cmd:
                del self.inbox[i]
                return p[1], p[2], p[3]
        end = time.time() + timeout
        while time.time() < end:
            try:
                p = self._read(max(0.05, end - time.time()))
            except socket.timeout:
                return None
            if p is None:
                return None
            if p[0] == cmd:
                return p[1], p[2], p[3]
            self.inbox.append(p)
        return None

    def bind(self, mode, system_id, password, system_type=""):
        body = cstr(system_id) + cstr(password) + cstr(system_type) + bytes([0x34, 0, 0]) + cstr("")
        seq = self.send(mode, body)
        cmd, st, body = self.wait_resp(seq)
        check(cmd in (mode | RESP, GENERIC_NACK), "bind answered with 0x%x" % cmd)
        return st

    def submit(self, dst, message=b"", src="", dc=0, esm=0, reg=1, tlvs=b"", cmd=SUBMIT_SM):
        if isinstance(message, str):
            message = message.encode("latin-1") if dc in (0, 3) else message.encode("utf-16-be")
        body = (cstr("") + bytes([5 if src and not src.isdigit() else 1, 1]) + cstr(src) +
                bytes([1, 1]) + cstr(dst) + bytes([esm, 0, 0]) + cstr("") + cstr("") +
                bytes([reg, 0, dc, 0, len(message)]) + message + tlvs)
        return self.send(cmd, body)

    def submit_wait(self, *a, **kw):
        """submit_sm and its response: (status, message_id)."""
        seq = self.submit(*a, **kw)
        cmd, st, body = self.wait_resp(seq)
        mid = body.split(b"\0")[0].decode() if body else ""
        return st, mid

    def receipt(self, timeout=10):
        """The next receipt deliver_sm as parse_sm's dict (plus 'text'), or None."""
        p = self.next_pdu(DELIVER_SM, timeout)
        if p is None:
            return None
        d = parse_sm(p[2])
        d["text"] = d["short_message"].decode("latin-1")
        d["seq"] = p[1]
        return d

    def unbind(self):
        seq = self.send(UNBIND)
        return self.wait_resp(seq)[1]
