-- +goose Up
-- The 信息类别 of a 主动公开 审批单: the row of table 二 of the annual report
-- (国办公开办函〔2021〕30号) its publication counts in, with the figure that
-- goes with it. Forms older than the question, and every 依申请公开 form,
-- are 其他: they count in no row.
ALTER TABLE forms
    ADD COLUMN category text NOT NULL DEFAULT '其他'
        CHECK (category IN ('规章', '行政规范性文件', '行政许可', '行政处罚', '行政强制', '行政事业性收费', '其他')),
    -- 规章 / 行政规范性文件: the form publishes a 废止, not a 制发.
    ADD COLUMN repealed boolean NOT NULL DEFAULT false,
    -- 行政许可 / 行政处罚 / 行政强制: the 处理决定 the form publishes.
    ADD COLUMN decisions int NOT NULL DEFAULT 0 CHECK (decisions >= 0),
    -- 行政事业性收费: the amount, in whole 元 (the table asks for 万元; whole
    -- 元 keep the sums exact).
    ADD COLUMN fee_yuan bigint NOT NULL DEFAULT 0 CHECK (fee_yuan >= 0);

-- The office's figures for table 二 that zwgk cannot know: decisions and
-- documents published outside it, the months before it was used, the
-- documents in force when the year began. One row an entry, never changed:
-- a later entry for the same cell and year replaces the earlier in the
-- table, and both stay here (and in the audit log) with who and why.
CREATE TABLE annual_active_entries (
    id         bigserial PRIMARY KEY,
    year       int NOT NULL,
    cell       text NOT NULL CHECK (cell IN ('regulation_made', 'regulation_repealed', 'regulation_in_force_start',
        'normative_made', 'normative_repealed', 'normative_in_force_start',
        'licensing_decisions', 'penalty_decisions', 'enforcement_decisions', 'fee_yuan')),
    value      bigint NOT NULL CHECK (value >= 0),
    entered_by text NOT NULL,
    entered_at timestamptz NOT NULL,
    reason     text NOT NULL CHECK (reason <> '')
);
CREATE INDEX annual_active_entries_year ON annual_active_entries (year, cell, entered_at);

-- +goose Down
DROP TABLE annual_active_entries;
ALTER TABLE forms DROP COLUMN fee_yuan, DROP COLUMN decisions, DROP COLUMN repealed, DROP COLUMN category;
