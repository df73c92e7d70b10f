"""05-list: GET /v1/messages pages newest first with cursors (no duplicates, none missing),
filters by status, to and creation time, and refuses bad query parameters with 400."""
import time
import urllib.parse

from harness import check, check_eq, main, parse_rfc3339, rfc3339, wait_for

N = 25


def list_all(hub, query, limit):
    """Follows next_cursor; returns (ids in order, number of pages)."""
    ids, pages, cursor = [], 0, None
    while True:
        q = dict(query, limit=limit)
        if cursor:
            q["cursor"] = cursor
        r = hub.request("GET", "/v1/messages?" + urllib.parse.urlencode(q))
        check_eq(r.status, 200, "GET /v1/messages?%s (%r)" % (urllib.parse.urlencode(q), r))
        data = r.json["data"]
        check(len(data) <= limit, "page longer than limit: %d > %d" % (len(data), limit))
        ids += [m["id"] for m in data]
        pages += 1
        check(pages <= N + 2, "pagination does not end")
        cursor = r.json["next_cursor"]
        if cursor is None:
            return ids, pages
        check_eq(cursor, data[-1]["id"], "next_cursor is the last id of the page")


def test(hub):
    # receipts are held back so statuses stay put while we list (polls start after 10 s)
    hub.bootstrap()
    hub.set_sim_settings({"push_dlr": False})
    hub.start()

    to_a, to_b = "+998901234567", "+998907654321"
    sent = []  # (id, to, created_at) in send order
    t_first = time.time()
    for i in range(N):
        to = to_a if i % 3 else to_b
        b = hub.send(to=to, text="list %d" % i).json
        sent.append((b["id"], to, b["created_at"]))
    t_last = time.time()
    all_ids = [s[0] for s in sent]
    check_eq(len(set(all_ids)), N, "distinct ids")
    # ids are time-ordered (millisecond resolution): newest first is descending id order,
    # which is the send order except among messages created in the same millisecond
    newest_first = sorted(all_ids, reverse=True)
    created = {s[0]: parse_rfc3339(s[2]) for s in sent}
    check([created[i] for i in newest_first] == sorted(created.values(), reverse=True),
          "id order agrees with created_at")
    by_id = {s[0]: s for s in sent}

    def newest(pred):
        return [i for i in newest_first if pred(by_id[i])]

    # every message is submitted (no receipts are pushed, so none goes further)
    def all_submitted():
        rows = hub.query("SELECT status, count(*) FROM messages GROUP BY status")
        return rows == [(1, N)] and rows
    wait_for(all_submitted, 10, "all %d messages to be submitted" % N)

    # ---- default page and limit=10 pagination
    r = hub.request("GET", "/v1/messages")
    check_eq([m["id"] for m in r.json["data"]], newest_first, "default list (limit 50)")
    check(r.json["next_cursor"] is None, "no next_cursor when everything fits")
    ids, pages = list_all(hub, {}, 10)
    check_eq(ids, newest_first, "limit=10 pages, newest first, none missing or repeated")
    check_eq(pages, 3, "pages of 10 for 25 messages")
    ids, pages = list_all(hub, {}, 5)
    check_eq(ids, newest_first, "limit=5 pages")
    check(pages in (5, 6), "pages of 5 for 25 messages: %d" % pages)
    first = hub.request("GET", "/v1/messages?limit=1").json
    check_eq([m["id"] for m in first["data"]], newest_first[:1], "limit=1")
    m = first["data"][0]
    for f in ("id", "status", "to", "text", "created_at", "encoding", "segments", "provider"):
        check(f in m, "list item lacks %s: %r" % (f, m))
    times = [parse_rfc3339(s[2]) for s in sent]
    check(times == sorted(times), "created_at follows send order")
    check_eq(m["status"], "submitted", "list item status")

    # ---- filters
    want_b = newest(lambda s: s[1] == to_b)
    ids, _ = list_all(hub, {"to": to_b}, 4)
    check_eq(ids, want_b, "filter to=%s" % to_b)
    ids, _ = list_all(hub, {"to": "+998900000000"}, 10)
    check_eq(ids, [], "filter on a number never used")
    ids, _ = list_all(hub, {"status": "submitted"}, 10)
    check_eq(ids, newest_first, "filter status=submitted")
    ids, _ = list_all(hub, {"status": "delivered"}, 10)
    check_eq(ids, [], "filter status=delivered before any receipt")
    ids, _ = list_all(hub, {"status": "submitted", "to": to_a}, 3)
    check_eq(ids, newest(lambda s: s[1] == to_a), "status and to together")

    # created_after / created_before around the middle message
    mid = sent[12]
    mid_t = parse_rfc3339(mid[2])
    after = newest(lambda s: parse_rfc3339(s[2]) >= mid_t + 0.001)
    before = newest(lambda s: parse_rfc3339(s[2]) < mid_t)
    check(after and before, "the middle message splits the set")
    ids, _ = list_all(hub, {"created_after": rfc3339(mid_t + 0.001)}, 10)
    check_eq(ids, after, "created_after the middle message")
    ids, _ = list_all(hub, {"created_before": rfc3339(mid_t)}, 10)
    check_eq(ids, before, "created_before the middle message")
    ids, _ = list_all(hub, {"created_after": rfc3339(t_first - 60),
                            "created_before": rfc3339(t_last + 60)}, 10)
    check_eq(ids, newest_first, "a range around everything")
    ids, _ = list_all(hub, {"created_after": rfc3339(t_last + 60)}, 10)
    check_eq(ids, [], "created_after the future")
    ids, _ = list_all(hub, {"created_before": rfc3339(t_first - 60)}, 10)
    check_eq(ids, [], "created_before the past")

    # ---- bad parameters → 400 invalid_query naming the parameter
    bad = [("status=sending", "status"), ("status=", "status"), ("limit=0", "limit"),
           ("limit=101", "limit"), ("limit=ten", "limit"), ("limit=-1", "limit"),
           ("cursor=nope", "cursor"), ("cursor=msg_short", "cursor"),
           ("created_after=yesterday", "created_after"),
           ("created_before=2026-02-30T00:00:00Z", "created_before"),
           ("to=" + "9" * 30, "to")]
    for q, field in bad:
        r = hub.request("GET", "/v1/messages?" + q)
        check_eq(r.status, 400, "GET ?%s (%r)" % (q, r))
        check(r.headers.get("content-type", "").startswith("application/problem+json"),
              "?%s content type" % q)
        check_eq(r.json.get("code"), "invalid_query", "?%s code" % q)
        fields = [e.get("field") for e in r.json.get("errors") or []]
        check(field in fields, "?%s: errors[] should name %s, got %r" % (q, field, fields))
    r = hub.request("GET", "/v1/messages?limit=0&status=bogus&cursor=x")
    fields = {e.get("field") for e in r.json.get("errors") or []}
    check_eq((r.status, fields), (400, {"limit", "status", "cursor"}),
             "several bad parameters are all reported")


if __name__ == "__main__":
    main(test)
