"""54-smpp-bind-refused: the credential's password is wrong. The log says clearly that the
bind was refused (ESME_RINVPASWD) without showing the password, the driver does not hammer
the SMSC (backoff), and the messages are not lost: they stay queued, retried with the error
`smpp_not_bound`. Once the password is fixed they are all delivered, once each."""
import json

from harness import check, check_eq, main, wait_for
from smsc import Smsc, use_smpp

N = 5


def test(hub):
    smsc = Smsc(hub, ["--dlr-delay-ms", "20", "--system-id", "hubtest",
                      "--password", "secret"]).start()
    cred = use_smpp(hub, smsc, password="wrongpw", queue_timeout_ms=500,
                    reconnect_min_ms=100, reconnect_max_ms=2000)
    hub.start(["--retry-backoff", "1s,1s,1s,1s,1s,1s,1s,1s"])
    ids = [hub.send(text="bind refused %d" % i).json["id"] for i in range(N)]

    def logged():
        t = hub.stderr_tail(200)
        return "ESME_RINVPASWD" in t and "refused" in t and t
    text = wait_for(logged, 10, "a bind-refused line in the log")
    check("wrongpw" not in text, "the password appears in the log")
    check(cred in text, "the log line names the credential")

    wait_for(lambda: hub.scalar("SELECT count(*) FROM messages WHERE error_code = "
                                "'smpp_not_bound'") == N, 15, "messages retried as not bound")
    rows = hub.query("SELECT status, error_text FROM messages")
    check(all(st == 0 for st, _ in rows), "messages not queued: %r" % rows)
    check(all("ESME_RINVPASWD" in (et or "") for _, et in rows), "error text %r" % rows)
    binds = sum(1 for ln in open(smsc.stderr_path) if "bind_transceiver" in ln)
    check(binds <= 6, "%d bind attempts in a few seconds: no backoff" % binds)
    check_eq(smsc.events("submit"), [], "nothing submitted")

    hub.stop()
    settings = json.loads(hub.scalar("SELECT settings FROM provider_credentials WHERE id = ?",
                                     (cred,)))
    settings["password"] = "secret"
    hub.write_db([("UPDATE provider_credentials SET settings = ? WHERE id = ?",
                   (json.dumps(settings), cred))])
    hub.start(["--retry-backoff", "1s,1s,1s,1s,1s,1s,1s,1s"])
    for mid in ids:
        hub.wait_status(mid, "delivered", timeout=20)
    check_eq(len(smsc.events("submit")), N, "each submitted once after the fix")


if __name__ == "__main__":
    main(test)
