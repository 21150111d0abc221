-- +goose Up
-- A claim is held by the worker's Postgres session, not only by its lease
-- (issue 14, items 2 and 3). Each worker holds a session advisory lock on
-- its owner number for as long as its connection lives; claimed_by names
-- it. When the owner's lock is gone while Postgres kept running, the
-- worker is dead and its rows are free at once, not after the lease. When
-- Postgres restarted since the claim, every lock was lost with it and the
-- owner may be alive, about to record what it sent: such a claim waits
-- for its lease. claim_epoch tells the two apart: the Postgres
-- incarnation the claim was made in (outbox_incarnation).
ALTER TABLE outbox ADD COLUMN claimed_by int;
ALTER TABLE outbox ADD COLUMN claim_epoch bigint;
-- claim_seq identifies one claim of a row, so that a worker that lost its
-- hold never overwrites what the next claim of the row decides.
ALTER TABLE outbox ADD COLUMN claim_seq bigint;
-- WeCom's duplicate_check_interval for a message, in seconds (0: no
-- check), decided at the row's first claim so that every attempt sends the
-- same request: long enough to absorb a repeat of this row, too short to
-- reach back to an earlier identical message, which must arrive again.
ALTER TABLE outbox ADD COLUMN dup_interval int;
CREATE SEQUENCE outbox_claim_seq;
CREATE SEQUENCE outbox_owner_seq AS integer CYCLE;
-- The current Postgres incarnation: one row per postmaster start, in an
-- unlogged table, which Postgres empties after a crash (a backend's crash
-- restarts every process without a new postmaster) and which a promoted
-- standby does not have. A new incarnation gets a new epoch.
CREATE UNLOGGED TABLE outbox_incarnation (
    pm_start timestamptz PRIMARY KEY,
    epoch    bigint NOT NULL
);

-- +goose Down
DROP TABLE outbox_incarnation;
DROP SEQUENCE outbox_owner_seq;
DROP SEQUENCE outbox_claim_seq;
ALTER TABLE outbox DROP COLUMN dup_interval;
ALTER TABLE outbox DROP COLUMN claim_seq;
ALTER TABLE outbox DROP COLUMN claim_epoch;
ALTER TABLE outbox DROP COLUMN claimed_by;
