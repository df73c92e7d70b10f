"""12-explicit-provider: the `provider` field of a send. A provider the project has an active
credential for is used; one it has not is refused with 422 `unknown_provider` naming the
field (nothing stored); a malformed one is 422 `invalid_provider`; and a credential created a
moment ago is usable at once — the accept path re-reads a credential table older than 100 ms
on a miss (core/credcache.h), so a new project is not refused for up to a second."""
import time

from harness import check, check_eq, main


def errors_of(r):
    return {(e["field"], e["code"]) for e in r.json.get("errors", [])}


def test(hub):
    hub.start()

    r = hub.send(text="explicit provider", provider="simulator")
    m = hub.wait_status(r.json["id"], "delivered")
    check_eq(m["provider"], "simulator", "provider used")

    before = hub.scalar("SELECT count(*) FROM messages")
    r = hub.send(text="no such provider", provider="twilio", expect=422)
    check_eq(r.json["code"], "validation_failed", "problem code")
    check_eq(errors_of(r), {("provider", "unknown_provider")}, "errors for an unknown provider")
    r = hub.send(text="bad slug", provider="Bad Slug!", expect=422)
    check_eq(errors_of(r), {("provider", "invalid_provider")}, "errors for a malformed provider")
    check_eq(hub.scalar("SELECT count(*) FROM messages"), before, "nothing stored when refused")

    # The credential table was read just now (the sends above). A project created after that
    # must be able to name its provider once the documented 100 ms have passed — well within
    # the one-second refresh, so this fails if only the periodic refresh picks it up.
    _, key_b = hub.add_project("Project B")
    time.sleep(0.15)
    r = hub.send(text="fresh credential", provider="simulator", key=key_b)
    hub.wait_status(r.json["id"], "delivered", key=key_b)

    # project B has no twilio credential either
    r = hub.send(text="B unknown", provider="twilio", key=key_b, expect=422)
    check_eq(errors_of(r), {("provider", "unknown_provider")}, "B: unknown provider")


if __name__ == "__main__":
    main(test)
