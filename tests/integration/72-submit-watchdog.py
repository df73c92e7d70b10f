"""72-submit-watchdog: a submit whose answer never comes gives its slot back.

The `faulty` driver (test hook) swallows the answer of the first submit ("no_callback") or
hands it over long after the engine's --submit-timeout ("late"). The credential allows one
submit at a time (max_concurrency 1), so without the watchdog the other messages would wait
for ever. Checks, without any restart:
  - every message is delivered; the timed-out one is marked in_doubt, its timeline records the
    round as a "timeout", and the simulator saw it at most twice (the documented in-flight
    window), every other message once;
  - a late answer is logged and ignored: the message has exactly one final status event;
  - the hub stops cleanly (exit 0) with a late answer still pending in the driver (ASan: no
    leak, no use after free).
"""
import re
import time

from harness import FINAL_STATUSES, STATUS_CODES, check, check_eq, main, wait_for

N = 3
SIM = {"latency_ms": 10, "sent_delay_ms": 10, "dlr_delay_ms": 20, "max_concurrency": 1}
FINAL = {STATUS_CODES[s] for s in FINAL_STATUSES}


def log_text(hub):
    with open(hub.stderr_path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def run(hub, tag, faults, stop_early=False):
    settings = dict(SIM)
    settings.update(faults)
    hub.set_sim_settings(settings)
    start = len(hub.sim_log_lines())
    t0 = time.monotonic()
    hub.start()
    ids = [hub.send(to="+99890123%04d" % i, text="%s #%d" % (tag, i)).json["id"] for i in range(N)]
    for mid in ids:
        hub.wait_status(mid, "delivered", timeout=20)
    took = time.monotonic() - t0
    first = ids[0]
    check_eq(hub.scalar("SELECT in_doubt FROM messages WHERE id = ?", (first,)), 1,
             "%s: the timed-out message is in_doubt" % tag)
    detail = hub.query("SELECT detail FROM message_events WHERE message_id = ? AND status = ? "
                       "ORDER BY seq", (first, STATUS_CODES["queued"]))
    check(any(d and '"outcome":"timeout"' in d for (d,) in detail),
          "%s: the timeline records the timeout: %r" % (tag, detail))
    finals = hub.scalar("SELECT count(*) FROM message_events WHERE message_id = ? AND status IN "
                        "(%s)" % ",".join(str(c) for c in sorted(FINAL)), (first,))
    check_eq(finals, 1, "%s: final status events of the timed-out message" % tag)
    subs = {}
    for row in hub.sim_log_lines()[start:]:
        subs[row[0]] = subs.get(row[0], 0) + 1
    check_eq(subs.get(first), 2, "%s: submits of the timed-out message" % tag)
    for mid in ids[1:]:
        check_eq(subs.get(mid), 1, "%s: submits of %s" % (tag, mid))
        check_eq(hub.scalar("SELECT in_doubt FROM messages WHERE id = ?", (mid,)), 0,
                 "%s: %s not in doubt" % (tag, mid))
    check(re.search(r"submit of message %s to credential \S+ unanswered after" % first,
                    log_text(hub)), "%s: the watchdog logged the timeout" % tag)
    return ids, took


def test(hub):
    hub.bootstrap()
    prov = hub.scalar("SELECT provider_id FROM provider_credentials WHERE id = ?",
                      (hub.credential_id,))
    hub.write_db([("UPDATE providers SET driver = 'faulty' WHERE id = ?", (prov,))])
    hub.extra_env = {"SMSHUB_TEST_HOOKS": "1"}
    hub.extra_args = ["--submit-timeout", "1s", "--retry-backoff", "100ms,100ms,100ms"]

    # the answer never comes: the watchdog frees the only slot, the message is retried
    _, took = run(hub, "hang", {"fault_submit": 1, "fault_submit_mode": "no_callback"})
    check(took < 15, "hang: all delivered in %.1f s" % took)
    check_eq(hub.stop(), 0, "hang: exit code")

    # the answer comes 2.5 s after the simulator gave it, 1.5 s after the watchdog: ignored
    ids, _ = run(hub, "late", {"fault_submit": 1, "fault_submit_mode": "late",
                               "fault_delay_ms": 2500})
    wait_for(lambda: "late submit answer for message %s" % ids[0] in log_text(hub), 10,
             "late: the late answer arrives and is ignored")
    hub.wait_status(ids[0], "delivered")
    check_eq(hub.stop(), 0, "late: exit code")

    # stopped while the late answer is still held by the driver: freed at close
    run(hub, "late-at-stop", {"fault_submit": 1, "fault_submit_mode": "late",
                              "fault_delay_ms": 600000})
    check_eq(hub.stop(), 0, "late-at-stop: exit code")
    print("watchdog: a hung submit freed its slot; a late answer ignored; hang round %.1f s" % took)


if __name__ == "__main__":
    main(test)
