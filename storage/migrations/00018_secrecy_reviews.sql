-- +goose Up
-- The 保密审查 (条例 Art. 17) a reviewer made before information is
-- released: what was checked, what was found, and the legal basis of
-- anything withheld. Keyed by what was reviewed (entity and id, as in
-- audit_log), the round (a form's version, a reply's draft) and the stage,
-- so that the 审批单 and the 依申请公开 reply share it: one review per
-- round and stage, the decision's transaction writes it.
CREATE TABLE secrecy_reviews (
    id                bigserial PRIMARY KEY,
    entity            text NOT NULL,
    entity_id         text NOT NULL,
    round             int NOT NULL,
    stage             text NOT NULL,
    reviewer          text NOT NULL,
    state_secret      boolean NOT NULL,
    commercial_secret boolean NOT NULL,
    privacy           boolean NOT NULL,
    conclusion        text NOT NULL CHECK (conclusion IN ('clear', 'partial', 'withheld', 'problem')),
    basis             text NOT NULL DEFAULT '',
    note              text NOT NULL DEFAULT '',
    reviewed_at       timestamptz NOT NULL,
    UNIQUE (entity, entity_id, round, stage),
    -- The rules of workflow.SecrecyReview.Validate that make a record
    -- trustworthy, held by the database too: nothing is released without
    -- the three checks, nothing withheld without its basis.
    CHECK (conclusion = 'problem' OR (state_secret AND commercial_secret AND privacy)),
    CHECK (conclusion NOT IN ('partial', 'withheld') OR btrim(basis) <> ''),
    CHECK (conclusion <> 'problem' OR btrim(note) <> '')
);

-- A 保密审查 card is opened by a click on the office card (同意): that
-- click's response_code is kept with it, to close the office card for the
-- reviewer when the review decides, as a decided card is closed (a code
-- works once, so it is used for nothing else).
ALTER TABLE form_cards ADD COLUMN opener_task text NOT NULL DEFAULT '';
ALTER TABLE form_cards ADD COLUMN opener_code text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE form_cards DROP COLUMN opener_code;
ALTER TABLE form_cards DROP COLUMN opener_task;
DROP TABLE secrecy_reviews;
