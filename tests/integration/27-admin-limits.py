"""27-admin-limits: the administrators' limit endpoints with a user access token (OAuth2
password grant of the bootstrap admin): GET/PATCH /v1/admin/projects/{id}/limits and
/v1/admin/limits change what the guards enforce (429 with the new numbers), validate their
input, answer 404 for an unknown project, are audited, and refuse API keys (403)."""
import time
import urllib.parse

from harness import check, check_eq, main
from sec import create_project, stop_clean, wait_until


def token(hub):
    form = urllib.parse.urlencode({"grant_type": "password", "username": hub.boot["admin_email"],
                                   "password": hub.boot["admin_password"]})
    r = hub.request("POST", "/oauth/token", form, key=None,
                    headers={"Content-Type": "application/x-www-form-urlencoded",
                             "Idempotency-Key": None})
    check_eq(r.status, 200, "password grant (%r)" % r)
    return r.json["access_token"]


def test(hub):
    hub.start()
    pid = hub.project_id
    tok = token(hub)
    url = "/v1/admin/projects/%s/limits" % pid

    r = hub.request("GET", url, key=tok)
    check_eq(r.status, 200, "GET limits (%r)" % r)
    check_eq(r.json, {"rate_limit_rps": None, "quota_daily": None, "quota_monthly": None},
             "no limits at first")
    for key in (hub.api_key,):
        for method, path in (("GET", url), ("PATCH", url), ("GET", "/v1/admin/limits"),
                             ("PATCH", "/v1/admin/limits")):
            r = hub.request(method, path, {} if method == "PATCH" else None, key=key)
            check_eq(r.status, 403, "%s %s with an API key" % (method, path))
    check_eq(hub.request("GET", "/v1/admin/projects/prj_nope/limits", key=tok).status, 404,
             "unknown project")
    for body, field in (({"rate_limit_rps": 0}, "rate_limit_rps"),
                        ({"quota_daily": "5"}, "quota_daily"),
                        ({"quota_monthly": -1}, "quota_monthly")):
        r = hub.request("PATCH", url, body, key=tok)
        check_eq(r.status, 422, "bad limits %r" % body)
        check_eq(r.json["errors"][0]["field"], field, "field")

    # project rate limit → enforced with its headers
    r = hub.request("PATCH", url, {"rate_limit_rps": 2}, key=tok)
    check_eq(r.status, 200, "set the project limit")
    check_eq(r.json["rate_limit_rps"], 2, "answer")
    c = hub.client()
    rs = [c.request("GET", "/v1/messages?limit=1") for _ in range(6)]
    check(any(x.status == 429 for x in rs), "the project limit applies: %r" % rs)
    check_eq(rs[0].headers.get("ratelimit-limit"), "2", "RateLimit-Limit")
    c.close()
    r = hub.request("PATCH", url, {"rate_limit_rps": None, "quota_daily": 1}, key=tok)
    check_eq(r.json, {"rate_limit_rps": None, "quota_daily": 1, "quota_monthly": None}, "PATCH")
    hub.send(text="the one of today")
    r = hub.send(text="over", expect=429)
    check_eq(r.json["code"], "quota_exceeded", "daily quota from the admin API")
    hub.request("PATCH", url, {"quota_daily": None}, key=tok)
    wait_until(lambda: hub.send(text="again", expect=None).status == 202, 3, "quota removed")

    # global limit
    r = hub.request("GET", "/v1/admin/limits", key=tok)
    check_eq(r.json, {"rate_limit_rps": None, "source": "daemon default"}, "global at first")
    r = hub.request("PATCH", "/v1/admin/limits", {"rate_limit_rps": 3}, key=tok)
    check_eq(r.status, 200, "set global")
    b = create_project(hub, "Project B")
    time.sleep(1.1)
    rs = [hub.request("GET", "/v1/messages?limit=1", key=b["api_key"]) for _ in range(8)]
    check(any(x.status == 429 for x in rs), "the global limit applies to every project")
    time.sleep(1.1)  # the global bucket holds administrators' requests too
    check_eq(hub.request("PATCH", "/v1/admin/limits", {}, key=tok).status, 422, "empty PATCH")
    r = hub.request("PATCH", "/v1/admin/limits", {"rate_limit_rps": None}, key=tok)
    check_eq(r.json["source"], "daemon default", "global removed")

    acts = [a for (a,) in hub.query("SELECT action FROM audit_log WHERE action LIKE '%limits%'")]
    check(acts.count("project.limits.update") >= 3 and "settings.limits.update" in acts,
          "limits audited: %r" % acts)
    stop_clean(hub)


if __name__ == "__main__":
    main(test)
