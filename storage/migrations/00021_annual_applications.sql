-- +goose Up
-- The annual report's tables 三 and 四 (国办公开办函〔2021〕30号) come from
-- the register (storage/annual.go). Two things it cannot know are kept
-- here.

-- The office's own figure for a cell, for a year zwgk only saw part of:
-- table 三's 二、上年结转 per applicant column (row carried_in, column the
-- applicant type), and table 四's result cells (row the group, column the
-- result). The figure replaces the register's for that cell; a row's 总计
-- moves with it. Who entered it and why is on the row and in the audit log
-- (entity annual_report, the year), with the figure it replaced.
CREATE TABLE annual_application_figures (
    year       int NOT NULL,
    tbl        text NOT NULL CHECK (tbl IN ('t3', 't4')),
    row_key    text NOT NULL,
    col_key    text NOT NULL,
    value      int NOT NULL CHECK (value >= 0),
    entered_by text NOT NULL,
    reason     text NOT NULL CHECK (reason <> ''),
    entered_at timestamptz NOT NULL,
    PRIMARY KEY (year, tbl, row_key, col_key),
    CHECK (tbl = 't3' AND row_key = 'carried_in' AND col_key IN ('自然人', '商业企业', '科研机构', '社会公益组织', '法律服务机构', '其他')
        OR tbl = 't4' AND row_key IN ('review', 'suit_direct', 'suit_after_review') AND col_key IN ('upheld', 'corrected', 'other', 'pending'))
);

-- A 行政复议 or 行政诉讼 about an application (table 四), as the office
-- learns of it: filed_on decides the report year, decided_on (with the
-- result) whether it was 审结 by the year's end.
CREATE TABLE application_remedies (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications (id),
    kind           text NOT NULL CHECK (kind IN ('review', 'suit_direct', 'suit_after_review')),
    filed_on       date NOT NULL,
    result         text NOT NULL DEFAULT 'pending' CHECK (result IN ('upheld', 'corrected', 'other', 'pending')),
    decided_on     date,
    note           text NOT NULL DEFAULT '',
    recorded_by    text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((result = 'pending') = (decided_on IS NULL)),
    CHECK (decided_on IS NULL OR decided_on >= filed_on)
);
CREATE INDEX application_remedies_filed ON application_remedies (filed_on);
CREATE INDEX application_remedies_app ON application_remedies (application_id);
CREATE INDEX applications_delivered ON applications (delivered_on) WHERE delivered_on IS NOT NULL;

-- +goose Down
DROP INDEX applications_delivered;
DROP TABLE application_remedies;
DROP TABLE annual_application_figures;
