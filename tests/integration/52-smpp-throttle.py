"""52-smpp-throttle: the SMSC answers every 7th submit_sm with ESME_RTHROTTLED. The driver
pauses its binds and resubmits, so every message is still delivered, each accepted exactly
once (throttled answers are not submissions), no message is failed or retried by the engine
(one attempt each), and the run takes longer than it would without the pauses."""
import time

from harness import check, check_eq, main, wait_for
from smsc import Smsc, use_smpp

N = 300


def test(hub):
    smsc = Smsc(hub, ["--dlr-delay-ms", "20", "--throttle-every", "7"]).start()
    use_smpp(hub, smsc, window=10, binds=2, throttle_pause_ms=50)
    hub.start()
    t0 = time.monotonic()
    ids = [hub.send(to="+99890%07d" % (2000000 + i), text="throttle %d" % i).json["id"]
           for i in range(N)]
    wait_for(lambda: hub.scalar("SELECT count(*) FROM messages WHERE status = 3") == N, 40,
             "all messages delivered")
    elapsed = time.monotonic() - t0
    subs = smsc.events("submit")
    ok = [s for s in subs if s["status"] == "ok"]
    thr = [s for s in subs if s["status"] == "throttled"]
    check_eq(len(ok), N, "accepted submits")
    check(len(thr) >= N // 7, "throttled answers: %d" % len(thr))
    check_eq(len({(s["destination"]) for s in ok}), N, "each destination accepted once")
    check_eq(hub.scalar("SELECT max(attempts) FROM messages"), 1, "engine attempts")
    check_eq(hub.scalar("SELECT count(*) FROM messages WHERE error_code IS NOT NULL"), 0,
             "errors recorded")
    # each throttle pauses the credential for >= 50 ms
    check(elapsed >= 0.05 * len(thr) / 2, "no slow-down seen: %.2f s for %d throttles"
          % (elapsed, len(thr)))
    print("throttled %d times, %d delivered in %.2f s" % (len(thr), N, elapsed))


if __name__ == "__main__":
    main(test)
