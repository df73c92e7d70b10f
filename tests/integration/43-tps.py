"""43-tps: a credential with settings tps 50 is paced by a token bucket counting segments: a
backlog of 2-segment messages is submitted at 25 messages (50 segments) per second, measured
from the simulator's submit times over a few seconds, within 10%."""
from harness import check, main


def test(hub):
    hub.bootstrap()
    hub.set_sim_settings({"tps": 50, "latency_ms": 2})
    hub.start()
    c = hub.client()
    text = "x" * 200  # GSM-7, 2 segments
    ids = []
    for i in range(110):
        r = c.request("POST", "/v1/messages", {"to": "+998901234567", "text": text})
        check(r.status == 202 and r.json["parts"] == 2 if "parts" in r.json else r.status == 202,
              "send: %r" % r)
        ids.append(r.json["id"])
    for mid in ids:
        hub.wait_status(mid, {"submitted", "sent", "delivered"}, timeout=20)
    times = sorted(ln[4] for ln in hub.sim_log_lines(with_time=True))
    check(len(times) == 110, "every message submitted once (%d)" % len(times))
    steady = times[10:]  # past the initial burst of the bucket
    secs = (steady[-1] - steady[0]) / 1000.0
    rate = 2 * (len(steady) - 1) / secs
    print("measured %.1f segments/s over %.2f s" % (rate, secs))
    check(secs >= 3, "measured over at least 3 s (%.2f)" % secs)
    check(45 <= rate <= 55, "rate %.1f segments/s not within 10%% of 50" % rate)


if __name__ == "__main__":
    main(test)
