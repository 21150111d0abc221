-- +goose Up
-- Documents attached to a record: a 审批单 (kind form), a 政府信息公开申请
-- (application: the letter, the ID copy) or its reply (reply, by the
-- application's id). A document is a name on a record; uploading a file of
-- the same name to the same record adds a version, and every version is
-- kept (nothing is deleted: what was approved or sent stays on file). The
-- bytes live here, in bytea, written in the transaction that audits the
-- upload and backed up with everything else.
CREATE TABLE documents (
    id         bigserial PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('form', 'application', 'reply')),
    record_id  bigint NOT NULL CHECK (record_id > 0),
    name       text NOT NULL CHECK (name <> '' AND char_length(name) <= 100),
    versions   int NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, record_id, name)
);

CREATE TABLE document_versions (
    id            bigserial PRIMARY KEY,
    document_id   bigint NOT NULL REFERENCES documents (id),
    version       int NOT NULL CHECK (version > 0),
    declared_type text NOT NULL DEFAULT '', -- what the browser (or WeCom) said it is
    detected_type text NOT NULL CHECK (detected_type <> ''), -- what its content is: what downloads are served as
    size          bigint NOT NULL CHECK (size > 0 AND size <= 20971520),
    sha256        bytea NOT NULL CHECK (octet_length(sha256) = 32),
    content       bytea NOT NULL CHECK (octet_length(content) = size),
    source        text NOT NULL DEFAULT 'upload' CHECK (source IN ('upload', 'chat')),
    media_id      text NOT NULL DEFAULT '', -- a chat image's WeCom media_id
    uploaded_by   text NOT NULL CHECK (uploaded_by <> ''),
    uploaded_at   timestamptz NOT NULL,
    UNIQUE (document_id, version)
);
-- The bytes are read only for a download, never scanned: keep them out of
-- line and uncompressed (PDFs, zips and JPEGs are compressed already).
ALTER TABLE document_versions ALTER COLUMN content SET STORAGE EXTERNAL;

-- +goose Down
DROP TABLE document_versions;
DROP TABLE documents;
