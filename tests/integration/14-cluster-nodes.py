"""14-cluster-nodes: the node registry and the leader (SPEC §10.1).

Every backend: GET /v1/admin/nodes lists this node alive and leading; it needs an
administrator (an API key gets 403); a clean stop marks the node stopped. PostgreSQL: two
nodes on one database are both listed alive with exactly one leader; kill -9 the leader and the
other takes over within seconds, while the dead one is listed not alive."""

from harness import Hub, main, check, check_eq, wait_for


def nodes(hub, token):
    r = hub.request("GET", "/v1/admin/nodes", key=token)
    check_eq(r.status, 200, "GET /v1/admin/nodes %r" % (r,))
    return r.json["data"]


def test(hub):
    hub.bootstrap()
    hub.start()
    token = hub.admin_token

    r = hub.request("GET", "/v1/admin/nodes")  # the project's API key
    check_eq((r.status, r.json.get("code")), (403, "admin_required"), "API key on admin route")
    r = hub.request("GET", "/v1/admin/nodes", key=None)
    check_eq(r.status, 401, "no credential")

    data = nodes(hub, token)
    check_eq(len(data), 1, "one node: %r" % data)
    n = data[0]
    check(n["alive"] and n["leader"], "the only node is alive and leads: %r" % n)
    check(n["address"].endswith(":%d" % hub.port), "its address: %r" % n)
    check(n["stopped_at"] is None, "not stopped")
    first = n["id"]

    if hub.pg:
        b = hub.peer()
        b.start()
        def both_alive():
            d = nodes(hub, token)
            live = [x for x in d if x["alive"]]
            return d if len(live) == 2 else None
        d = wait_for(both_alive, 10, "two live nodes")
        leaders = [x for x in d if x["leader"]]
        check_eq(len(leaders), 1, "exactly one leader: %r" % d)
        check_eq(leaders[0]["id"], first, "the first node keeps leading")

        hub.kill()  # the leader dies without a word
        def taken_over():
            d = nodes(b, token)
            lead = [x for x in d if x["leader"] and x["alive"]]
            dead = [x for x in d if x["id"] == first and not x["alive"]]
            return d if lead and lead[0]["id"] != first and dead else None
        wait_for(taken_over, 15, "the survivor leads and the dead node is not alive")
        b.stop()
        hub.start()
        data = nodes(hub, token)
        check(any(x["id"] != first and x["stopped_at"] is not None for x in data),
              "a clean stop is recorded: %r" % data)
    else:
        rc = hub.stop()
        check_eq(rc, 0, "clean stop")
        hub.start()
        data = nodes(hub, token)
        old = [x for x in data if x["id"] == first]
        check(old and old[0]["stopped_at"] is not None and not old[0]["alive"],
              "the stopped run is recorded: %r" % data)
        check(any(x["alive"] and x["leader"] for x in data), "the new run leads")


if __name__ == "__main__":
    main(test)
