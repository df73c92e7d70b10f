"""22-cross-tenant: project B's key (every scope) against every route of the route table
(`smshub routes --json`, so a new route is covered by itself) with project A's ids in every
path parameter answers 403 or 404, never A's data; routes without parameters never show A's
ids; A's objects are unchanged after. A's ids are its project, message, keys and credential
plus every id found in the answers of A's own GET routes — so the objects of a new area are
tried too, once A has some."""
import re

from harness import check, main
from sec import create_key, create_project, fill, routes, stop_clean


ID = re.compile(rb'"([a-z]{2,8}_[0-9A-Z]{26})"')


def harvest(hub, table, pid, key):
    """Every id in the answers of A's GET routes (key holds every scope)."""
    ids = set()
    for rt in table:
        if rt["method"] != "GET" or "auth" not in rt["flags"]:
            continue
        if rt["pattern"].count("{") > (1 if rt["pattern"].startswith("/v1/projects/{id}") else 0):
            continue
        r = hub.request("GET", rt["pattern"].replace("{id}", pid), key=key)
        if r.status == 200:
            ids |= {m.decode() for m in ID.findall(r.raw)}
    return ids


def test(hub):
    hub.start()
    # both projects made by the CLI: their keys hold every scope
    a = create_project(hub, "Project A")
    a_pid, a_all = a["project_id"], a["api_key"]
    a_msg = hub.send(text="tenant A secret text", key=a_all).json["id"]
    a_key = create_key(hub, a_pid, ["messages:read"], name="A's key", key=a_all).json
    a_ids = {"project": a_pid, "message": a_msg, "key": a_key["id"],
             "credential": a["credential_id"], "all_key": a["api_key_id"],
             "bootstrap_project": hub.project_id, "bootstrap_key": hub.boot["api_key_id"]}
    b = create_project(hub, "Project B")
    b_key = b["api_key"]
    check(b["credential_id"], "create-project attached a simulator credential")
    b_msg = hub.send(text="tenant B", key=b_key).json["id"]
    table = routes(hub)
    a_vals = set(a_ids.values()) | harvest(hub, table, a_pid, a_all)
    check(len(a_vals) >= len(a_ids), "ids of A: %r" % a_vals)
    walked = 0
    for rt in table:
        method, pattern = rt["method"], rt["pattern"]
        if "auth" not in rt["flags"]:
            continue
        body = {} if method in ("POST", "PATCH", "PUT") else None
        nparams = pattern.count("{")
        if nparams == 0:
            if method != "GET":
                continue  # creates B's own objects; nothing of A's to reach
            r = hub.request(method, pattern, key=b_key)
            for v in a_vals:
                check(v.encode() not in r.raw, "%s %s shows A's %s: %r" % (method, pattern, v, r))
            continue
        # every combination of A's ids in the parameters; the project parameter also gets B's
        # own project so the inner ids are tried behind a project B can reach
        combos = [{"*": v, "id": v} for v in a_vals]
        if pattern.startswith("/v1/projects/{id}") and nparams >= 2:
            combos += [{"id": b["project_id"], "*": v} for v in a_vals]
        for vals in combos:
            path = fill(pattern, vals)
            r = hub.request(method, path, body, key=b_key)
            walked += 1
            check(r.status in (403, 404), "%s %s as B: %d %r" % (method, path, r.status, r.raw))
            check(b"tenant A secret text" not in r.raw, "A's message leaks via %s" % path)
    check(walked >= 20, "only %d cross-tenant requests" % walked)
    # A is untouched: its key works and is not revoked or replaced, its message is there
    r = hub.request("GET", "/v1/messages/" + a_msg, key=a_key["key"])
    check(r.status == 200, "A's key still works (%r)" % r)
    k = hub.request("GET", "/v1/projects/%s/api-keys/%s" % (a_pid, a_key["id"]), key=a_all).json
    check(k["revoked_at"] is None and k["replaced_by"] is None, "A's key changed: %r" % k)
    check(hub.request("GET", "/v1/messages/" + b_msg, key=a_all).status == 404,
          "A reading B's message")

    stop_clean(hub)


if __name__ == "__main__":
    main(test)
