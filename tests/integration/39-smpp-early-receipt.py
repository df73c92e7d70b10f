"""39-smpp-early-receipt: the SMSC writes every delivery receipt before the submit_sm_resp
that tells the driver the message id. The driver holds those receipts and matches them when
the id arrives: single messages and 3-part long messages (one early receipt per part) all
end delivered within seconds, with one delivered event each, and each part is submitted
once. A control run with `--receipt-stat UNDELIV` shows the held receipt's state is the one
applied (undelivered), not a default."""
import time

from harness import check, check_eq, main, wait_for
from smsc import Smsc, use_smpp

LONG = "".join(chr(ord("a") + i % 26) for i in range(153 * 2 + 20))  # 3 GSM parts


def run(hub, smsc, n_short, n_long, final):
    before = len(smsc.events("submit"))
    t0 = time.monotonic()
    ids = [hub.send(to="+99894%07d" % i, text="early %d" % i).json["id"] for i in range(n_short)]
    ids += [hub.send(to="+99895%07d" % i, text=LONG).json["id"] for i in range(n_long)]
    for mid in ids:
        m = hub.wait_status(mid, final, timeout=15)
        statuses = [e["status"] for e in m["timeline"]]
        check_eq(statuses.count(final), 1, "one %s event for %s" % (final, mid))
    took = time.monotonic() - t0
    subs = smsc.events("submit")[before:]
    check(all(s["status"] == "ok" and s.get("early_dlr") for s in subs),
          "every receipt was written before its resp")
    check_eq(len(subs), n_short + 3 * n_long, "submit_sm count (each part once)")
    check_eq(len({(s["destination"], s.get("udh_part")) for s in subs}), len(subs),
             "no part submitted twice")
    return took


def test(hub):
    smsc = Smsc(hub, ["--early-dlr-ratio", "1"]).start()
    use_smpp(hub, smsc, window=10, binds=1)
    hub.start()
    took = run(hub, smsc, 20, 5, "delivered")
    # a held receipt waits at most response_timeout_ms + 1 s (4 s here); matching on the
    # resp must be immediate, not that expiry
    check(took < 10, "early receipts matched at once (%.1f s)" % took)

    hub.stop()
    smsc.stop()
    smsc.start(["--early-dlr-ratio", "1", "--receipt-stat", "UNDELIV"])
    hub.write_db([("DELETE FROM provider_credentials WHERE provider_id = 'smpp'", ())])
    use_smpp(hub, smsc, window=10)
    hub.start()
    run(hub, smsc, 3, 1, "undelivered")
    wait_for(lambda: len(smsc.events("dlr")) == 20 + 15 + 3 + 3, 10,
             "every receipt acknowledged once")


if __name__ == "__main__":
    main(test)
