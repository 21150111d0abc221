-- +goose Up
-- WeChat limits 群发: a 服务号's follower receives at most 4 a calendar
-- month, a 订阅号 sends one a day. A disclosure notice the quota leaves no
-- room for is not sent but recorded here as refused, with the reason the
-- office digest gives (in Chinese, as shown).
ALTER TABLE mp_notices ADD COLUMN status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'refused'));
ALTER TABLE mp_notices ADD COLUMN reason text NOT NULL DEFAULT '';
-- The quota counts a period's 群发; the digest lists recent refusals.
CREATE INDEX mp_notices_mass ON mp_notices (queued_at) WHERE mode = 'mass';

-- +goose Down
DROP INDEX mp_notices_mass;
ALTER TABLE mp_notices DROP COLUMN reason;
ALTER TABLE mp_notices DROP COLUMN status;
