-- 0002_control (PostgreSQL): the control plane — identity, tokens, audit, key lifecycle and
-- guards, provider credentials and routes, provider health, outbound callbacks, SMPP
-- accounts, cluster nodes. Times are UTC milliseconds; flags are 0/1.

-- identity (SPEC §2.1)
ALTER TABLE users ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
ALTER TABLE users ADD COLUMN updated_at BIGINT;

-- OAuth2 access and refresh tokens, stored hashed. A refresh token belongs to a family; reusing
-- a rotated one revokes the whole family (RFC 6819 §5.2.2.3).
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    family_id TEXT NOT NULL,
    user_id TEXT,
    project_id TEXT,
    client_id TEXT,
    scopes TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX tokens_family ON tokens(family_id);
CREATE INDEX tokens_expires ON tokens(expires_at);

-- single-use e-mail tokens (password reset, address verification), stored hashed
CREATE TABLE user_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    purpose TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX user_tokens_user ON user_tokens(user_id, purpose);

-- OAuth2 client_credentials clients of a project
CREATE TABLE project_clients (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL DEFAULT '',
    secret_hash BYTEA NOT NULL,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX project_clients_project ON project_clients(project_id);

-- audit log (SPEC §2.8): secrets are redacted before they get here
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    project_id TEXT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT,
    before_json TEXT,
    after_json TEXT,
    source_ip TEXT,
    request_id TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_project ON audit_log(project_id, at);

-- projects: settings for guards (SPEC §2.4–2.6) and dispatch policy (SPEC §3.4, §4.5)
ALTER TABLE projects ADD COLUMN updated_at BIGINT;
ALTER TABLE projects ADD COLUMN hmac_mode SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN hmac_secret BYTEA;
ALTER TABLE projects ADD COLUMN hmac_key_id TEXT;
ALTER TABLE projects ADD COLUMN ip_allowlist TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN rate_limit_rps BIGINT;
ALTER TABLE projects ADD COLUMN quota_daily BIGINT;
ALTER TABLE projects ADD COLUMN quota_monthly BIGINT;
ALTER TABLE projects ADD COLUMN failover SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE projects ADD COLUMN retry_schedule TEXT;
ALTER TABLE projects ADD COLUMN max_retries BIGINT;
ALTER TABLE projects ADD COLUMN webhook_secret BYTEA;
ALTER TABLE projects ADD COLUMN webhook_key_id TEXT;

-- API key lifecycle (SPEC §2.3)
ALTER TABLE api_keys ADD COLUMN rate_limit_rps BIGINT;
ALTER TABLE api_keys ADD COLUMN replaced_by TEXT;
ALTER TABLE api_keys ADD COLUMN created_by TEXT;

-- HMAC request-signing nonces, remembered for the timestamp window
CREATE TABLE request_nonces (
    project_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (project_id, nonce)
);
CREATE INDEX request_nonces_at ON request_nonces(at);

-- message counters for daily/monthly quotas: period is 'd:YYYY-MM-DD' or 'm:YYYY-MM'
CREATE TABLE project_counters (
    project_id TEXT NOT NULL,
    period TEXT NOT NULL,
    count BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, period)
);

-- platform settings editable through the admin API (global rate limit, …)
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- provider credentials: which secret fields are set, a fingerprint, the callback token
ALTER TABLE provider_credentials ADD COLUMN secret_fields TEXT NOT NULL DEFAULT '[]';
ALTER TABLE provider_credentials ADD COLUMN fingerprint TEXT;
ALTER TABLE provider_credentials ADD COLUMN callback_token TEXT;
CREATE UNIQUE INDEX provider_credentials_callback ON provider_credentials(callback_token)
    WHERE callback_token IS NOT NULL;

-- routing rules (SPEC §3.4): first matching rule by position wins
CREATE TABLE routes (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    position BIGINT NOT NULL DEFAULT 100,
    country TEXT,
    prefix TEXT,
    msg_type BIGINT,
    credential_id TEXT NOT NULL,
    active SMALLINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX routes_project ON routes(project_id, position);

-- provider health changes (SPEC §3.5): one row per state change of a credential
CREATE TABLE provider_health_events (
    id TEXT PRIMARY KEY,
    credential_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX provider_health_events_provider ON provider_health_events(provider_id, at);

-- outbound status callbacks (callback_url): one delivery per status change, retried
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    message_id TEXT,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    state SMALLINT NOT NULL DEFAULT 0,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_status BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    due_at BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(due_at) WHERE due_at IS NOT NULL;
CREATE INDEX webhook_deliveries_message ON webhook_deliveries(message_id);

CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    at BIGINT NOT NULL,
    http_status BIGINT,
    error TEXT,
    duration_ms BIGINT,
    PRIMARY KEY (delivery_id, n)
);

-- SMPP accounts of client systems (SPEC §11.1)
CREATE TABLE smpp_accounts (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    system_id TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    allowed_ips TEXT NOT NULL DEFAULT '',
    max_binds BIGINT NOT NULL DEFAULT 4,
    tps BIGINT,
    active SMALLINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE UNIQUE INDEX smpp_accounts_system_id ON smpp_accounts(system_id) WHERE deleted_at IS NULL;

-- cluster nodes (SPEC §10.1): heartbeats
CREATE TABLE nodes (
    id TEXT PRIMARY KEY,
    address TEXT,
    started_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    stopped_at BIGINT
);
