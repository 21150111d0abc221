-- +goose Up
-- The claim query takes only the oldest pending row per recipient, so that
-- each person receives messages in the order they were queued.
CREATE INDEX outbox_recipient_pending ON outbox (recipient, id) WHERE status = 'pending';

-- +goose Down
DROP INDEX outbox_recipient_pending;
