"""15-export-import: moving an installation to another database (issue 7, SQLite → PostgreSQL).

A SQLite hub with a user, a key and delivered messages is exported; the export is imported into
a new database (PostgreSQL in the pg suite, SQLite otherwise) and a hub started on it with the
same master key: the admin can sign in, the API key works, the messages and their timelines
are there, and a new message is delivered. Import refuses a database that is not empty and a
truncated file; the export file is private (0600)."""

import os
import shutil
import stat
import subprocess

from harness import Hub, main, check, check_eq, psql, PG_URL


def run(hub, *args):
    return subprocess.run([hub.binary, "admin"] + list(args), capture_output=True, timeout=60,
                          cwd=hub.dir)


def test(hub):
    # the source: always SQLite, in a hub of its own
    src = Hub(hub.binary)
    hub.on_cleanup(src.cleanup)
    if src.pg:
        psql(PG_URL, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % src.pg_db)
        src.pg = False
        src.db_url = "sqlite:" + src.db_path
    src.bootstrap()
    src.start()
    ids = [src.send(text="before the move %d" % i).json["id"] for i in range(5)]
    for i in ids:
        src.wait_status(i, {"delivered"})
    rc = src.stop()
    check(rc == 0, "source stops cleanly: exit %r, stderr:\n%s" % (rc, src.stderr_tail(60)))

    path = os.path.join(hub.dir, "export.jsonl")
    out = run(src, "export", "--db", src.db_url, "--file", path)
    check_eq(out.returncode, 0, "export: %s" % out.stderr)
    check_eq(stat.S_IMODE(os.stat(path).st_mode), 0o600, "export file mode")

    # the target: this hub's database (PostgreSQL in the pg suite), never bootstrapped
    shutil.copy(os.path.join(src.dir, "master.key"), os.path.join(hub.dir, "master.key"))
    out = run(hub, "import", "--db", hub.db_url, "--file", path)
    check_eq(out.returncode, 0, "import: %s" % out.stderr)
    out = run(hub, "import", "--db", hub.db_url, "--file", path)
    check(out.returncode != 0 and b"not empty" in out.stderr, "second import refused: %r" % out)

    # exporting the target again gives the same rows (on PostgreSQL: its own blob encoding)
    again = os.path.join(hub.dir, "again.jsonl")
    out = run(hub, "export", "--db", hub.db_url, "--file", again)
    check_eq(out.returncode, 0, "export of the target: %s" % out.stderr)
    with open(path) as f1, open(again) as f2:
        a, b = f1.read().splitlines(), f2.read().splitlines()
    check_eq(b[-1], a[-1], "the same tables and row count")
    check_eq(sorted(b), sorted(a), "the same rows, NULL blobs included")

    trunc = os.path.join(hub.dir, "trunc.jsonl")
    with open(path) as f, open(trunc, "w") as t:
        t.writelines(f.readlines()[:-1])
    empty = Hub(hub.binary)
    hub.on_cleanup(empty.cleanup)
    out = run(empty, "import", "--db", empty.db_url, "--file", trunc)
    check(out.returncode != 0 and b"end line" in out.stderr, "truncated file refused: %r" % out)

    hub.boot = src.boot
    hub.start()
    hub.login()  # the admin's password hash moved
    for i in ids:
        m = hub.get_message(i)
        check_eq(m["status"], "delivered", "message %s after the move" % i)
        check(len(m.get("timeline", [])) >= 3, "its timeline moved: %r" % m)
    r = hub.request("GET", "/v1/messages?limit=100")
    check_eq(len(r.json["data"]), 5, "the list after the move")
    new = hub.send(text="after the move").json["id"]
    hub.wait_status(new, {"delivered"})


if __name__ == "__main__":
    main(test)
