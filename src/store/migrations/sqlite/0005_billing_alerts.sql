-- 0005_billing_alerts: where a project's low-balance alert goes (docs/billing.md). The
-- threshold and the time of the last alert (at most one a day) are in balances already
-- (0003); the event is a webhook_deliveries row to alert_url, the e-mail goes to alert_email.
ALTER TABLE balances ADD COLUMN alert_url TEXT;
ALTER TABLE balances ADD COLUMN alert_email TEXT;
