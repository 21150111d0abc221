-- +goose Up
-- Years of the working-day calendar that the office adds from a State
-- Council notice (「日历 添加」 or zwgk calendar add): proposed when pasted,
-- then confirmed or cancelled on the card. The confirmed row of a year is
-- in force on every replica (they poll calendar_years); a later
-- confirmation of the same year replaces it. The pasted text is kept as
-- the record of what was confirmed.
CREATE TABLE calendar_years (
    id           bigserial PRIMARY KEY,
    year         int NOT NULL CHECK (year BETWEEN 2008 AND 2100),
    off_days     date[] NOT NULL,
    work_days    date[] NOT NULL,
    notice       text NOT NULL,
    status       text NOT NULL CHECK (status IN ('proposed', 'confirmed', 'cancelled', 'replaced')),
    task_id      text UNIQUE,
    proposed_by  text NOT NULL,
    proposed_at  timestamptz NOT NULL,
    decided_by   text,
    decided_at   timestamptz
);
CREATE UNIQUE INDEX calendar_years_in_force ON calendar_years (year) WHERE status = 'confirmed';

-- +goose Down
DROP TABLE calendar_years;
