-- +goose Up
-- Each 提交 wizard draft has an id; submitting it records the form it
-- became. Submitting the same draft again (its conversation survived a
-- crash between the commit and the session write, or a repeated click)
-- finds the row and yields the same form instead of a second one.
CREATE TABLE draft_submissions (
    draft_id     text PRIMARY KEY,
    form_id      bigint NOT NULL REFERENCES forms (id),
    version      int NOT NULL,
    submitted_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE draft_submissions;
