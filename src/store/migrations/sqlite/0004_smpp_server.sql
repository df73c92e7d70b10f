-- 0004_smpp_server: messages accepted over the SMPP server (api/smpp_server.c) that owe the
-- client system a delivery receipt. The row is written before the message itself, so a
-- message acknowledged with submit_sm_resp always has one; sent_at is set when the client
-- answered the receipt deliver_sm with deliver_sm_resp. A row whose message never
-- committed matches nothing; serve's maintenance purges it after a day, and sent rows after
-- 7 days.
CREATE TABLE smpp_receipts (
    message_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    source_addr TEXT NOT NULL DEFAULT '',
    dest_addr TEXT NOT NULL DEFAULT '',
    failure_only INTEGER NOT NULL DEFAULT 0, -- registered_delivery 0x02: no receipt when delivered
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX smpp_receipts_pending ON smpp_receipts(account_id, created_at) WHERE sent_at IS NULL;
