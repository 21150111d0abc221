-- +goose Up
-- The text sections of the 政府信息公开工作年度报告 the office writes
-- itself (国办公开办函〔2021〕30号: 一、总体情况, 五、存在的主要问题及改进情况,
-- 六、其他需要报告的事项); without a text zwgk prints its own draft. Every
-- version is kept, with who and when: the latest row of a year and section
-- counts, and a row without a body puts the section back to the draft.
-- The audit log has each change too (entity annual_report, the year).
CREATE TABLE annual_report_texts (
    id         bigserial PRIMARY KEY,
    year       int NOT NULL CHECK (year BETWEEN 2008 AND 9998),
    section    text NOT NULL CHECK (section IN ('一', '五', '六')),
    body       text CHECK (body IS NULL OR btrim(body) <> ''),
    entered_by text NOT NULL CHECK (entered_by <> ''),
    entered_at timestamptz NOT NULL
);
CREATE INDEX annual_report_texts_year ON annual_report_texts (year, section, id);

-- +goose Down
DROP TABLE annual_report_texts;
