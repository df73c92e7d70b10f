"""11-cli: the command line answers bad input with a clear message and the right exit code
(0 success, 1 runtime failure, 2 usage or configuration), and never starts half-configured:
--check-config, unknown options and commands, bad values, a second bootstrap, migrate, and a
master key file that is not a key."""
import json
import os
import subprocess

from harness import check, check_eq, main


def run(hub, *args, env=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith("SMSHUB_")}
    e.update(env or {})
    return subprocess.run([hub.binary] + list(args), capture_output=True, text=True,
                          timeout=30, cwd=hub.dir, env=e)


def expect(r, code, words, what):
    check_eq(r.returncode, code, "%s: exit code (stderr %r)" % (what, r.stderr.strip()))
    for w in words:
        check(w in r.stderr, "%s: %r not in the message %r" % (what, w, r.stderr.strip()))


def test(hub):
    mk = os.path.join(hub.dir, "master.key")

    # --check-config: valid settings → one JSON object on stdout, nothing created
    r = run(hub, "serve", "--check-config", "--db", hub.db_url, "--listen", "127.0.0.1:0",
            "--master-key-file", mk)
    check_eq(r.returncode, 0, "check-config exit (stderr %r)" % r.stderr)
    out = json.loads(r.stdout)
    check_eq(out.get("status"), "ok", "check-config status")
    check_eq(out.get("master_key"), "will be created", "check-config master key")
    check(not os.path.exists(mk), "check-config must not create the master key")

    # bad values, from flags and from the environment
    expect(run(hub, "serve", "--check-config", "--listen", "127.0.0.1"), 2,
           ["SMSHUB_LISTEN", "--listen"], "listen without a port")
    expect(run(hub, "serve", "--check-config", env={"SMSHUB_LISTEN": "127.0.0.1:70000"}), 2,
           ["SMSHUB_LISTEN"], "port out of range from the environment")
    expect(run(hub, "serve", "--check-config", "--log-level", "loud"), 2, ["--log-level"],
           "unknown log level")
    expect(run(hub, "serve", "--check-config", "--db", "mysql://x/y"), 2, ["unknown database"],
           "unknown database scheme")
    expect(run(hub, "serve", "--check-config", "--retry-backoff", "30x"), 2,
           ["--retry-backoff"], "bad backoff")
    expect(run(hub, "serve", "--no-such-option"), 2, ["unknown option"], "unknown option")
    expect(run(hub, "serve", "--listen"), 2, ["needs a value"], "option without its value")
    expect(run(hub, "frobnicate"), 2, ["unknown command"], "unknown command")
    expect(run(hub, "admin"), 2, ["usage"], "admin without a subcommand")
    expect(run(hub, "admin", "bootstrap", "--db", hub.db_url, "--email", "not-an-email"), 2,
           ["--email"], "bad bootstrap email")
    check(not os.path.exists(hub.db_path), "a refused bootstrap must not create the database")

    # migrate, then bootstrap once; the second bootstrap is refused and changes nothing
    r = run(hub, "migrate", "--db", hub.db_url)
    check_eq(r.returncode, 0, "migrate exit (stderr %r)" % r.stderr)
    m = json.loads(r.stdout)
    check(m["applied"] >= 1 and m["schema_version"] == m["applied"], "migrate output %r" % m)
    check_eq(json.loads(run(hub, "migrate", "--db", hub.db_url).stdout)["applied"], 0,
             "second migrate applies nothing")
    hub.bootstrap()
    expect(run(hub, "admin", "bootstrap", "--db", hub.db_url, "--json"), 1,
           ["already bootstrapped"], "second bootstrap")
    check_eq(hub.scalar("SELECT count(*) FROM users"), 1, "users after a second bootstrap")
    check_eq(hub.scalar("SELECT count(*) FROM api_keys"), 1, "keys after a second bootstrap")

    # a master key file that is not a key: refused before anything listens
    with open(mk, "w") as f:
        f.write("not a key\n")
    os.chmod(mk, 0o600)
    expect(run(hub, "serve", "--check-config", "--master-key-file", mk), 2, ["64 hex"],
           "check-config with a bad master key")
    expect(run(hub, "serve", "--db", hub.db_url, "--listen", "127.0.0.1:0",
               "--master-key-file", mk), 2, ["64 hex"], "serve with a bad master key")

    # and with a good one the daemon starts and stops cleanly
    os.unlink(mk)
    hub.start()
    check_eq(hub.request("GET", "/healthz", key=None).status, 200, "healthz")
    check_eq(hub.stop(), 0, "exit code after SIGTERM")
    with open(mk) as f:
        check_eq(len(f.read().strip()), 64, "created master key length")
    check_eq(os.stat(mk).st_mode & 0o777, 0o600, "created master key mode")


if __name__ == "__main__":
    main(test)
