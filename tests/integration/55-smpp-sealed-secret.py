"""55-smpp-sealed-secret: a credential made through the admin API, with the SMPP password only
among its sealed secrets, binds and delivers — the engine opens the secrets with the master key
and hands the driver default_config ⊕ settings ⊕ secrets. Changing the secret through the API
reopens the driver with it (a wrong password then fails to bind, messages wait); restoring it
delivers them. The password never appears in the daemon log."""

from harness import Hub, main, check, check_eq, wait_for
from smsc import Smsc, HOST

PASSWORD = "s3aledpw"  # SMPP 3.4: at most 8 characters


def test(hub):
    hub.bootstrap()
    smsc = Smsc(hub, ["--dlr-delay-ms", "20", "--system-id", "hubtest",
                      "--password", PASSWORD]).start()
    hub.start(["--retry-backoff", "1s,1s,1s"])
    admin = hub.admin_token
    nohdr = {"Idempotency-Key": None}

    r = hub.request("POST", "/v1/admin/providers",
                    {"id": "carrier", "name": "Carrier", "driver": "smpp",
                     "default_config": {"enquire_link_ms": 5000, "reconnect_min_ms": 100,
                                        "reconnect_max_ms": 500, "queue_timeout_ms": 2000}},
                    key=admin, headers=nohdr)
    check_eq(r.status, 201, "catalog entry %r" % (r,))
    r = hub.request("POST", "/v1/admin/projects/%s/providers" % hub.project_id,
                    {"provider_id": "carrier", "name": "carrier",
                     "settings": {"host": HOST, "port": smsc.port, "system_id": "hubtest"},
                     "secrets": {"password": PASSWORD}, "is_default": True},
                    key=admin, headers=nohdr)
    check_eq(r.status, 201, "credential %r" % (r.json,))
    cred = r.json["id"]
    check_eq(r.json.get("secret_fields"), ["password"], "secret fields shown, not values")
    hub.write_db([("UPDATE provider_credentials SET active = 0 WHERE project_id = ? AND id <> ?",
                   (hub.project_id, cred))])

    ids = [hub.send(text="sealed %d" % i, provider="carrier").json["id"] for i in range(5)]
    for i in ids:
        hub.wait_status(i, {"delivered"}, timeout=20)
    check_eq(len(smsc.events("submit")), 5, "submitted once each")

    # a wrong secret: the driver is reopened with it and cannot bind; a message sent then waits
    # in that instance until its queue timeout (2 s here), is retried, and once the secret is
    # restored goes through the reopened driver
    r = hub.request("PATCH", "/v1/admin/projects/%s/providers/%s" % (hub.project_id, cred),
                    {"secrets": {"password": "wrongpw1"}}, key=admin, headers=nohdr)
    check_eq(r.status, 200, "patch secrets %r" % (r,))
    wait_for(lambda: "ESME_RINVPASWD" in open(hub.stderr_path, errors="replace").read(), 15,
             "the bind refused with the new secret")
    late = hub.send(text="waits", provider="carrier").json["id"]
    r = hub.request("PATCH", "/v1/admin/projects/%s/providers/%s" % (hub.project_id, cred),
                    {"secrets": {"password": PASSWORD}}, key=admin, headers=nohdr)
    check_eq(r.status, 200, "restore the secret")
    hub.wait_status(late, {"delivered"}, timeout=30)

    log = open(hub.stderr_path, errors="replace").read()
    check(PASSWORD not in log and "wrongpw1" not in log, "no secret in the log")
    check_eq(hub.stop(), 0, "clean stop")


if __name__ == "__main__":
    main(test)
