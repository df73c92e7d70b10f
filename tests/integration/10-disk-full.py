"""10-disk-full: the database's filesystem fills up (a small tmpfs mounted by the test, with a
filler file eating the rest). Sends must then be refused with 503 `storage_unavailable` and a
problem body — never a 202 for a message that was not stored — and the hub must carry on
by itself once space returns: new sends are accepted and everything acknowledged before,
during and after is stored once and delivered.

Needs root and permission to mount a tmpfs; skipped otherwise (and on PostgreSQL, whose data
directory this test does not place)."""
import os
import subprocess
import sys

from harness import STATUS_CODES, check, check_eq, idem, main, wait_for

FS_BYTES = 24 * 1024 * 1024


def mount_small_fs(path):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d" % FS_BYTES, "tmpfs", path],
                       capture_output=True)
    return r.returncode == 0


def fill(path):
    """Writes a filler until the filesystem is full; returns its path. Unbuffered, so the
    full disk shows as ENOSPC on a write and nothing is left to flush at close."""
    filler = os.path.join(path, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    chunk = b"\0" * 65536
    try:
        while True:
            try:
                if os.write(fd, chunk) <= 0:
                    break
            except OSError:
                if len(chunk) == 1:
                    break
                chunk = chunk[:len(chunk) // 2]  # fill the last free bytes too
    finally:
        os.close(fd)
    return filler


def test(hub):
    if hub.pg:
        print("disk-full test is for the SQLite backend: skipped on PostgreSQL")
        sys.exit(77)
    if os.geteuid() != 0:
        print("needs root to mount a tmpfs: skipped")
        sys.exit(77)
    fs = os.path.join(hub.dir, "fs")
    if not mount_small_fs(fs):
        print("cannot mount a tmpfs here: skipped")
        sys.exit(77)
    hub.on_cleanup(lambda: subprocess.run(["umount", "-l", fs], capture_output=True))
    hub.db_path = os.path.join(fs, "hub.db")
    hub.db_url = "sqlite:" + hub.db_path
    hub.start()

    acked = set()
    for i in range(50):
        r = hub.send(to="+998901%06d" % i, text="before %d" % i)
        acked.add(r.json["id"])

    filler = fill(fs)
    refused = 0
    accepted_while_full = 0
    for i in range(400):
        r = hub.request("POST", "/v1/messages", {"to": "+998902%06d" % i, "text": "x" * 150},
                        headers={"Idempotency-Key": idem()})
        if r.status == 202:
            acked.add(r.json["id"])  # it did fit: it must then be stored like any other
            accepted_while_full += 1
            continue
        check_eq(r.status, 503, "status while the disk is full")
        check_eq(r.json.get("code"), "storage_unavailable", "problem code while full")
        check(r.headers.get("content-type", "").startswith("application/problem+json"),
              "problem+json while full")
        check(r.headers.get("retry-after") is not None, "Retry-After while full")
        refused += 1
        if refused >= 5:
            break
    check(refused >= 5, "the disk never filled up (%d accepted)" % accepted_while_full)

    os.unlink(filler)  # space returns
    after = []

    def accepted_again():
        r = hub.request("POST", "/v1/messages", {"to": "+998903000001", "text": "after"},
                        headers={"Idempotency-Key": idem()})
        if r.status == 202:
            after.append(r.json["id"])
        return r.status == 202
    wait_for(accepted_again, 20, "sends to be accepted again once space returned")
    for i in range(50):
        acked.add(hub.send(to="+998904%06d" % i, text="after %d" % i).json["id"])
    acked.update(after)

    ids = [r[0] for r in hub.query("SELECT id FROM messages")]
    check_eq(len(ids), len(set(ids)), "duplicate rows")
    check(acked <= set(ids), "%d acknowledged messages lost" % len(acked - set(ids)))
    delivered = STATUS_CODES["delivered"]
    wait_for(lambda: hub.scalar("SELECT count(*) FROM messages WHERE status != ?",
                                (delivered,)) == 0,
             40, "every message delivered after the disk-full episode", interval=0.3)
    print("%d acknowledged, %d refused with 503 while full, %d accepted while nearly full"
          % (len(acked), refused, accepted_while_full))
    check_eq(hub.stop(), 0, "exit code after SIGTERM")


if __name__ == "__main__":
    main(test, time_limit=90)
