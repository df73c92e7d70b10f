"""66-usage-export-stream: GET /v1/usage/export streams its CSV (issue 8).

3 000 rollup rows (more than one page of the stream) export with chunked transfer encoding,
a header row and CRLF lines, and the CSV equals the JSON report for every grouping; the
project sees only its own rows; a bad query is still a 400 problem naming the field."""

import csv
import io
import time

from harness import Hub, main, check, check_eq
from identity_util import stop_clean

DAY = 86400


def test(hub):
    hub.bootstrap()
    hub.start()
    pid = hub.project_id

    def get(path):  # the bootstrap admin acting in the first project
        return hub.request("GET", path, key=hub.admin_token, headers={"X-Smshub-Project": pid})
    opid, okey = hub.add_project("Other")
    countries = ["UZ", "GB", "US", "DE", "FR", "KZ", "TR", "IN", "BR", "JP"]
    today = int(time.time()) // DAY * DAY
    # older than the last 3 days, which the leader recomputes from messages every minute
    days = [time.strftime("%Y-%m-%d", time.gmtime(today - (i + 5) * DAY)) for i in range(150)]
    rows = []
    for di, d in enumerate(days):
        for ci, c in enumerate(countries):
            for cur in ("USD", "EUR"):
                n = (di * 7 + ci * 3) % 11 + 1
                rows.append((pid, "simulator", c, d, cur, n, n * 2, n - 1, 1, n * 45000,
                             n * 30000))
    rows.append((opid, "simulator", "UZ", days[0], "USD", 99, 99, 99, 0, 1, 1))
    hub.write_db([("INSERT INTO usage_daily(project_id, provider_id, country, day, currency, "
                   "messages, parts, delivered, failed, price, cost) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", r) for r in rows])
    check_eq(len(rows), 3001, "rows written")

    frm, to = days[-1], days[0]
    for group in ("day", "week", "month", "country", "provider"):
        q = "from=%s&to=%s&group_by=%s" % (frm, to, group)
        r = get("/v1/usage/export?" + q)
        check_eq(r.status, 200, "export %s" % group)
        check_eq(r.headers.get("transfer-encoding", "").lower(), "chunked", "streamed")
        check(r.headers.get("content-type", "").startswith("text/csv"), "CSV type")
        text = r.raw.decode("utf-8")
        check(text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), "CRLF lines")
        got = list(csv.reader(io.StringIO(text)))
        check_eq(got[0], ["key", "currency", "messages", "parts", "delivered", "failed", "price"],
                 "header row")
        j = get("/v1/usage?" + q)
        check_eq(j.status, 200, "json %s" % group)
        want = [[d["key"], d["currency"], str(d["messages"]), str(d["parts"]),
                 str(d["delivered"]), str(d["failed"]), d["price"]] for d in j.json["data"]]
        check_eq(got[1:], want, "CSV equals the JSON report by %s" % group)
        if group == "country":
            total = sum(int(x[2]) for x in got[1:])
            check_eq(total, sum(r[5] for r in rows if r[0] == pid), "every row counted once")
    r = get("/v1/usage/export?group_by=hour")
    check_eq(r.status, 400, "bad group")
    check_eq([e["field"] for e in r.json["errors"]], ["group_by"], "names group_by")

    stop_clean(hub)  # exits 0, no sanitizer report (ASan build)

if __name__ == "__main__":
    main(test)
