-- +goose Up
-- Reliable delivery: 公众号 calls join the outbox, and a row remembers
-- what the worker needs to send it exactly once and to report it.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN (
    'message', 'card_update', 'menu',
    'mp_template', 'mp_custom', 'mp_mass', 'mp_tag', 'mp_untag'));

-- content_hash identifies the request body per recipient. dup_check is
-- decided once, at enqueue, so that every attempt of a row sends the same
-- JSON: WeCom's enable_duplicate_check compares whole requests, and a row
-- repeating a text sent to the same person shortly before goes without it
-- (else WeCom would swallow the legitimate repeat).
ALTER TABLE outbox ADD COLUMN content_hash text NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN dup_check boolean NOT NULL DEFAULT false;
-- The API's errcode of the last failure (0: none or not an API error) and
-- when the row was given up, for the office's daily summary.
ALTER TABLE outbox ADD COLUMN error_code int NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN failed_at timestamptz;

CREATE INDEX outbox_content ON outbox (recipient, content_hash) WHERE content_hash <> '';
-- Per-recipient pacing counts what each recipient was sent lately.
CREATE INDEX outbox_recipient_sent ON outbox (recipient, sent_at) WHERE status = 'sent';
CREATE INDEX outbox_failed ON outbox (failed_at) WHERE status = 'failed';
CREATE INDEX outbox_recent ON outbox (created_at);

-- Followers of the 公众号 as its callbacks tell us. following: follows the
-- account (subscribe/unsubscribe events); subscribed: asked for disclosure
-- notices (订阅 / 退订). tagged: added to the mass-send tag.
CREATE TABLE mp_followers (
    openid          text PRIMARY KEY,
    following       boolean NOT NULL DEFAULT true,
    subscribed      boolean NOT NULL DEFAULT false,
    tagged          boolean NOT NULL DEFAULT false,
    first_seen_at   timestamptz NOT NULL,
    subscribed_at   timestamptz,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX mp_followers_subscribed ON mp_followers (openid) WHERE subscribed AND following;

-- Every follow, unfollow, 订阅 and 退订, append-only.
CREATE TABLE mp_follower_events (
    id     bigserial PRIMARY KEY,
    openid text NOT NULL,
    event  text NOT NULL CHECK (event IN ('follow', 'unfollow', 'subscribe', 'unsubscribe')),
    source text NOT NULL DEFAULT '',
    at     timestamptz NOT NULL
);
CREATE INDEX mp_follower_events_openid ON mp_follower_events (openid, id);

-- Public notices queued, once each: a published form (kind 'form', ref the
-- form id) or a 12345 answer (kind 'answer', ref ticket and close time).
-- detail keeps what the notice said, for the public page behind its link.
CREATE TABLE mp_notices (
    kind       text NOT NULL,
    ref        text NOT NULL,
    mode       text NOT NULL,
    recipients int NOT NULL,
    detail     jsonb NOT NULL DEFAULT '{}',
    queued_at  timestamptz NOT NULL,
    PRIMARY KEY (kind, ref)
);

-- +goose Down
DROP TABLE mp_notices;
DROP TABLE mp_follower_events;
DROP TABLE mp_followers;
DROP INDEX outbox_recent;
DROP INDEX outbox_failed;
DROP INDEX outbox_recipient_sent;
DROP INDEX outbox_content;
ALTER TABLE outbox DROP COLUMN failed_at;
ALTER TABLE outbox DROP COLUMN error_code;
ALTER TABLE outbox DROP COLUMN dup_check;
ALTER TABLE outbox DROP COLUMN content_hash;
DELETE FROM outbox WHERE kind LIKE 'mp\_%';
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('message', 'card_update', 'menu'));
