-- +goose Up
-- A 依申请公开 审批单 may name the 政府信息公开申请 it discloses in answer
-- to. Its deadline is then that application's reply deadline: forms.deadline
-- holds a copy, written at submission and kept in step whenever the
-- application's due_on changes (storage.SyncLinkedFormDeadlines), so that
-- the reminders read one column for every form. NULL: not linked (every
-- 主动公开 form, and a 依申请公开 one whose application is not registered).
ALTER TABLE forms ADD COLUMN application_id bigint REFERENCES applications (id);
CREATE INDEX forms_application ON forms (application_id) WHERE application_id IS NOT NULL;

-- +goose Down
DROP INDEX forms_application;
ALTER TABLE forms DROP COLUMN application_id;
