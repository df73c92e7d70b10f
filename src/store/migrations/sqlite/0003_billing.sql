-- 0003_billing (SQLite): tariffs, balances, the ledger, daily usage, message prices
-- (SPEC §7). Money is an integer of micro-units (1/1 000 000) beside an ISO 4217 currency.

-- tariff rows: cost rows belong to a credential or (fallback) a catalog provider; sell rows to
-- a project or (no owner) the platform. See core/price.h for which row applies.
CREATE TABLE prices (
    id TEXT PRIMARY KEY,
    kind INTEGER NOT NULL,
    credential_id TEXT,
    provider_id TEXT,
    project_id TEXT,
    country TEXT,
    prefix TEXT,
    unit_price INTEGER NOT NULL,
    currency TEXT NOT NULL,
    valid_from INTEGER,
    valid_to INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX prices_kind ON prices(kind, deleted_at);

-- a project's sell price when it has no sell row: cost plus this markup (basis points)
ALTER TABLE projects ADD COLUMN markup_bp INTEGER;

-- prepaid balances and their ledger: every change of amount is one ledger row
CREATE TABLE balances (
    project_id TEXT PRIMARY KEY,
    currency TEXT NOT NULL,
    amount INTEGER NOT NULL DEFAULT 0,
    prepaid INTEGER NOT NULL DEFAULT 0,
    low_threshold INTEGER,
    low_alert_at INTEGER,
    updated_at INTEGER NOT NULL
);

CREATE TABLE ledger (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    amount INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    currency TEXT NOT NULL,
    reason TEXT,
    reference TEXT,
    actor TEXT,
    message_id TEXT
);
CREATE INDEX ledger_project ON ledger(project_id, id);
CREATE UNIQUE INDEX ledger_reference ON ledger(project_id, kind, reference)
    WHERE reference IS NOT NULL;

-- payment provider events already applied (idempotency by event id)
CREATE TABLE payment_events (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    received_at INTEGER NOT NULL
);

-- daily rollups, updated incrementally and rebuildable from messages
CREATE TABLE usage_daily (
    project_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    country TEXT NOT NULL,
    day TEXT NOT NULL,
    currency TEXT NOT NULL,
    messages INTEGER NOT NULL DEFAULT 0,
    parts INTEGER NOT NULL DEFAULT 0,
    delivered INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    price INTEGER NOT NULL DEFAULT 0,
    cost INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, day, provider_id, country, currency)
) WITHOUT ROWID;

-- what each message was priced at when sent (NULL: no tariff applied)
ALTER TABLE messages ADD COLUMN price_unit INTEGER;
ALTER TABLE messages ADD COLUMN price_total INTEGER;
ALTER TABLE messages ADD COLUMN cost_total INTEGER;
ALTER TABLE messages ADD COLUMN currency TEXT;
