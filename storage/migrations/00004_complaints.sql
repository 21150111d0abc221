-- +goose Up
-- 12345 work orders. The registrar (首问责任人) stays on the order for good.
CREATE TABLE complaints (
    id               bigserial PRIMARY KEY,
    ticket_no        text NOT NULL UNIQUE,
    category         text NOT NULL,
    content          text NOT NULL,
    location         text NOT NULL DEFAULT '',
    caller_name      text NOT NULL DEFAULT '',
    caller_phone     text NOT NULL DEFAULT '',
    urgent           boolean NOT NULL DEFAULT false,
    received_at      timestamptz NOT NULL,
    due_at           timestamptz NOT NULL,
    accept_due_at    timestamptz,
    section          text NOT NULL,
    registrar        text NOT NULL,
    handler          text NOT NULL DEFAULT '',
    state            text NOT NULL CHECK (state IN ('dispatched', 'returned', 'accepted', 'assigned', 'answered', 'closed')),
    openid           text NOT NULL DEFAULT '',
    answer           text NOT NULL DEFAULT '',
    finding          text NOT NULL DEFAULT '',
    measures         text NOT NULL DEFAULT '',
    accepted_at      timestamptz,
    answered_at      timestamptz,
    closed_at        timestamptz,
    visit            text NOT NULL DEFAULT '',
    reopen_count     int NOT NULL DEFAULT 0,
    ext_until        timestamptz,          -- a pending 延期 request
    ext_reason       text NOT NULL DEFAULT '',
    source           text NOT NULL DEFAULT 'chat',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaints_open_due ON complaints (due_at) WHERE state NOT IN ('answered', 'closed');
CREATE INDEX complaints_received ON complaints (received_at);
CREATE INDEX complaints_registrar ON complaints (registrar, id);
CREATE INDEX complaints_handler ON complaints (handler, id);

-- Cards sent about an order: what a clicked task_id refers to and for
-- which state it was sent, so that a stale card is refused.
CREATE TABLE complaint_cards (
    task_id      text PRIMARY KEY,
    complaint_id bigint NOT NULL REFERENCES complaints (id),
    kind         text NOT NULL,
    state        text NOT NULL,
    section      text NOT NULL DEFAULT '',
    holders      text[] NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaint_cards_order ON complaint_cards (complaint_id, kind);

-- +goose Down
DROP TABLE complaint_cards;
DROP TABLE complaints;
