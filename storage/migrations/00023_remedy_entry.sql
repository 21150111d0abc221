-- +goose Up
-- The office records 行政复议 and 行政诉讼 in chat and through the API
-- (applications/remedy.go, applications/remedyapi.go), not only with
-- zwgk annual remedy.

-- client_key is the caller's own key of an API post: a retried post finds
-- the row it stored instead of recording the case twice. It is unique per
-- application; the chat and the CLI leave it NULL.
ALTER TABLE application_remedies ADD COLUMN client_key text CHECK (client_key <> '');
CREATE UNIQUE INDEX application_remedies_client_key ON application_remedies (application_id, client_key)
    WHERE client_key IS NOT NULL;

-- Who recorded the result, and when: a result typed twice is refused
-- with both. Rows decided before this migration keep them empty (the
-- audit log has them).
ALTER TABLE application_remedies ADD COLUMN decided_by text NOT NULL DEFAULT '';
ALTER TABLE application_remedies ADD COLUMN decided_at timestamptz;

-- +goose Down
ALTER TABLE application_remedies DROP COLUMN decided_at;
ALTER TABLE application_remedies DROP COLUMN decided_by;
DROP INDEX application_remedies_client_key;
ALTER TABLE application_remedies DROP COLUMN client_key;
