"""06-schedule-expire: scheduled messages wait for their time; expiry is enforced; temporary
failures are retried with the configured backoff and end `failed` after exactly 3 attempts;
permanent rejections end `rejected` after one attempt; negative receipts end `undelivered`.

Each simulator behaviour runs in its own project whose default simulator credential has the
settings (created in the database before the hub starts), so one run covers them all."""
import time

from harness import (STATUS_CODES, check, check_eq, main, parse_rfc3339, rfc3339, wait_for)


def timeline(m):
    return [e["status"] for e in m["timeline"]]


def sim_lines(hub, msg_id):
    return [ln for ln in hub.sim_log_lines() if ln[0] == msg_id]


def test(hub):
    hub.bootstrap()
    _, key_temp = hub.add_project("temp fail", settings={"temp_fail_ratio": 1})
    _, key_reject = hub.add_project("reject", settings={"reject_ratio": 1})
    _, key_undeliv = hub.add_project("undelivered", settings={"undelivered_ratio": 1})
    hub.start(["--retry-backoff", "1s,1s"])

    # ---- expires_at in the past, or not after scheduled_at → 422
    for extra, what in (({"expires_at": rfc3339(time.time() - 5)}, "expires_at in the past"),
                        ({"scheduled_at": rfc3339(time.time() + 60),
                          "expires_at": rfc3339(time.time() + 30)},
                         "expires_at before scheduled_at")):
        r = hub.send(expect=422, **extra)
        check_eq(r.json.get("code"), "validation_failed", what)
        check_eq([e["field"] for e in r.json["errors"]], ["expires_at"], what + ": fields")
    check_eq(hub.scalar("SELECT count(*) FROM messages"), 0, "messages after the 422s")

    # ---- start every behaviour at once
    sched_at = time.time() + 2.0
    sched_text = rfc3339(sched_at)
    sched = hub.send(text="scheduled", scheduled_at=sched_text).json
    check_eq(sched["status"], "queued", "scheduled 202 status")
    check_eq(parse_rfc3339(sched["scheduled_at"]), parse_rfc3339(sched_text),
             "scheduled_at in the 202")
    past = hub.send(text="scheduled in the past", scheduled_at=rfc3339(time.time() - 30)).json
    check("scheduled_at" not in past, "a past scheduled_at means now: %r" % past)

    t_sent = time.time()
    temp = hub.send(text="temp fail", key=key_temp).json["id"]
    # first attempt fails at once, the retry comes 1 s later (before expiry), the next would
    # come 2 s after the start, after expiry: the message expires after 2 attempts
    temp_exp = hub.send(text="temp fail, expiring", key=key_temp,
                        expires_at=rfc3339(t_sent + 1.5)).json["id"]
    rejected = hub.send(text="reject me", key=key_reject).json["id"]
    undeliv = hub.send(text="undelivered", key=key_undeliv).json["id"]

    # ---- rejected: one submit, final at once
    m = hub.wait_status(rejected, "rejected", key=key_reject)
    check_eq(m["attempts"], 1, "rejected: attempts")
    check_eq(timeline(m), ["queued", "rejected"], "rejected: timeline")
    check_eq((m["error"] or {}).get("code"), "sim-rejected", "rejected: error code")

    # ---- undelivered: accepted once, negative receipt
    m = hub.wait_status(undeliv, "undelivered", key=key_undeliv)
    check_eq(m["attempts"], 1, "undelivered: attempts")
    check_eq(timeline(m), ["queued", "submitted", "sent", "undelivered"], "undelivered: timeline")
    check_eq((m["error"] or {}).get("code"), "sim-undeliverable", "undelivered: error code")
    check_eq(len(sim_lines(hub, undeliv)), 1, "undelivered: simulator submits")

    # ---- scheduled: queued and untouched until its time
    def still_waiting():
        m = hub.get_message(sched["id"])
        check_eq((m["status"], m["attempts"]), ("queued", 0),
                 "scheduled message before its time (%.2f s early)" % (sched_at - time.time()))
        return time.time() >= sched_at - 0.2
    wait_for(still_waiting, 5, "the scheduled time to come near")
    check_eq(sim_lines(hub, sched["id"]), [], "simulator submits before the scheduled time")
    m = hub.wait_status(sched["id"], "delivered", timeout=5)
    check_eq(timeline(m), ["queued", "submitted", "sent", "delivered"], "scheduled: timeline")
    submitted_at = parse_rfc3339(m["timeline"][1]["at"])
    check(submitted_at >= parse_rfc3339(sched_text) - 0.001,
          "scheduled message submitted at %s, before its scheduled_at %s"
          % (m["timeline"][1]["at"], sched_text))
    check(submitted_at <= sched_at + 1.0, "scheduled message submitted %.2f s late"
          % (submitted_at - sched_at))
    check_eq(parse_rfc3339(m["scheduled_at"]), parse_rfc3339(sched_text), "GET scheduled_at")
    hub.wait_status(past["id"], "delivered")

    # ---- temporary failures: failed after exactly 3 attempts, 1 s apart
    m = hub.wait_status(temp, "failed", key=key_temp, timeout=8)
    check_eq(m["attempts"], 3, "temp fail: attempts")
    check_eq(timeline(m), ["queued", "queued", "queued", "failed"], "temp fail: timeline")
    retries = m["timeline"][1:3]
    check_eq([e["detail"].get("attempt") for e in retries], [1, 2], "temp fail: retry attempts")
    check_eq([e["detail"].get("outcome") for e in retries], ["temp_fail"] * 2,
             "temp fail: retry outcomes")
    check_eq([e["detail"].get("retry_in_ms") for e in retries], [1000, 1000],
             "temp fail: retry delays (--retry-backoff 1s,1s)")
    times = [parse_rfc3339(e["at"]) for e in m["timeline"]]
    check(times[2] - times[1] >= 0.99 and times[3] - times[2] >= 0.99,
          "temp fail: attempts less than 1 s apart: %r" % [e["at"] for e in m["timeline"]])
    check_eq((m["error"] or {}).get("code"), "sim-temporary", "temp fail: error code")
    # the simulator logs only the submits it accepts: none of these was accepted
    check_eq(sim_lines(hub, temp), [], "temp fail: accepted submits in the simulator log")

    # ---- temporary failure with an expiry: expired, not failed
    m = hub.wait_status(temp_exp, "expired", key=key_temp, timeout=5)
    check_eq(m["attempts"], 2, "temp fail + expiry: attempts")
    check_eq(timeline(m), ["queued", "queued", "expired"], "temp fail + expiry: timeline")

    # ---- final states stay final; the database agrees
    for msg_id, status in ((rejected, "rejected"), (undeliv, "undelivered"), (temp, "failed"),
                           (temp_exp, "expired"), (sched["id"], "delivered")):
        row = hub.query("SELECT status, due_at, lease_owner FROM messages WHERE id = ?",
                        (msg_id,))[0]
        check_eq(row, (STATUS_CODES[status], None, None), "db row of the %s message" % status)
    check_eq(hub.query("SELECT attempts FROM messages WHERE id = ?", (rejected,))[0][0], 1,
             "rejected message attempts, 2 s later")


if __name__ == "__main__":
    main(test)
