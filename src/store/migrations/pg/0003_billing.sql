-- 0003_billing (PostgreSQL): tariffs, balances, the ledger, daily usage, message prices
-- (SPEC §7). Money is an integer of micro-units (1/1 000 000) beside an ISO 4217 currency.

-- tariff rows: cost rows belong to a credential or (fallback) a catalog provider; sell rows to
-- a project or (no owner) the platform. See core/price.h for which row applies.
CREATE TABLE prices (
    id TEXT PRIMARY KEY,
    kind BIGINT NOT NULL,
    credential_id TEXT,
    provider_id TEXT,
    project_id TEXT,
    country TEXT,
    prefix TEXT,
    unit_price BIGINT NOT NULL,
    currency TEXT NOT NULL,
    valid_from BIGINT,
    valid_to BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX prices_kind ON prices(kind, deleted_at);

-- a project's sell price when it has no sell row: cost plus this markup (basis points)
ALTER TABLE projects ADD COLUMN markup_bp BIGINT;

-- prepaid balances and their ledger: every change of amount is one ledger row
CREATE TABLE balances (
    project_id TEXT PRIMARY KEY,
    currency TEXT NOT NULL,
    amount BIGINT NOT NULL DEFAULT 0,
    prepaid SMALLINT NOT NULL DEFAULT 0,
    low_threshold BIGINT,
    low_alert_at BIGINT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE ledger (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    amount BIGINT NOT NULL,
    balance_after BIGINT NOT NULL,
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
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- daily rollups, updated incrementally and rebuildable from messages
CREATE TABLE usage_daily (
    project_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    country TEXT NOT NULL,
    day TEXT NOT NULL,
    currency TEXT NOT NULL,
    messages BIGINT NOT NULL DEFAULT 0,
    parts BIGINT NOT NULL DEFAULT 0,
    delivered BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    price BIGINT NOT NULL DEFAULT 0,
    cost BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, day, provider_id, country, currency)
);

-- what each message was priced at when sent (NULL: no tariff applied)
ALTER TABLE messages ADD COLUMN price_unit BIGINT;
ALTER TABLE messages ADD COLUMN price_total BIGINT;
ALTER TABLE messages ADD COLUMN cost_total BIGINT;
ALTER TABLE messages ADD COLUMN currency TEXT;
