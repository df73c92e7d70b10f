"""02-idempotency: a replay returns the stored answer and creates nothing; a reused key with
another body is refused; keys are per project; concurrent duplicates make exactly one message."""
import threading

from harness import check, check_eq, idem, main


def count(hub, sql="SELECT count(*) FROM messages", args=()):
    return hub.scalar(sql, args)


def test(hub):
    hub.start()
    body = {"to": "+998901234567", "text": "idempotent hello", "metadata": {"order": 42}}
    key = idem()

    first = hub.request("POST", "/v1/messages", body, headers={"Idempotency-Key": key})
    check_eq(first.status, 202, "first POST")
    check("idempotent-replayed" not in first.headers,
          "first answer is marked replayed: %r" % first.headers)
    msg_id = first.json["id"]
    check_eq(count(hub), 1, "messages after the first POST")

    # ---- replay: same key, same body (even with the keys in another order)
    for b in (body, {"metadata": {"order": 42}, "text": "idempotent hello",
                     "to": "+998901234567"}):
        r = hub.request("POST", "/v1/messages", b, headers={"Idempotency-Key": key})
        check_eq(r.status, 202, "replay status")
        check_eq(r.headers.get("idempotent-replayed"), "true", "Idempotent-Replayed header")
        check_eq(r.json, first.json, "replayed body")
        check_eq(r.raw, first.raw, "replayed body bytes")
    check_eq(count(hub), 1, "messages after the replays")
    check_eq(count(hub, "SELECT count(*) FROM idempotency"), 1, "idempotency rows")

    # a replay after the message moved on still returns the original 202 (status queued)
    hub.wait_status(msg_id, "delivered")
    r = hub.request("POST", "/v1/messages", body, headers={"Idempotency-Key": key})
    check_eq((r.status, r.json), (202, first.json), "replay after delivery")
    check_eq(r.headers.get("idempotent-replayed"), "true", "Idempotent-Replayed after delivery")
    check_eq(len([ln for ln in hub.sim_log_lines() if ln[0] == msg_id]), 1,
             "simulator submits of the replayed message")

    # ---- same key, different body → 422 idempotency_key_reused, nothing stored
    r = hub.request("POST", "/v1/messages", dict(body, text="another text"),
                    headers={"Idempotency-Key": key})
    check_eq(r.status, 422, "reused key with another body")
    check(r.headers.get("content-type", "").startswith("application/problem+json"),
          "problem content type: %r" % r.headers.get("content-type"))
    check_eq(r.json.get("code"), "idempotency_key_reused", "problem code")
    check_eq(r.json.get("status"), 422, "problem status")
    check("idempotent-replayed" not in r.headers, "422 is marked as a replay")
    check_eq(count(hub), 1, "messages after the refused reuse")

    # ---- 20 concurrent identical requests → one message, every answer has its id
    ckey = idem()
    cbody = {"to": "+998901234568", "text": "concurrent duplicate"}
    results = [None] * 20
    barrier = threading.Barrier(20)

    def worker(i):
        try:
            barrier.wait(10)
            results[i] = hub.request("POST", "/v1/messages", cbody,
                                     headers={"Idempotency-Key": ckey})
        except Exception as e:  # reported below
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    check(not any(t.is_alive() for t in threads), "concurrent requests did not finish")
    statuses = [getattr(r, "status", r) for r in results]
    check(all(s == 202 for s in statuses), "concurrent duplicates: statuses %r" % statuses)
    ids = {r.json["id"] for r in results}
    check_eq(len(ids), 1, "distinct ids among 20 concurrent duplicates")
    fresh = [r for r in results if r.headers.get("idempotent-replayed") != "true"]
    check_eq(len(fresh), 1, "answers not marked as replays")
    (cid,) = ids
    check_eq(count(hub, "SELECT count(*) FROM messages WHERE to_number = ?",
                   ("+998901234568",)), 1, "rows for the concurrent duplicates")
    hub.wait_status(cid, "delivered")
    check_eq(len([ln for ln in hub.sim_log_lines() if ln[0] == cid]), 1,
             "simulator submits of the concurrent duplicate")

    # ---- the same key in another project is independent. Project B is created while the hub
    # runs (another process writing the database), which the hub must tolerate.
    pid_b, key_b = hub.add_project("Project B")
    rb = hub.request("POST", "/v1/messages", body, headers={"Idempotency-Key": key}, key=key_b)
    check_eq(rb.status, 202, "project B with project A's Idempotency-Key (%r)" % rb)
    check("idempotent-replayed" not in rb.headers, "project B's answer is marked as a replay")
    check(rb.json["id"] != msg_id, "project B got project A's message id")
    check_eq(count(hub, "SELECT count(*) FROM messages WHERE project_id = ?", (pid_b,)), 1,
             "project B messages")
    # ... and A's key still replays A's message
    r = hub.request("POST", "/v1/messages", body, headers={"Idempotency-Key": key})
    check_eq((r.status, r.json["id"]), (202, msg_id), "project A replay after project B's use")
    check_eq(count(hub, "SELECT count(*) FROM idempotency"), 3, "idempotency rows at the end")

if __name__ == "__main__":
    main(test)
