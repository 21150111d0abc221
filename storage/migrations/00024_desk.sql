-- +goose Up
-- The 办公桌's lists: every open form by its deadline (the office's
-- default view), and forms by the day they were formed (its date filter).
-- Orders and applications have theirs already: orders_unclosed_due and
-- orders_received, applications_open_due and applications_received.
CREATE INDEX forms_open_deadline ON forms (deadline, id) WHERE state IN ('review', 'publishing');
CREATE INDEX forms_formed_on ON forms (formed_on, id);
CREATE INDEX forms_section_open ON forms (section, deadline) WHERE state IN ('review', 'publishing');
CREATE INDEX orders_section_unclosed ON orders (section, due_at) WHERE state <> 'closed';
CREATE INDEX applications_section_open ON applications (section, due_on) WHERE state <> 'closed';

-- +goose Down
DROP INDEX applications_section_open;
DROP INDEX orders_section_unclosed;
DROP INDEX forms_section_open;
DROP INDEX forms_formed_on;
DROP INDEX forms_open_deadline;
