"""engine_fixtures.py — seeding for the provider-engine tests (40–49): extra simulator
providers in the catalog, credentials of a project with settings, route rules and project
dispatch policy, written straight into the database (the REST API for them is separate)."""
import json
import secrets

from harness import now_ms, wait_for


def add_provider(hub, slug, enabled=1, priority=100):
    t = now_ms()
    hub.write_db([("INSERT INTO providers(id, name, driver, capabilities, enabled, priority, "
                   "created_at, updated_at) VALUES (?, ?, 'simulator', '[\"sms\"]', ?, ?, ?, ?)",
                   (slug, slug, enabled, priority, t, t))])


def add_credential(hub, provider, settings=None, is_default=0, priority=100, project_id=None,
                   active=1):
    """Returns the new credential id."""
    t = now_ms()
    cid = "cred_it" + secrets.token_hex(10)
    hub.write_db([("INSERT INTO provider_credentials(id, project_id, provider_id, name, settings, "
                   "is_default, active, priority, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (cid, project_id or hub.project_id, provider, provider,
                    json.dumps(settings or {}), is_default, active, priority, t, t))])
    return cid


def set_credential_settings(hub, cid, settings):
    """Changes a credential's settings while the hub runs (the engine re-reads them within a
    second and reopens the driver)."""
    hub.write_db([("UPDATE provider_credentials SET settings = ?, updated_at = ? WHERE id = ?",
                   (json.dumps(settings), now_ms(), cid))])


def only_credentials(hub, a_settings=None, b_settings=None, project_id=None):
    """Switches the bootstrap credential off and gives the project sim-a (default) and sim-b
    (next by priority). Returns (cred_a, cred_b)."""
    add_provider(hub, "sim-a")
    add_provider(hub, "sim-b")
    hub.write_db([("UPDATE provider_credentials SET active = 0, is_default = 0 WHERE id = ?",
                   (hub.credential_id,))])
    a = add_credential(hub, "sim-a", a_settings, is_default=1, priority=10,
                       project_id=project_id)
    b = add_credential(hub, "sim-b", b_settings, priority=20, project_id=project_id)
    return a, b


def set_policy(hub, failover=1, retry_schedule=None, max_retries=None, project_id=None):
    hub.write_db([("UPDATE projects SET failover = ?, retry_schedule = ?, max_retries = ? "
                   "WHERE id = ?", (failover, retry_schedule, max_retries,
                                    project_id or hub.project_id))])


def health_states(hub, cred):
    """The to_state of every health event of a credential, oldest first."""
    return [r[0] for r in hub.query("SELECT to_state FROM provider_health_events "
                                    "WHERE credential_id = ? ORDER BY at, id", (cred,))]


def wait_health(hub, cred, state, timeout=15):
    return wait_for(lambda: (health_states(hub, cred) or [None])[-1] == state, timeout,
                    "credential %s to become %s" % (cred, state))


def submits_by_message(hub):
    """{message id: [(credential, outcome, time ms), …]} from the simulator's submit log."""
    out = {}
    for mid, _, cred, outcome, t in hub.sim_submits():
        out.setdefault(mid, []).append((cred, outcome, t))
    return out
