-- +goose Up
-- Every accepted callback, recorded before it is acted on. The key is
-- MsgId for messages and who+when+what for events (bot.Message.DedupKey).
CREATE TABLE inbox (
    dedup_key   text PRIMARY KEY,
    from_user   text NOT NULL,
    msg_type    text NOT NULL,
    event       text NOT NULL DEFAULT '',
    payload     text NOT NULL,
    status      text NOT NULL DEFAULT 'done' CHECK (status IN ('done', 'failed')),
    error       text NOT NULL DEFAULT '',
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbox_received_at ON inbox (received_at);

-- Outbound calls, written in the transaction of the change that causes
-- them and delivered by the outbox worker.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('message', 'card_update', 'menu')),
    recipient       text NOT NULL DEFAULT '',
    payload         jsonb NOT NULL,
    idem_key        text UNIQUE,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz,
    last_error      text NOT NULL DEFAULT '',
    result          jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';

-- Append-only record of every state change: who, what, when.
CREATE TABLE audit_log (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text NOT NULL,
    action    text NOT NULL,
    entity    text NOT NULL,
    entity_id text NOT NULL,
    detail    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- The once-a-day greeting on entering the app.
CREATE TABLE greeting (
    userid text NOT NULL,
    day    date NOT NULL,
    PRIMARY KEY (userid, day)
);

-- +goose Down
DROP TABLE greeting;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE outbox;
DROP TABLE inbox;
