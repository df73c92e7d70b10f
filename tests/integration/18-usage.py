"""18-usage: usage reports from the daily rollups (SPEC §7).

Messages of two projects (some delivered, some rejected, on two dates written into the
database) are rolled up by POST /v1/admin/usage/rebuild; GET /v1/usage totals equal a
recomputation from the messages table for several fixed and 25 random ranges and groupings;
a project sees only its own usage and no cost; administrators see every project and the
cost; the CSV export has a header row and the same numbers; bad queries name the field."""

import csv
import io
import os
import random
import time

from harness import Hub, main, check, check_eq

DAY = 86400000


def test(hub):
    hub.bootstrap()
    hub.start()
    admin, pid = hub.admin_token, hub.project_id
    opid, okey = hub.add_project("Other")

    def get(path):  # the bootstrap admin acting in the first project
        return hub.request("GET", path, key=admin, headers={"X-Smshub-Project": pid})
    ids = [hub.send(to="+998901234567").json["id"] for _ in range(6)]
    ids += [hub.send(to="+447911123456").json["id"] for _ in range(3)]
    oid = hub.send(to="+998901234567", key=okey).json["id"]
    for i in ids + [oid]:
        hub.wait_status(i, {"delivered"}, key=hub.api_key if i != oid else okey)
    # move three messages two days back, give two a price, mark one rejected
    now = int(time.time() * 1000)
    today = now // DAY * DAY
    hub.write_db([("UPDATE messages SET created_at = ? WHERE id IN (?, ?, ?)",
                   (today - 2 * DAY + 1000, ids[0], ids[1], ids[6])),
                  ("UPDATE messages SET price_total = 45000, cost_total = 30000, "
                   "currency = 'USD' WHERE id IN (?, ?)", (ids[2], ids[3])),
                  ("UPDATE messages SET status = 6 WHERE id = ?", (ids[4],))])

    def day(ms):
        return time.strftime("%Y-%m-%d", time.gmtime(ms / 1000))

    r = hub.request("POST", "/v1/admin/usage/rebuild",
                    {"from": day(today - 3 * DAY), "to": day(today)}, key=admin,
                    headers={"Idempotency-Key": None})
    check_eq(r.status, 200, "rebuild %r" % (r,))

    def expected(project, frm, to, group):
        rows = hub.query("SELECT id, country, segments, status, created_at, "
                         "COALESCE(price_total, 0), COALESCE(currency, '') FROM messages "
                         "WHERE project_id = ?", (project,))
        out = {}
        for mid, country, seg, status, created, price, cur in rows:
            d = day(created)
            if not (frm <= d <= to):
                continue
            key = {"day": d, "month": d[:7], "country": country or "",
                   "provider": "simulator"}[group]
            b = out.setdefault((key, cur), [0, 0, 0, 0, 0])
            b[0] += 1
            b[1] += seg
            b[2] += status == 3
            b[3] += status in (4, 5, 6, 7)
            b[4] += price
        return out

    for frm, to, group in [(day(today - 3 * DAY), day(today), "day"),
                           (day(today - 2 * DAY), day(today - 2 * DAY), "country"),
                           (day(today - 1 * DAY), day(today), "provider"),
                           (day(today - 30 * DAY), day(today), "month")]:
        r = get("/v1/usage?from=%s&to=%s&group_by=%s" % (frm, to, group))
        check_eq(r.status, 200, "usage %s %s..%s" % (group, frm, to))
        got = {(x["key"], x["currency"]): [x["messages"], x["parts"], x["delivered"],
                                           x["failed"], round(float(x["price"]) * 1e6)]
               for x in r.json["data"]}
        check_eq(got, expected(pid, frm, to, group), "usage %s %s..%s" % (group, frm, to))
        check(all("cost" not in x for x in r.json["data"]), "no cost for projects")

    # random ranges and groupings (the seed is printed so a failure can be replayed)
    seed = int(os.environ.get("SMSHUB_USAGE_SEED", str(time.time_ns() % 1000000)))
    rng = random.Random(seed)
    print("random ranges: SMSHUB_USAGE_SEED=%d" % seed)
    for _ in range(25):
        a, b = sorted(rng.randint(0, 6) for _ in range(2))
        frm, to = day(today - b * DAY), day(today - a * DAY)
        group = rng.choice(["day", "month", "country", "provider"])
        r = get("/v1/usage?from=%s&to=%s&group_by=%s" % (frm, to, group))
        check_eq(r.status, 200, "usage %s %s..%s" % (group, frm, to))
        got = {(x["key"], x["currency"]): [x["messages"], x["parts"], x["delivered"],
                                           x["failed"], round(float(x["price"]) * 1e6)]
               for x in r.json["data"]}
        check_eq(got, expected(pid, frm, to, group), "usage %s %s..%s (seed %d)"
                 % (group, frm, to, seed))

    r = get("/v1/usage?group_by=week")
    check(all("-W" in x["key"] for x in r.json["data"]), "ISO weeks: %r" % r.json)

    r = hub.request("GET", "/v1/admin/usage?from=%s&to=%s&group_by=provider"
                    % (day(today - 3 * DAY), day(today)), key=admin)
    total = sum(x["messages"] for x in r.json["data"])
    check_eq(total, 10, "administrators see both projects")
    check(any(x["cost"] == "0.06" for x in r.json["data"]), "and the cost: %r" % r.json)
    r = hub.request("GET", "/v1/admin/usage?project_id=%s&from=%s&to=%s"
                    % (opid, day(today - 3 * DAY), day(today)), key=admin)
    check_eq(sum(x["messages"] for x in r.json["data"]), 1, "one project")

    r = get("/v1/usage/export?from=%s&to=%s&group_by=country" % (day(today - 3 * DAY), day(today)))
    check_eq(r.status, 200, "export")
    rows = list(csv.reader(io.StringIO(r.raw.decode())))
    check_eq(rows[0], ["key", "currency", "messages", "parts", "delivered", "failed", "price"],
             "CSV header")
    check_eq(sum(int(x[2]) for x in rows[1:]), 9, "CSV totals")

    for q, field in [("from=2026-02-30", "from"), ("to=yesterday", "to"),
                     ("group_by=year", "group_by"), ("from=2020-01-01&to=2026-01-01", "to"),
                     ("country=UZB", "country")]:
        r = get("/v1/usage?" + q)
        check_eq(r.status, 400, q)
        check(field in [e["field"] for e in r.json["errors"]], "%s names %s" % (q, field))
    check_eq(hub.request("GET", "/v1/admin/usage").status, 403, "API key on admin usage")


if __name__ == "__main__":
    main(test)
