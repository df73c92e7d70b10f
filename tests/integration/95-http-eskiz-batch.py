"""95-http-eskiz-batch: Eskiz batch send (`batch_window_ms`, `batch_max`) against
tests/fakes/fake_eskiz.py. Messages for one credential within the window go as send-batch
requests (JSON, numbers as digits, user_sms_id = our id), never more than batch_max per request,
behind one login; each message gets its own provider id and its own receipt (matched by
user_sms_id, the batch sharing one request id); an entry the answer marks as an error is
`rejected` while the others go out; a batch refused as a whole (a non-Uzbek number) is resent one
message at a time, so only the bad one is `rejected`; a 500 retries the batch; an expired token
costs one re-login and no message a second attempt."""
import json
from concurrent.futures import ThreadPoolExecutor

from harness import check, check_eq, main, wait_for
from httpfakes import Fake, add_credential, check_log_clean, stop_clean

PASSWORD = "secret-pw-B4tch"


def batches(fake):
    return [e for e in fake.requests("/message/sms/send-batch")]


def send_many(hub, n, prefix, to="+998901234567"):
    """n sends at once (from threads), so they reach the driver within one window."""
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda i: hub.send(text="%s %d" % (prefix, i), to=to,
                                                provider="esk").json["id"], range(n)))


def test(hub):
    hub.start(["--retry-backoff", "1s,1s,1s"])
    fake = Fake(hub, "eskiz", ["--password", PASSWORD])
    add_credential(hub, "esk", "eskiz", {"base_url": fake.base + "/api"},
                   {"batch_window_ms": 400, "batch_max": 4},
                   {"email": "test@eskiz.uz", "password": PASSWORD})

    ids = send_many(hub, 7, "batch")
    msgs = [hub.wait_status(mid, "submitted", timeout=15) for mid in ids]
    sent = batches(fake)
    check_eq(len([e for e in fake.requests("/message/sms/send") if
                  e["path"].endswith("/send")]), 0, "no single sends")
    check_eq(len(fake.requests("/auth/login")), 1, "one login")
    sizes = [len(json.loads(e["body"])["messages"]) for e in sent]
    check(sum(sizes) == 7 and max(sizes) <= 4 and len(sent) <= 4 and max(sizes) >= 2,
          "7 messages in batches of at most 4: %r" % sizes)
    body = json.loads(sent[0]["body"])
    entry = body["messages"][0]
    check(isinstance(entry["to"], int) and entry["to"] == 998901234567, "to as a number")
    check(entry["user_sms_id"] in ids and body["from"] == "4546" and
          body["callback_url"].startswith("http://127.0.0.1:"), "batch body %r" % body)
    pmids = [m["provider_message_id"] for m in msgs]
    check_eq(len(set(pmids)), 7, "one provider id per message")
    check(all(p.endswith("#" + mid) for p, mid in zip(pmids, ids)), "ids %r" % pmids)
    check(all(m["attempts"] == 1 for m in msgs), "one attempt each")

    # receipts: each message its own, though the batch shares its request id
    fake.call("POST", "/_fake/dlr", {"id": pmids[0], "status": "DELIVRD"})
    fake.call("POST", "/_fake/dlr", {"id": pmids[1], "status": "UNDELIV"})
    hub.wait_status(ids[0], "delivered", timeout=10)
    hub.wait_status(ids[1], "undelivered", timeout=10)
    check_eq(hub.get_message(ids[2])["status"], "submitted", "a batch-mate is untouched")

    # one entry marked as an error in the answer: that one rejected, the others out
    fake.fail_next("batch-partial")
    part = send_many(hub, 3, "partial")
    final = [hub.wait_status(mid, {"submitted", "rejected"}, timeout=15)["status"]
             for mid in part]
    check_eq(sorted(final), ["rejected", "submitted", "submitted"], "per-message outcomes")

    # refused as a whole (a US number Eskiz's send does not take): one by one
    n0 = len(batches(fake))
    with ThreadPoolExecutor(2) as pool:
        good, bad = pool.map(lambda to: hub.send(text="to %s" % to, to=to,
                                                 provider="esk").json["id"],
                             ["+998901234567", "+14155552345"])
    hub.wait_status(good, "submitted", timeout=15)
    mb = hub.wait_status(bad, "rejected", timeout=15)
    check_eq(mb["attempts"], 1, "the bad number rejected at once")
    singles = [e for e in fake.requests("/message/sms/send") if e["path"].endswith("/send")]
    check_eq(len(singles), 2, "both resent singly: %r" % [e["status"] for e in singles])
    check_eq(len(batches(fake)) - n0, 1, "one refused batch")

    # a 500 → the batch's messages are retried
    fake.fail_next("500")
    again = send_many(hub, 2, "after a 500")
    for mid in again:
        m = hub.wait_status(mid, "submitted", timeout=15)
        check(m["attempts"] >= 1, "sent")
    check(any(hub.get_message(mid)["attempts"] == 2 for mid in again), "retried after the 500")

    # an expired token: one re-login, no second attempt
    fake.call("POST", "/_fake/expire-tokens", {})
    late = send_many(hub, 3, "after expiry")
    for mid in late:
        check_eq(hub.wait_status(mid, "submitted", timeout=15)["attempts"], 1, "one attempt")
    check_eq(len(fake.requests("/auth/login")), 2, "exactly one re-login")
    check_log_clean(hub, [PASSWORD])
    stop_clean(hub, fake, "esk")


if __name__ == "__main__":
    main(test)
