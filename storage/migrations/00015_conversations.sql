-- +goose Up
-- Each person's conversation in progress as the last committed turn left
-- it. Redis holds the working copy (fast, expiring); this row decides when
-- the two differ: a crash between a turn's commit and its Redis write, or
-- a Redis flush, must not lose or rewind a conversation. seq counts the
-- turns that changed it; the Redis copy carries the seq it was saved at.
CREATE TABLE conversations (
    user_id  text PRIMARY KEY,
    seq      bigint NOT NULL DEFAULT 0,
    kind     text NOT NULL DEFAULT '',  -- '' = none in progress
    state    jsonb,
    saved_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE conversations;
