"""21-scopes-walk: walks the route table (`smshub routes --json`) so a new route is covered
by itself: every route with a scope refuses a key of the same project that holds every other
scope (403 insufficient_scope) and lets one holding it past the scope check; administrators'
routes refuse API keys (403); every scope in the table is one a key can be given."""
import subprocess

from harness import check, check_eq, main
from sec import create_key, create_project, fill, routes, stop_clean

ALL = None


def cli_errors(hub):
    """The two commands' bad input: exit 2 with a message, nothing created."""
    for args in (["routes", "--yaml"], ["admin", "create-project"],
                 ["admin", "create-project", "--name", ""],
                 ["admin", "create-project", "--name", "x" * 101],
                 ["admin", "create-project", "--name", "ok", "--bogus"]):
        out = subprocess.run([hub.binary] + args + ["--db", hub.db_url] * (args[0] == "admin"),
                             capture_output=True, timeout=30, cwd=hub.dir)
        check_eq(out.returncode, 2, "smshub %r exit code (%r)" % (args, out.stderr))
        check(out.stderr.startswith(b"smshub: "), "smshub %r message %r" % (args, out.stderr))
    check_eq(hub.scalar("SELECT count(*) FROM projects"), 1, "projects after refused commands")


def test(hub):
    hub.bootstrap()
    cli_errors(hub)
    hub.start()
    # a project made by the CLI: its key holds every scope there is
    proj = create_project(hub, "Walked")
    pid, all_key = proj["project_id"], proj["api_key"]
    table = routes(hub)
    check(len(table) >= 10, "route table %r" % table)
    r = hub.request("GET", "/v1/projects/%s/api-keys/%s" % (pid, proj["api_key_id"]),
                    key=all_key)
    check_eq(r.status, 200, "the CLI project's key")
    known = r.json["scopes"]
    check(len(known) >= 10 and "keys:manage" in known, "every scope: %r" % known)
    values = {"id": pid, "*": "zz_nothing_here"}
    seen = 0
    for rt in table:
        method, pattern, scope = rt["method"], rt["pattern"], rt.get("scope")
        path = fill(pattern, values)
        body = {} if method in ("POST", "PATCH", "PUT") else None
        if "admin" in rt["flags"]:
            r = hub.request(method, path, body, key=all_key)
            check_eq(r.status, 403, "%s %s with an API key (%r)" % (method, pattern, r))
            check_eq(r.json["code"], "admin_required", "%s %s code" % (method, pattern))
            continue
        if "user" in rt["flags"]:
            r = hub.request(method, path, body, key=all_key)
            check_eq(r.status, 403, "%s %s (users only) with an API key (%r)" % (method, pattern,
                                                                              r))
            continue
        if scope is None:
            continue
        check(scope in known, "%s %s uses scope %s that no key can hold" % (method, pattern,
                                                                            scope))
        seen += 1
        others = [s for s in known if s != scope]
        without = create_key(hub, pid, others, name="without " + scope,
                             key=all_key).json["key"]
        r = hub.request(method, path, body, key=without)
        check_eq(r.status, 403, "%s %s without %s (%r)" % (method, pattern, scope, r))
        check_eq(r.json["code"], "insufficient_scope", "%s %s code" % (method, pattern))
        only = create_key(hub, pid, [scope], name="only " + scope, key=all_key).json["key"]
        r = hub.request(method, path, body, key=only)
        check(r.status not in (401, 403), "%s %s with only %s: %r" % (method, pattern, scope, r))
    check(seen >= 8, "only %d scoped routes walked" % seen)

    stop_clean(hub)


if __name__ == "__main__":
    main(test)
