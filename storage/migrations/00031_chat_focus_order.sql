-- +goose Up
-- A 12345 order opened in the chat (「工单 工单号」) is the conversation's
-- record too: an image sent after it is about the order, which takes no
-- documents, and must be refused rather than go to an older focus.
ALTER TABLE chat_focus DROP CONSTRAINT chat_focus_kind_check;
ALTER TABLE chat_focus ADD CONSTRAINT chat_focus_kind_check CHECK (kind IN ('form', 'application', 'order'));

-- +goose Down
DELETE FROM chat_focus WHERE kind = 'order';
ALTER TABLE chat_focus DROP CONSTRAINT chat_focus_kind_check;
ALTER TABLE chat_focus ADD CONSTRAINT chat_focus_kind_check CHECK (kind IN ('form', 'application'));
