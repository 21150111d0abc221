-- +goose Up
-- 「年度报告 已发布」 is refused while the year's tables do not balance,
-- unless the office confirms publishing as they are: then the problems it
-- overrode and the reason are kept with the record (and in the audit log).
ALTER TABLE annual_reports
    ADD COLUMN problems text[] NOT NULL DEFAULT '{}',
    ADD COLUMN override_reason text NOT NULL DEFAULT '',
    ADD CONSTRAINT annual_reports_override CHECK (cardinality(problems) = 0 OR override_reason <> '');

-- +goose Down
ALTER TABLE annual_reports
    DROP CONSTRAINT annual_reports_override,
    DROP COLUMN override_reason,
    DROP COLUMN problems;
