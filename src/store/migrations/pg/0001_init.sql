-- 0001_init (PostgreSQL): the foundation schema, the same tables as the SQLite backend.
-- Status codes (owned by core/message_state.h): 0 queued, 1 submitted, 2 sent, 3 delivered,
-- 4 undelivered, 5 failed, 6 rejected, 7 expired, 8 canceled.
-- Times are UTC milliseconds since the epoch (BIGINT). Flags are SMALLINT 0/1, as in SQLite,
-- so the same statements and tools work on both backends.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin SMALLINT NOT NULL DEFAULT 0,
    active SMALLINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);

CREATE TABLE memberships (
    project_id TEXT NOT NULL REFERENCES projects(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL DEFAULT '',
    prefix TEXT NOT NULL,
    key_hash BYTEA NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    last_used_at BIGINT
);

CREATE TABLE providers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    driver TEXT NOT NULL,
    capabilities TEXT NOT NULL DEFAULT '[]',
    default_config TEXT NOT NULL DEFAULT '{}',
    enabled SMALLINT NOT NULL DEFAULT 1,
    priority INTEGER NOT NULL DEFAULT 100,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);

CREATE TABLE provider_credentials (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    provider_id TEXT NOT NULL REFERENCES providers(id),
    name TEXT NOT NULL DEFAULT '',
    settings TEXT NOT NULL DEFAULT '{}',
    secret BYTEA,
    secret_key_id TEXT,
    is_default SMALLINT NOT NULL DEFAULT 0,
    active SMALLINT NOT NULL DEFAULT 1,
    priority INTEGER NOT NULL DEFAULT 100,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE UNIQUE INDEX provider_credentials_default ON provider_credentials(project_id)
    WHERE is_default = 1 AND deleted_at IS NULL;

-- The hot table. due_at is set while the message needs the engine and NULL once final; a
-- claim is a due_at moved into the future (FOR UPDATE SKIP LOCKED keeps two nodes apart).
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    direction SMALLINT NOT NULL DEFAULT 0,
    status SMALLINT NOT NULL,
    priority SMALLINT NOT NULL,
    msg_type SMALLINT NOT NULL,
    to_number TEXT NOT NULL,
    country TEXT,
    from_addr TEXT,
    body TEXT NOT NULL,
    encoding SMALLINT NOT NULL,
    segments INTEGER NOT NULL,
    callback_url TEXT,
    metadata TEXT,
    requested_provider TEXT,
    credential_id TEXT,
    provider_message_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    in_doubt SMALLINT NOT NULL DEFAULT 0,
    event_seq BIGINT NOT NULL DEFAULT 0,
    error_code TEXT,
    error_text TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    scheduled_at BIGINT,
    expires_at BIGINT,
    due_at BIGINT
);
CREATE INDEX messages_project ON messages(project_id, id);
CREATE INDEX messages_due ON messages(priority, due_at) WHERE due_at IS NOT NULL;
CREATE INDEX messages_pmid ON messages(provider_message_id)
    WHERE provider_message_id IS NOT NULL;

CREATE TABLE message_events (
    message_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    status SMALLINT NOT NULL,
    provider TEXT,
    detail TEXT,
    PRIMARY KEY (message_id, seq)
);

CREATE TABLE idempotency (
    project_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash BYTEA NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, key)
);
CREATE INDEX idempotency_created ON idempotency(created_at);
