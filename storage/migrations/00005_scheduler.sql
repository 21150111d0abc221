-- +goose Up
-- Every reminder the scheduler has queued, by its key: the job, what it is
-- about (a form at a stage, a person's digest, a year's report) and the slot
-- it stands for (a day, a digest time, a week). The row is written in the
-- same transaction as the outbox rows it causes, so a reminder is queued
-- once whatever crashes, restarts or replicas do.
CREATE TABLE reminders (
    job        text NOT NULL,
    entity     text NOT NULL,
    slot       text NOT NULL,
    recipients text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job, entity, slot)
);
CREATE INDEX reminders_created_at ON reminders (created_at);

-- One row per run of a job. A slot is done (or skipped as too old) once:
-- the partial unique index is what stops a second replica or a catch-up
-- pass from running it again. Manual runs (zwgk jobs run) and failures do
-- not count; the reminder keys still keep manual runs from repeating.
CREATE TABLE job_runs (
    id          bigserial PRIMARY KEY,
    job         text NOT NULL,
    slot        timestamptz NOT NULL,
    run_at      timestamptz NOT NULL,
    trigger     text NOT NULL CHECK (trigger IN ('cron', 'startup', 'catchup', 'manual')),
    status      text NOT NULL CHECK (status IN ('done', 'skipped', 'failed')),
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    queued      int NOT NULL DEFAULT 0,
    detail      text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX job_runs_slot ON job_runs (job, slot)
    WHERE status IN ('done', 'skipped') AND trigger <> 'manual';
CREATE INDEX job_runs_started ON job_runs (started_at);

-- 政府信息公开工作年度报告 (条例 Art. 49: due 31 January for the year
-- before), marked done by the office with 「年度报告 已完成」.
CREATE TABLE annual_reports (
    year    int PRIMARY KEY,
    done_by text NOT NULL,
    done_at timestamptz NOT NULL
);

-- 政务公开专题工作会议 of the leadership group, at least one a year,
-- recorded with 「会议 登记 日期 主题」.
CREATE TABLE work_meetings (
    id          bigserial PRIMARY KEY,
    held_on     date NOT NULL,
    topic       text NOT NULL,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX work_meetings_held_on ON work_meetings (held_on);

-- +goose Down
DROP TABLE work_meetings;
DROP TABLE annual_reports;
DROP TABLE job_runs;
DROP TABLE reminders;
