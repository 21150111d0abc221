-- +goose Up
-- The 依申请公开 register: one row per 政府信息公开申请, numbered per year of
-- receipt (依申请〔2026〕5号). The clock's events are columns (补正,
-- 延期) or rows of application_consultations (征求意见, which may overlap);
-- due_on is the reply deadline the workflow computed from them at the last
-- change, kept for the reminder queries.
CREATE TABLE application_serial (
    year int PRIMARY KEY,
    last int NOT NULL
);

CREATE TABLE applications (
    id                  bigserial PRIMARY KEY,
    year                int NOT NULL,
    seq                 int NOT NULL,
    external_id         text UNIQUE,          -- the website's id (API) or the paper register's (CSV)
    channel             text NOT NULL,
    received_on         date NOT NULL,        -- 条例 Art. 31
    applicant_name      text NOT NULL,
    applicant_type      text NOT NULL,
    applicant_id_no     text NOT NULL DEFAULT '', -- 身份证号 or 统一社会信用代码
    applicant_phone     text NOT NULL DEFAULT '',
    applicant_address   text NOT NULL DEFAULT '', -- postal or e-mail address for 送达
    content             text NOT NULL,        -- the information asked for
    provide_form        text NOT NULL,
    state               text NOT NULL CHECK (state IN ('registered', 'supplement', 'dispatched', 'accepted', 'review', 'approved', 'closed')),
    section             text NOT NULL DEFAULT '',
    handler             text NOT NULL DEFAULT '',
    registrar           text NOT NULL,
    due_on              date NOT NULL,
    supplement_asked_on date,
    supplement_due_on   date,
    supplement_items    text NOT NULL DEFAULT '',
    supplement_received_on date,
    extension_days      int NOT NULL DEFAULT 0 CHECK (extension_days BETWEEN 0 AND 20),
    extension_reason    text NOT NULL DEFAULT '',
    ext_request_days    int NOT NULL DEFAULT 0,  -- a pending request to the office head; 0 = none
    ext_request_reason  text NOT NULL DEFAULT '',
    ext_requested_by    text NOT NULL DEFAULT '',
    reply_text          text NOT NULL DEFAULT '', -- the drafted reply: the information or where it is published
    reply_basis         text NOT NULL DEFAULT '', -- the legal basis of anything withheld
    reply_round         int NOT NULL DEFAULT 0,   -- how often the reply went to review
    stage               text NOT NULL DEFAULT '', -- the review stage (workflow.Stage) while in review
    assignees           text[] NOT NULL DEFAULT '{}',
    escalated           boolean NOT NULL DEFAULT false,
    outcome             text NOT NULL DEFAULT '',
    reason              text NOT NULL DEFAULT '',
    delivered_on        date,
    delivery            text NOT NULL DEFAULT '',
    tracking_no         text NOT NULL DEFAULT '',
    order_id            bigint REFERENCES orders (id), -- a 12345 order turned into this application
    source              text NOT NULL DEFAULT 'chat',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (year, seq)
);
CREATE UNIQUE INDEX applications_order ON applications (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX applications_open_due ON applications (due_on) WHERE state <> 'closed';
CREATE INDEX applications_received ON applications (received_on);
CREATE INDEX applications_applicant ON applications (applicant_name, received_on);
CREATE INDEX applications_handler ON applications (handler, id);

-- 征求意见 (条例 Arts. 32, 34): the clock pauses from sending to the answer.
CREATE TABLE application_consultations (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications (id),
    kind           text NOT NULL CHECK (kind IN ('third_party', 'agency')),
    party          text NOT NULL,
    sent_on        date NOT NULL,
    answered_on    date,
    answer         text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX application_consultations_app ON application_consultations (application_id);

-- The reviews of a reply, one per stage and round, as form_decisions.
CREATE TABLE application_decisions (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications (id),
    round          int NOT NULL,
    stage          text NOT NULL,
    approver       text NOT NULL,
    verdict        text NOT NULL,
    reason         text NOT NULL DEFAULT '',
    decided_at     timestamptz NOT NULL,
    UNIQUE (application_id, round, stage)
);

-- Cards sent about an application, as order_cards: what a clicked
-- task_id refers to, and for which state, so a stale card is refused.
CREATE TABLE application_cards (
    task_id        text PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications (id),
    kind           text NOT NULL,
    state          text NOT NULL,
    holders        text[] NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX application_cards_app ON application_cards (application_id, kind);

-- +goose Down
DROP TABLE application_cards;
DROP TABLE application_decisions;
DROP TABLE application_consultations;
DROP TABLE applications;
DROP TABLE application_serial;
