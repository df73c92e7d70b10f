"""37-smpp-npm-interop: SMPP against an implementation we did not write, the npm `smpp`
package (node-smpp), in both directions, installed with npm into a throwaway prefix
(from npm's cache when it has it; the test is skipped with a note without node/npm or the
registry).

- node-smpp as the SMSC for our `smpp` driver (npm_smpp_smsc.js): a short GSM text (with
  `@`, septet 0x00), a 3-part GSM text and a 2-part UCS-2 text are submitted; node-smpp's
  decoding shows data_coding 0/8, the 8-bit concatenation UDH (one reference, parts 1..n of
  n) and the texts; its receipts (Appendix B text, upper-case hex ids, receipted_message_id
  TLV) take each message to `delivered`.
- node-smpp as the ESME binding to our SMPP server (npm_smpp_client.js): a long UCS-2 message
  in two UDH parts is reassembled, goes out through the driver to the node SMSC, and the
  receipt comes back to the node ESME with our id and stat:DELIVRD."""
import json
import os
import shutil
import signal
import subprocess
import tempfile

from sec import stop_clean
from harness import check, check_eq, main, wait_for
from smppcli import start_hub
from smsc import use_smpp

HERE = os.path.dirname(os.path.abspath(__file__))
SHORT = "Hello @ smshub via node-smpp"
LONG_GSM = "".join(chr(ord("a") + i % 26) for i in range(400))  # 3 parts of <= 153
LONG_UCS2 = "Привет из smshub ✓ " * 6  # 114 characters: 2 parts of <= 67


def npm_install(d):
    """npm install smpp@0.5 into prefix d; returns node_modules or None (with a note)."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        print("npm/node not available: test skipped")
        return None
    try:  # a throwaway prefix: nothing is installed outside it
        r = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent",
                            "--prefer-offline", "--fetch-retries=1", "--fetch-timeout=15000",
                            "--prefix", d, "smpp@0.5"], capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        print("npm install timed out: test skipped")
        return None
    nm = os.path.join(d, "node_modules")
    if r.returncode != 0 or not os.path.isdir(os.path.join(nm, "smpp")):
        print("npm install smpp failed (%s): test skipped" % r.stderr[-200:])
        return None
    return nm


class NodeSmsc:
    """npm_smpp_smsc.js as a process of its own (stopped by its pid)."""

    def __init__(self, hub, node_modules):
        self.log = os.path.join(hub.dir, "node-smsc.jsonl")
        pf = os.path.join(hub.dir, "node-smsc.port")
        self.err = open(os.path.join(hub.dir, "node-smsc.stderr"), "ab")
        self.proc = subprocess.Popen(
            [shutil.which("node"), os.path.join(HERE, "npm_smpp_smsc.js"), pf, self.log],
            env=dict(os.environ, NODE_PATH=node_modules), stdin=subprocess.DEVNULL,
            stdout=self.err, stderr=self.err, start_new_session=True)
        hub.on_cleanup(self.stop)

        def port():
            check(self.proc.poll() is None, "node SMSC exited with %r" % self.proc.returncode)
            try:
                with open(pf) as f:
                    t = f.read().strip()
                return int(t) if t.isdigit() else None
            except FileNotFoundError:
                return None
        self.port = wait_for(port, 15, "the node SMSC's port file")

    def events(self, kind):
        try:
            with open(self.log) as f:
                return [o for o in map(json.loads, f) if o["event"] == kind]
        except FileNotFoundError:
            return []

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)
        self.err.close()


def check_parts(parts, text, dc, what):
    """node-smpp's view of one message's submit_sm: data_coding, UDH, text."""
    check(all(p["data_coding"] == dc for p in parts), "%s: data_coding %r"
          % (what, [p["data_coding"] for p in parts]))
    if len(parts) == 1:
        check_eq(parts[0]["udh"], [], what + ": no UDH")
        check_eq(parts[0]["esm_class"] & 0x40, 0, what + ": no UDHI")
        check_eq(parts[0]["text"], text, what + ": text")
        return
    n = len(parts)
    udh = [bytes.fromhex(p["udh"][0]) for p in parts]  # node-smpp: IEI, length, data
    check(all(p["esm_class"] & 0x40 for p in parts), what + ": UDHI set")
    check(all(len(p["udh"]) == 1 and len(u) == 5 and u[:2] == b"\x00\x03" for p, u in
              zip(parts, udh)), what + ": one IE 00 (8-bit reference), length 3: %r" % udh)
    check_eq(len({u[2] for u in udh}), 1, what + ": one reference")
    check_eq({u[3] for u in udh}, {n}, what + ": total")
    check_eq(sorted(u[4] for u in udh), list(range(1, n + 1)), what + ": part numbers")
    joined = "".join(p["text"] for _, p in sorted(zip([u[4] for u in udh], parts),
                                                   key=lambda x: x[0]))
    check_eq(joined, text, what + ": the parts put together")


def client_direction(hub, smsc):
    """Our driver → node-smpp SMSC: submits seen by node-smpp, its receipts applied."""
    ids = {}
    for name, to, text in (("short", "+998901230001", SHORT), ("long GSM", "+998901230002",
                           LONG_GSM), ("long UCS-2", "+998901230003", LONG_UCS2)):
        ids[name] = (to, text, hub.send(to=to, text=text).json["id"])
    for name, (to, text, mid) in ids.items():
        m = hub.wait_status(mid, "delivered", timeout=20)
        subs = [s for s in smsc.events("submit") if s["destination"] == to[1:]]
        check(all(s["registered_delivery"] & 1 for s in subs), name + ": registered_delivery")
        check_parts(subs, text, 8 if name == "long UCS-2" else 0, name)
        check(m["provider_message_id"] in {s["message_id"] for s in subs},
              "%s: pmid %r is a node-smpp id" % (name, m["provider_message_id"]))
        check_eq(m["segments"], len(subs), name + ": segments")
    check_eq(len(smsc.events("bind")), 1, "one transceiver bind")
    check_eq(smsc.events("bind")[0]["kind"], "transceiver", "bind kind")
    acked = wait_for(lambda: len(smsc.events("dlr")) == 6 and smsc.events("dlr"), 5,
                     "6 receipts acknowledged")
    check(all(a["status"] == 0 for a in acked), "deliver_sm_resp ROK: %r" % acked)


def server_direction(hub, port, node_modules, smsc):
    """node-smpp ESME → our SMPP server → our driver → node-smpp SMSC, and the receipt back."""
    r = hub.request("POST", "/v1/projects/%s/smpp-accounts" % hub.project_id,
                    {"system_id": "nodeacct", "password": "npmpw"}, key=hub.admin_token)
    check_eq(r.status, 201, "interop account")
    text = "Тест node-smpp ✓ " * 6
    p = subprocess.run([shutil.which("node"), os.path.join(HERE, "npm_smpp_client.js"),
                        str(port), "nodeacct", "npmpw", text], capture_output=True,
                       timeout=60, env=dict(os.environ, NODE_PATH=node_modules))
    out = json.loads(p.stdout.decode().strip().splitlines()[-1])
    check_eq(out["bind"], 0, "node-smpp bind (%r)" % out)
    check_eq([s["status"] for s in out["submits"]], [0, 0], "node-smpp submits (%r)" % out)
    ids = {s["message_id"] for s in out["submits"]}
    check_eq(len(ids), 1, "one id for both parts")
    mid = ids.pop()
    m = hub.get_message(mid)
    check_eq(m["text"], text, "node-smpp long UCS-2 text reassembled")
    check_eq(m["encoding"], "UCS-2", "encoding")
    check_eq(m["status"], "delivered", "delivered through the node SMSC")
    subs = [s for s in smsc.events("submit") if s["destination"] == "998901234580"]
    check_parts(subs, text, 8, "relayed to the node SMSC")
    check(out["receipt"] is not None, "node-smpp got a receipt: %r" % out)
    check_eq(out["receipt"]["receipted_message_id"], mid, "receipt id")
    check_eq(out["receipt"]["message_state"], 2, "message_state DELIVERED")
    check("stat:DELIVRD" in out["receipt"]["text"], "receipt text %r" % out["receipt"])


def test(hub):
    d = tempfile.mkdtemp(prefix="smshub-npm-")
    hub.on_cleanup(lambda: shutil.rmtree(d, ignore_errors=True))
    nm = npm_install(d)
    if nm is None:
        return
    smsc = NodeSmsc(hub, nm)
    use_smpp(hub, smsc, window=5)
    port = start_hub(hub)
    client_direction(hub, smsc)
    server_direction(hub, port, nm, smsc)
    stop_clean(hub)


if __name__ == "__main__":
    main(test, time_limit=150)  # npm install may take a while
