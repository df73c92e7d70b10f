"""19-smpp-tls: SMPP over TLS with a self-signed certificate made by the test (openssl CLI,
subjectAltName IP:127.0.0.1). Client side: an `smpp` credential with "tls": true and the
certificate as tls_ca_file binds to `smsc-sim --tls-cert/--tls-key`, messages reach
`delivered` through receipts over TLS and an MO comes back over it; a credential whose CA does
not match never binds (certificate verify failed in the log). Server side: the hub's
--smpp-tls-listen takes an ESME over TLS (Python ssl) that binds, submits and gets its
receipt; a plain-TCP client on that port gets no bind_resp."""
import json
import os
import socket
import ssl
import subprocess
import time

from harness import check, check_eq, main, wait_for
from sec import stop_clean
from smppcli import BIND_TRX, ROK, Smpp
from smsc import Smsc, use_smpp


def make_cert(d, name):
    cert, key = os.path.join(d, name + ".crt"), os.path.join(d, name + ".key")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", "/CN=smshub-test",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       capture_output=True, timeout=60)
    check(r.returncode == 0, "openssl req: %s" % r.stderr.decode(errors="replace"))
    return cert, key


def tls_port(hub, path):
    def p():
        try:
            with open(path) as f:
                t = f.read().strip()
            return int(t) if t.isdigit() else None
        except FileNotFoundError:
            return None
    return wait_for(p, 10, "the SMPP TLS port file")


def test(hub):
    cert, key = make_cert(hub.dir, "smsc")
    other, _ = make_cert(hub.dir, "other")
    mo_dir = os.path.join(hub.dir, "mo")
    os.mkdir(mo_dir)
    smsc = Smsc(hub, ["--dlr-delay-ms", "30", "--tls-cert", cert, "--tls-key", key,
                      "--mo-dir", mo_dir]).start()
    cred = use_smpp(hub, smsc, tls=True, tls_ca_file=cert, window=10)
    pf = os.path.join(hub.dir, "smpp-tls.port")
    hub.start(["--smpp-tls-listen", "127.0.0.1:0", "--smpp-tls-cert", cert,
               "--smpp-tls-key", key, "--smpp-tls-port-file", pf])

    # ---- client driver over TLS: submits, receipts, an MO
    ids = [hub.send(to="+99890%07d" % (2000000 + i), text="over tls %d" % i).json["id"]
           for i in range(20)]
    for i in ids:
        hub.wait_status(i, "delivered", 20)
    check_eq(len([s for s in smsc.events("submit") if s["status"] == "ok"]), 20, "submits")
    # smsc-sim logs a receipt when it reads our deliver_sm_resp, which may follow the status
    wait_for(lambda: len(smsc.events("dlr")) >= 20, 10, "receipts acknowledged over TLS")
    check_eq(len(smsc.events("dlr")), 20, "receipts acknowledged over TLS")
    with open(os.path.join(mo_dir, "1.tmp"), "w") as f:
        json.dump([{"tag": "mo", "source": "998901234567", "destination": "7777", "dest_ton": 3,
                    "short_message": b"hi over tls".hex()}], f)
    os.rename(os.path.join(mo_dir, "1.tmp"), os.path.join(mo_dir, "1.json"))
    wait_for(lambda: hub.query("SELECT body FROM messages WHERE direction = 1") or None, 10,
             "the MO over TLS stored")
    check_eq(hub.query("SELECT body FROM messages WHERE direction = 1")[0][0], "hi over tls",
             "MO text")

    # ---- a CA that did not sign the SMSC's certificate: no bind, the log says why
    settings = {"host": "127.0.0.1", "port": smsc.port, "system_id": "bad", "password": "x",
                "tls": True, "tls_ca_file": other, "reconnect_min_ms": 200,
                "reconnect_max_ms": 1000}
    binds_before = len(open(smsc.stderr_path).read().splitlines())
    t = int(time.time() * 1000)
    hub.write_db([("INSERT INTO provider_credentials(id, project_id, provider_id, name, settings, "
                   "is_default, active, priority, created_at, updated_at) VALUES "
                   "('cred_smpp_badca', ?, 'smpp', 'bad ca', ?, 0, 1, 20, ?, ?)",
                   (hub.project_id, json.dumps(settings), t, t))])
    wait_for(lambda: "certificate verify failed" in hub.stderr_tail(400) or None, 15,
             "the verify failure logged")
    check(not any("from bad" in l for l in open(smsc.stderr_path).read().splitlines()
                  [binds_before:]), "the badly verified session never bound")

    # ---- the hub's SMPP server over TLS
    port = tls_port(hub, pf)
    r = hub.request("POST", "/v1/projects/%s/smpp-accounts" % hub.project_id,
                    {"system_id": "tlsesme", "password": "pw123456"}, key=hub.admin_token)
    check_eq(r.status, 201, "account %r" % r)
    ctx = ssl.create_default_context(cafile=cert)
    e = Smpp(port)
    hub.on_cleanup(e.close)
    e.sock = ctx.wrap_socket(e.sock, server_hostname="127.0.0.1")
    check_eq(e.bind(BIND_TRX, "tlsesme", "pw123456"), ROK, "bind over TLS")
    st, mid = e.submit_wait("998901234599", "hello tls server", reg=1)
    check_eq(st, ROK, "submit over TLS")
    rc = e.receipt(20)
    check(rc is not None and mid in rc["text"], "receipt over TLS: %r" % rc)
    check_eq(e.unbind(), ROK, "unbind over TLS")
    e.close()
    # plain TCP on the TLS port: the bind goes nowhere
    p = socket.create_connection(("127.0.0.1", port), timeout=3)
    p.sendall(bytes.fromhex("0000002500000009000000000000000174") + b"x\0pw\0\0\x34\0\0\0")
    try:
        data = p.recv(4096)
    except (socket.timeout, OSError):
        data = b""
    check(not data.startswith(bytes.fromhex("00000011")) and b"\x80\x00\x00\x09" not in data[:8],
          "no bind_resp in clear text: %r" % data[:32])
    p.close()

    stop_clean(hub)  # exit 0, no sanitizer report (under ASan: no leak)
    check_eq(smsc.stop(), 0, "smsc-sim exit code")
    check("Sanitizer" not in smsc.stderr_tail(200), "smsc-sim sanitizer report")

if __name__ == "__main__":
    main(test)
