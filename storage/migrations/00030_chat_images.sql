-- +goose Up
-- Images sent in the app chat, waiting to be fetched (media/get) and
-- attached to a record. The callback only writes the row, in its turn's
-- transaction; a worker fetches the bytes within the media's 3 days and
-- attaches them in the transaction that marks the row done, so a repeated
-- callback (one media_id, one row) or a crash at any point attaches the
-- image once.
CREATE TABLE chat_images (
    id              bigserial PRIMARY KEY,
    media_id        text NOT NULL UNIQUE CHECK (media_id <> ''),
    msg_id          text NOT NULL DEFAULT '',
    user_id         text NOT NULL CHECK (user_id <> ''),
    kind            text NOT NULL CHECK (kind IN ('form', 'application', 'reply')),
    record_id       bigint NOT NULL CHECK (record_id > 0),
    sent_at         timestamptz NOT NULL, -- the callback's CreateTime: the media's life starts then
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz,
    last_error      text NOT NULL DEFAULT '',
    version_id      bigint REFERENCES document_versions (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz
);
CREATE INDEX chat_images_due ON chat_images (next_attempt_at) WHERE status = 'pending';

-- The record a person last opened in the chat (「查询 编号」, 「申请 编号」):
-- where the images they send next go.
CREATE TABLE chat_focus (
    user_id   text PRIMARY KEY,
    kind      text NOT NULL CHECK (kind IN ('form', 'application')),
    record_id bigint NOT NULL CHECK (record_id > 0),
    at        timestamptz NOT NULL
);

-- +goose Down
DROP TABLE chat_focus;
DROP TABLE chat_images;
