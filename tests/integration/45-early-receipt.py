"""45-early-receipt: a delivery receipt that arrives before the submit outcome carrying its
provider message id is committed is not dropped: the engine tries it again (every second, for
up to 30 s) and the message ends delivered within a few seconds — long before the first status
poll (10 s) would have found it. Duplicates of the receipt change nothing (one delivered
event)."""
import time

from harness import check, check_eq, main


def test(hub):
    hub.bootstrap()
    hub.set_sim_settings({"early_dlr": True, "push_dlr": False, "latency_ms": 5})
    hub.start()
    t0 = time.monotonic()
    ids = [hub.send(text="early %d" % i).json["id"] for i in range(5)]
    for mid in ids:
        m = hub.wait_status(mid, "delivered", timeout=6)
        # the simulator reports before it answers the submit, so the receipt is always in an
        # earlier position of the update batch than the outcome that records the provider id:
        # it cannot match on arrival, only on a retry (polling would take 10 s)
        check(time.monotonic() - t0 < 6, "delivered before the first status poll")
        statuses = [e["status"] for e in m["timeline"]]
        check_eq(statuses.count("delivered"), 1, "one delivered event")
        check(statuses.index("submitted") < statuses.index("delivered"), "order %r" % statuses)


if __name__ == "__main__":
    main(test)
