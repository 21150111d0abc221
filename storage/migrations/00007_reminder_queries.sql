-- +goose Up
-- The reminder jobs read the orders not yet closed (answered ones too:
-- they still owe the reply to 12345) by due time.
CREATE INDEX complaints_unclosed_due ON complaints (due_at) WHERE state <> 'closed';

-- +goose Down
DROP INDEX complaints_unclosed_due;
