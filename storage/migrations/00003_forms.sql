-- +goose Up
-- Gap-free serial numbers per year: the row is locked by the UPDATE in the
-- transaction that creates the form, so a rolled-back submission leaves no gap.
CREATE TABLE form_serial (
    year int PRIMARY KEY,
    last int NOT NULL
);

-- The 信息公开审批单. version counts submissions (a resubmission after
-- 驳回 is a new version; form_versions keeps each one).
CREATE TABLE forms (
    id           bigserial PRIMARY KEY,
    year         int NOT NULL,
    seq          int NOT NULL,
    version      int NOT NULL DEFAULT 1,
    state        text NOT NULL CHECK (state IN ('review', 'rejected', 'withdrawn', 'publishing', 'published')),
    stage        text NOT NULL DEFAULT '',
    assignees    text[] NOT NULL DEFAULT '{}',
    section      text NOT NULL,
    submitter    text NOT NULL,
    title        text NOT NULL,
    summary      text NOT NULL,
    formed_on    date NOT NULL,
    mode         text NOT NULL,
    column_name  text NOT NULL,
    platforms    text[] NOT NULL,
    major        boolean NOT NULL,
    escalated    boolean NOT NULL DEFAULT false,
    deadline     timestamptz,
    notice_due   boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (year, seq)
);
CREATE INDEX forms_submitter ON forms (submitter, id);
CREATE INDEX forms_assignees ON forms USING gin (assignees) WHERE state IN ('review', 'publishing');

CREATE TABLE form_versions (
    form_id    bigint NOT NULL REFERENCES forms (id),
    version    int NOT NULL,
    snapshot   jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (form_id, version)
);

-- The signature blocks: every decision, who, when, why.
CREATE TABLE form_decisions (
    id         bigserial PRIMARY KEY,
    form_id    bigint NOT NULL REFERENCES forms (id),
    version    int NOT NULL,
    stage      text NOT NULL,
    approver   text NOT NULL,
    verdict    text NOT NULL,
    reason     text NOT NULL DEFAULT '',
    decided_at timestamptz NOT NULL,
    UNIQUE (form_id, version, stage)
);

-- Cards sent for a form: what a clicked task_id refers to.
CREATE TABLE form_cards (
    task_id    text PRIMARY KEY,
    form_id    bigint NOT NULL REFERENCES forms (id),
    version    int NOT NULL,
    stage      text NOT NULL,
    holders    text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX form_cards_form ON form_cards (form_id, version, stage);

-- Publication on each chosen platform.
CREATE TABLE form_publications (
    form_id      bigint NOT NULL REFERENCES forms (id),
    platform     text NOT NULL,
    published_by text NOT NULL,
    published_at timestamptz NOT NULL,
    reference    text NOT NULL DEFAULT '',
    PRIMARY KEY (form_id, platform)
);

-- +goose Down
DROP TABLE form_publications;
DROP TABLE form_cards;
DROP TABLE form_decisions;
DROP TABLE form_versions;
DROP TABLE forms;
DROP TABLE form_serial;
