-- +goose Up
-- A card update whose response_code had lapsed (WeCom's codes are good
-- for one update within 72 hours) is neither sent nor a delivery failure:
-- the copy is closed when its holder clicks it.
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'sent', 'failed', 'lapsed'));

-- +goose Down
UPDATE outbox SET status = 'failed' WHERE status = 'lapsed';
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'sent', 'failed'));
