"""63-providers-rotate-key: `smshub admin rotate-master-key` (SPEC §10.2).

Credentials with secrets are created; the key is rotated (hub stopped); every sealed value now
carries the new key id and the old one is gone from the table; the old key is kept in
<file>.prev; after a restart the secrets still open (a settings change makes the driver check
them together with the stored secrets — 409 secret_unreadable when they do not open, which a
serve given only the old key shows) and the credential still sends. A second rotation works
too, and a rotation that finds values under the .prev key (an interrupted one) finishes it."""

import json
import os
import shutil
import subprocess

from harness import main, check, check_eq


def rotate(hub, key_file):
    out = subprocess.run([hub.binary, "admin", "rotate-master-key", "--db", hub.db_url,
                          "--master-key-file", key_file, "--json"],
                         capture_output=True, timeout=60, cwd=hub.dir)
    check(out.returncode == 0, "rotate failed (%d): %s" % (out.returncode, out.stderr))
    return json.loads(out.stdout)


def key_ids(hub):
    # str(): the PostgreSQL query helper reads digit-only text (a hex key id can be) as a number
    return {str(k) for (k,) in hub.query("SELECT DISTINCT secret_key_id FROM provider_credentials "
                                    "WHERE secret IS NOT NULL")}


def test(hub):
    key_file = os.path.join(hub.dir, "master.key")
    hub.start()
    admin = hub.admin_token
    A = hub.project_id
    base = "/v1/admin/projects/%s/providers" % A
    creds = []
    for i in range(3):
        r = hub.request("POST", base, {"provider_id": "simulator", "name": "c%d" % i,
                                       "secrets": {"auth_token": "rot-secret-%d" % i}},
                        key=admin)
        check_eq(r.status, 201, "create %r" % r)
        creds.append(r.json)
    old_ids = key_ids(hub)
    check_eq(len(old_ids), 1, "one key id before")
    hub.stop()
    old_key = open(key_file).read()
    shutil.copy(key_file, os.path.join(hub.dir, "old-only.key"))

    out = rotate(hub, key_file)
    check_eq(out["resealed"], 3, "re-sealed count %r" % out)
    check_eq({out["old_key_id"]}, old_ids, "old key id")
    check_eq(key_ids(hub), {out["new_key_id"]}, "only the new key id in the table")
    check_eq(open(key_file + ".prev").read(), old_key, "old key kept as .prev")
    check(open(key_file).read() != old_key, "new key file")
    check_eq(oct(os.stat(key_file).st_mode & 0o777), "0o600", "key file mode")
    check_eq(hub.scalar("SELECT count(*) FROM audit_log WHERE action = 'master_key.reseal'"), 1,
             "audited")

    # restart: the secrets open (PATCH settings re-checks them), fingerprints unchanged
    hub.start()
    for c in creds:
        r = hub.request("PATCH", base + "/" + c["id"], {"settings": {"latency_ms": 3}}, key=admin)
        check_eq(r.status, 200, "secrets open after rotation: %r" % r)
        check_eq(r.json["fingerprint"], c["fingerprint"], "same secret, same fingerprint")
    r = hub.request("POST", base + "/" + creds[0]["id"] + "/test",
                    {"to": "+998901234567", "text": "after rotation"}, key=admin)
    check_eq(r.status, 202, "test send")
    hub.wait_status(r.json["id"], "delivered")
    hub.stop()

    # negative control: with only the old key the secrets do not open
    hub.start(extra_args=["--master-key-file", os.path.join(hub.dir, "old-only.key")])
    r = hub.request("PATCH", base + "/" + creds[1]["id"], {"settings": {"latency_ms": 4}},
                    key=admin)
    check_eq((r.status, r.json.get("code")), (409, "secret_unreadable"), "old key only")
    hub.stop()
    hub.extra_args = []

    # an interrupted rotation: a value still under the .prev key is finished by the next run
    second = rotate(hub, key_file)
    check_eq(key_ids(hub), {second["new_key_id"]}, "second rotation")
    hub.start()
    r = hub.request("POST", base, {"provider_id": "simulator", "secrets": {"auth_token": "late"}},
                    key=admin)
    check_eq(r.status, 201, "created under the current key")
    hub.stop()
    # simulate a crash after the key files were swapped and before the commit: the table
    # still holds values under what is now .prev
    cur = open(key_file).read()
    prev = open(key_file + ".prev").read()
    with open(key_file + ".prev", "w") as f:
        f.write(cur)
    os.chmod(key_file + ".prev", 0o600)
    newer = os.path.join(hub.dir, "newer.key")
    with open(newer, "w") as f:
        f.write(os.urandom(32).hex() + "\n")
    os.chmod(newer, 0o600)
    shutil.copy(newer, key_file)
    hub.start()  # serve opens with the new key + .prev
    r = hub.request("PATCH", base + "/" + creds[2]["id"], {"settings": {"latency_ms": 6}},
                    key=admin)
    check_eq(r.status, 200, "mid-rotation state opens through .prev: %r" % r)
    hub.stop()
    third = rotate(hub, key_file)
    check_eq(third["finished_interrupted"], 4, "finished the interrupted rotation %r" % third)
    check_eq(key_ids(hub), {third["new_key_id"]}, "one key id after finishing")
    check(prev != cur, "keys differ")
    hub.start()
    r = hub.request("PATCH", base + "/" + creds[0]["id"], {"settings": {"latency_ms": 8}},
                    key=admin)
    check_eq(r.status, 200, "opens after the finished rotation")


if __name__ == "__main__":
    main(test)
