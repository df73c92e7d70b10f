-- 0001_init: the foundation schema.
-- Status codes (owned by core/message_state.h): 0 queued, 1 submitted, 2 sent, 3 delivered,
-- 4 undelivered, 5 failed, 6 rejected, 7 expired, 8 canceled.
-- Times are UTC milliseconds since the epoch.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
);

CREATE TABLE memberships (
    project_id TEXT NOT NULL REFERENCES projects(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, user_id)
) WITHOUT ROWID;

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL DEFAULT '',
    prefix TEXT NOT NULL,
    key_hash BLOB NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    last_used_at INTEGER
);

CREATE TABLE providers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    driver TEXT NOT NULL,
    capabilities TEXT NOT NULL DEFAULT '[]',
    default_config TEXT NOT NULL DEFAULT '{}',
    enabled INTEGER NOT NULL DEFAULT 1,
    priority INTEGER NOT NULL DEFAULT 100,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
);

CREATE TABLE provider_credentials (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    provider_id TEXT NOT NULL REFERENCES providers(id),
    name TEXT NOT NULL DEFAULT '',
    settings TEXT NOT NULL DEFAULT '{}',
    secret BLOB,
    secret_key_id TEXT,
    is_default INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    priority INTEGER NOT NULL DEFAULT 100,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE UNIQUE INDEX provider_credentials_default ON provider_credentials(project_id)
    WHERE is_default = 1 AND deleted_at IS NULL;

-- The hot table: kept lean. due_at is set while the message needs the engine (dispatch,
-- retry, status poll) and NULL once final; a claim is a due_at moved into the future.
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    direction INTEGER NOT NULL DEFAULT 0,
    status INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    msg_type INTEGER NOT NULL,
    to_number TEXT NOT NULL,
    country TEXT,
    from_addr TEXT,
    body TEXT NOT NULL,
    encoding INTEGER NOT NULL,
    segments INTEGER NOT NULL,
    callback_url TEXT,
    metadata TEXT,
    requested_provider TEXT,
    credential_id TEXT,
    provider_message_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    in_doubt INTEGER NOT NULL DEFAULT 0,
    event_seq INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_text TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    scheduled_at INTEGER,
    expires_at INTEGER,
    due_at INTEGER
) WITHOUT ROWID;
CREATE INDEX messages_project ON messages(project_id, id);
CREATE INDEX messages_due ON messages(priority, due_at) WHERE due_at IS NOT NULL;
CREATE INDEX messages_pmid ON messages(provider_message_id)
    WHERE provider_message_id IS NOT NULL;

CREATE TABLE message_events (
    message_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    status INTEGER NOT NULL,
    provider TEXT,
    detail TEXT,
    PRIMARY KEY (message_id, seq)
) WITHOUT ROWID;

-- Idempotency records live for the retention window (24 h by default), then are purged.
CREATE TABLE idempotency (
    project_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_created ON idempotency(created_at);
