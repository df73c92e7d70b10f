"""71-leak-check: the daemon's start/serve/stop cycle leaks nothing (LeakSanitizer).

Only meaningful on an ASan build (build-asan, where LSan runs at exit and a leak makes the
process exit non-zero); skipped (77) on a binary without AddressSanitizer. The cycle: start,
traffic (sends, replays, reads, lists, bad requests, delivery with receipts), SIGTERM → exit 0
with no LeakSanitizer report; a restart on the same database (recovery path) likewise. Then a
negative control: the test hook SMSHUB_TEST_LEAK=1 leaks one block at exit, and the exit
code must be non-zero with a LeakSanitizer report — so this check cannot pass by not looking.
(08-graceful-stop, run under ASan by make test, checks exit 0 under load as well.)"""
import os
import sys

from harness import check, check_eq, idem, main


def is_asan(binary):
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()  # the runtime hook every ASan object calls


def lsan_reports(hub):
    with open(hub.stderr_path, "rb") as f:
        return f.read().count(b"LeakSanitizer")


def test(hub):
    if not is_asan(hub.binary):
        print("not an AddressSanitizer build: nothing to check here (run it from build-asan)")
        sys.exit(77)
    check("detect_leaks=0" not in os.environ.get("ASAN_OPTIONS", ""), "leak detection is off")
    hub.bootstrap()
    hub.set_sim_settings({"latency_ms": 5, "sent_delay_ms": 5, "dlr_delay_ms": 20})
    hub.start()
    ids = []
    for i in range(20):
        key = idem()
        r = hub.send(to="+9989012%05d" % i, idem_key=key)
        ids.append(r.json["id"])
        hub.send(to="+9989012%05d" % i, idem_key=key)  # replay
        hub.get_message(r.json["id"])
    check_eq(hub.request("GET", "/v1/messages?limit=5").status, 200, "list")
    check(hub.request("POST", "/v1/messages", "{bad").status == 400, "malformed JSON")
    for mid in ids:
        hub.wait_status(mid, "delivered", timeout=30)
    check_eq(hub.stop(timeout=60), 0, "exit code (a leak makes LSan exit non-zero)")
    check_eq(lsan_reports(hub), 0, "LeakSanitizer reports")
    hub.start()
    check_eq(hub.stop(timeout=60), 0, "exit code of the second cycle")
    check_eq(lsan_reports(hub), 0, "LeakSanitizer reports")

    # negative control: a deliberate leak must be caught
    hub.extra_env = {"SMSHUB_TEST_HOOKS": "1", "SMSHUB_TEST_LEAK": "1"}
    hub.start()
    rc = hub.stop(timeout=60)
    check(rc != 0, "the deliberate leak went unnoticed (exit code %r)" % rc)
    check(lsan_reports(hub) > 0, "no LeakSanitizer report for the deliberate leak")
    print("start/serve/stop: no leak in two cycles; the deliberate leak was caught (exit %d)" % rc)


if __name__ == "__main__":
    main(test, time_limit=200)
