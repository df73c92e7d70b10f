"""25-rate-limits: token buckets per API key, per project and global (SPEC §2.6). Answers
carry RateLimit-* and X-RateLimit-* (the tightest layer) — also 4xx ones; over the limit →
429 rate_limited with Retry-After, and requests pass again once the window has refilled.
Daily and monthly quotas: the send past the quota → 429 quota_exceeded with Retry-After,
counted in project_counters (kept across a restart); idempotent replays do not count."""
import time

from harness import check, check_eq, idem, main, now_ms
from sec import create_key, stop_clean, wait_until

HDRS = ("limit", "remaining", "reset")


def headers_ok(r, limit, what):
    for h in HDRS:
        v = r.headers.get("ratelimit-" + h)
        check(v is not None and v.isdigit(), "%s: RateLimit-%s %r" % (what, h, v))
        check_eq(r.headers.get("x-ratelimit-" + h), v, "%s: X-RateLimit-%s" % (what, h))
    check_eq(int(r.headers["ratelimit-limit"]), limit, "%s: RateLimit-Limit" % what)


def burst(client, path, n):
    """n requests as fast as one connection goes; returns the responses and the seconds."""
    t0 = time.monotonic()
    out = [client.request("GET", path) for _ in range(n)]
    return out, time.monotonic() - t0


def check_bucket(hub, key, limit, what):
    c = hub.client(key)
    rs, took = burst(c, "/v1/messages?limit=1", limit + 6)
    passed = [r for r in rs if r.status == 200]
    limited = [r for r in rs if r.status == 429]
    check(len(passed) + len(limited) == len(rs), "%s: other answers %r" % (what, rs))
    check(limited, "%s: no 429 in %d requests over %.2f s" % (what, len(rs), took))
    check(len(passed) <= limit + took * limit + 1, "%s: %d passed in %.2f s" % (what,
                                                                            len(passed), took))
    first = rs[0]
    headers_ok(first, limit, what + " first answer")
    check_eq(int(first.headers["ratelimit-remaining"]), limit - 1, what + " remaining")
    r = limited[0]
    check_eq(r.json["code"], "rate_limited", what + " code")
    headers_ok(r, limit, what + " 429")
    check_eq(r.headers["ratelimit-remaining"], "0", what + " remaining at 429")
    ra = r.headers.get("retry-after")
    check(ra is not None and ra.isdigit() and 1 <= int(ra) <= 2, "%s: Retry-After %r"
          % (what, ra))
    time.sleep(int(ra))  # the window the server named
    r = c.request("GET", "/v1/messages?limit=1")
    check_eq(r.status, 200, what + ": recovered after Retry-After (%r)" % r)
    c.close()


def test(hub):
    hub.start()
    pid = hub.project_id
    # ---- per key
    k = create_key(hub, pid, ["messages:read", "messages:send"], rate_limit_rps=3).json
    check_bucket(hub, k["key"], 3, "key limit")
    # 4xx answers carry the headers too
    r = hub.request("GET", "/v1/messages/msg_00000000000000000000000000", key=k["key"])
    check_eq(r.status, 404, "unknown message")
    headers_ok(r, 3, "404 answer")

    # ---- per project (a key without its own limit)
    hub.write_db([("UPDATE projects SET rate_limit_rps = 4, updated_at = ? WHERE id = ?",
                   (now_ms(), pid))])
    wait_until(lambda: hub.request("GET", "/v1/messages?limit=1").headers.get(
        "ratelimit-limit") == "4", 3, "the project limit to apply")
    time.sleep(1.1)  # let the bucket refill after the polling above
    check_bucket(hub, hub.api_key, 4, "project limit")
    hub.write_db([("UPDATE projects SET rate_limit_rps = NULL, updated_at = ? WHERE id = ?",
                   (now_ms(), pid))])

    # ---- global, from the daemon's flag (the settings table overrides it)
    hub.restart(["--rate-limit-rps", "5"])
    check_bucket(hub, hub.api_key, 5, "global limit")
    hub.write_db([("INSERT INTO settings(key, value, updated_at) VALUES ('rate_limit_rps', "
                   "'1000', ?)", (now_ms(),))])
    wait_until(lambda: hub.request("GET", "/v1/messages?limit=1").headers.get(
        "ratelimit-limit") == "1000", 4, "the settings' global limit to apply")

    # ---- daily quota
    hub.write_db([("UPDATE projects SET quota_daily = 3, updated_at = ? WHERE id = ?",
                   (now_ms(), pid))])
    time.sleep(1.1)  # cached settings live 1 s
    key = idem()
    for i in range(3):
        hub.send(text="quota %d" % i, idem_key=key if i == 0 else None)
    r = hub.send(text="quota 0", idem_key=key, expect=None)  # a replay is not counted
    check(r.status in (202, 429), "replay %r" % r)
    r = hub.send(text="over", expect=429)
    check_eq(r.json["code"], "quota_exceeded", "quota code")
    ra = int(r.headers["retry-after"])
    check(1 <= ra <= 86400, "Retry-After until midnight UTC: %d" % ra)
    check_eq(hub.request("GET", "/v1/messages?limit=1").status, 200, "reads are not counted")
    day = "d:" + time.strftime("%Y-%m-%d", time.gmtime())
    wait_until(lambda: hub.query("SELECT count FROM project_counters WHERE project_id = ? AND "
                                 "period = ?", (pid, day)) == [(3,)], 8, "the day's count")
    hub.restart()
    r = hub.send(text="over after restart", expect=429)
    check_eq(r.json["code"], "quota_exceeded", "quota kept across a restart")

    # ---- monthly quota
    hub.write_db([("UPDATE projects SET quota_daily = NULL, quota_monthly = 3, updated_at = ? "
                   "WHERE id = ?", (now_ms(), pid))])
    time.sleep(1.1)
    r = hub.send(text="over the month", expect=429)
    check("monthly" in r.json["detail"], "monthly detail %r" % r.json)
    check(1 <= int(r.headers["retry-after"]) <= 31 * 86400, "Retry-After to the next month")
    hub.write_db([("UPDATE projects SET quota_monthly = 10, updated_at = ? WHERE id = ?",
                   (now_ms(), pid))])
    wait_until(lambda: hub.send(text="room again", expect=None).status == 202, 3,
               "sending once the quota is raised")

    stop_clean(hub)


if __name__ == "__main__":
    main(test)
