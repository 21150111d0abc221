package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Kinds of record a document is attached to.
const (
	DocForm        = "form"        // a 审批单: the text being published
	DocApplication = "application" // a 政府信息公开申请: the letter, the ID copy
	DocReply       = "reply"       // the application's reply (by the application's id)
)

// Where a document version came from.
const (
	DocSourceUpload = "upload" // the 办公桌's upload form
	DocSourceChat   = "chat"   // an image sent in the app chat (media/get)
)

// Document is a name on a record, with its latest version's particulars.
type Document struct {
	ID       int64  `db:"id"`
	Kind     string `db:"kind"`
	RecordID int64  `db:"record_id"`
	Name     string `db:"name"`
	Versions int    `db:"versions"`
}

// DocumentVersion is one upload of a document, without its bytes.
type DocumentVersion struct {
	ID           int64     `db:"id"`
	DocumentID   int64     `db:"document_id"`
	Kind         string    `db:"kind"`
	RecordID     int64     `db:"record_id"`
	Name         string    `db:"name"`
	Version      int       `db:"version"`
	DeclaredType string    `db:"declared_type"`
	DetectedType string    `db:"detected_type"`
	Size         int64     `db:"size"`
	SHA256       []byte    `db:"sha256"`
	Source       string    `db:"source"`
	MediaID      string    `db:"media_id"`
	UploadedBy   string    `db:"uploaded_by"`
	UploadedAt   time.Time `db:"uploaded_at"`
}

// NewDocumentVersion is what AttachDocument stores: the file (its name
// cleaned and its type detected by the caller, documents.Detect), who and
// when, and the record's id in the audit log (a form's id, an
// application's 编号).
type NewDocumentVersion struct {
	Kind         string
	RecordID     int64
	Name         string
	DeclaredType string
	DetectedType string
	Content      []byte
	Source       string // DocSourceUpload when empty
	MediaID      string
	By           string
	At           time.Time

	AuditEntityID string
}

const docVersionCols = `v.id, v.document_id, d.kind, d.record_id, d.name, v.version, v.declared_type, v.detected_type,
	v.size, v.sha256, v.source, v.media_id, v.uploaded_by, v.uploaded_at`

// AttachDocument stores in.Content as the next version of the record's
// document of that name (version 1 for a new name) and audits it, in tx.
// A file equal to the latest version (a double click, a retried upload)
// adds nothing: that version is returned with added false.
func AttachDocument(ctx context.Context, tx *Tx, in NewDocumentVersion) (v DocumentVersion, added bool, err error) {
	if in.Source == "" {
		in.Source = DocSourceUpload
	}
	sum := sha256.Sum256(in.Content)
	// The document's row is locked for the numbering: two uploads of one
	// name at once get versions n and n+1, never n twice.
	if _, err := tx.ExecContext(ctx, `INSERT INTO documents (kind, record_id, name, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (kind, record_id, name) DO NOTHING`, in.Kind, in.RecordID, in.Name, in.At); err != nil {
		return v, false, fmt.Errorf("document %s/%d %q: %w", in.Kind, in.RecordID, in.Name, mapErr(err))
	}
	var doc Document
	if err := sqlx.GetContext(ctx, tx, &doc, `SELECT id, kind, record_id, name, versions FROM documents
		WHERE kind = $1 AND record_id = $2 AND name = $3 FOR UPDATE`, in.Kind, in.RecordID, in.Name); err != nil {
		return v, false, fmt.Errorf("document %s/%d %q: %w", in.Kind, in.RecordID, in.Name, mapErr(err))
	}
	if doc.Versions > 0 {
		latest, err := documentVersion(ctx, tx, `v.document_id = $1 AND v.version = $2`, doc.ID, doc.Versions)
		if err != nil {
			return v, false, err
		}
		if bytes.Equal(latest.SHA256, sum[:]) {
			return latest, false, nil
		}
	}
	var id int64
	err = tx.GetContext(ctx, &id, `INSERT INTO document_versions (document_id, version, declared_type, detected_type, size, sha256, content,
		source, media_id, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		doc.ID, doc.Versions+1, in.DeclaredType, in.DetectedType, len(in.Content), sum[:], in.Content, in.Source, in.MediaID, in.By, in.At)
	if err != nil {
		return v, false, fmt.Errorf("document %s/%d %q version %d: %w", in.Kind, in.RecordID, in.Name, doc.Versions+1, mapErr(err))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE documents SET versions = $2 WHERE id = $1`, doc.ID, doc.Versions+1); err != nil {
		return v, false, fmt.Errorf("document %d: %w", doc.ID, err)
	}
	v = DocumentVersion{ID: id, DocumentID: doc.ID, Kind: in.Kind, RecordID: in.RecordID, Name: in.Name, Version: doc.Versions + 1,
		DeclaredType: in.DeclaredType, DetectedType: in.DetectedType, Size: int64(len(in.Content)), SHA256: sum[:],
		Source: in.Source, MediaID: in.MediaID, UploadedBy: in.By, UploadedAt: in.At}
	detail := map[string]any{"document": in.Name, "document_version": v.Version, "kind": in.Kind, "size": v.Size,
		"type": in.DetectedType, "sha256": fmt.Sprintf("%x", sum), "source": in.Source, "version_id": id}
	// The record's own audit trail: a form's, or the application's for
	// its papers and its reply (two calls, so that the router's scan of
	// audited actions can tell the entity of each).
	if in.Kind == DocForm {
		err = Audit(ctx, tx, in.By, "document_upload", EntityForm, in.AuditEntityID, detail)
	} else {
		err = Audit(ctx, tx, in.By, "document_upload", EntityApplication, in.AuditEntityID, detail)
	}
	if err != nil {
		return v, false, err
	}
	return v, true, nil
}

func documentVersion(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) (DocumentVersion, error) {
	var v DocumentVersion
	err := sqlx.GetContext(ctx, q, &v, `SELECT `+docVersionCols+` FROM document_versions v JOIN documents d ON d.id = v.document_id WHERE `+where, args...)
	if err != nil {
		return v, fmt.Errorf("document version: %w", mapErr(err))
	}
	return v, nil
}

// DocumentVersionByID is a version's particulars; ErrNotFound when none.
func DocumentVersionByID(ctx context.Context, q sqlx.QueryerContext, id int64) (DocumentVersion, error) {
	return documentVersion(ctx, q, `v.id = $1`, id)
}

// DocumentContent is a version's bytes.
func DocumentContent(ctx context.Context, q sqlx.QueryerContext, id int64) ([]byte, error) {
	var b []byte
	if err := sqlx.GetContext(ctx, q, &b, `SELECT content FROM document_versions WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("document version %d: %w", id, mapErr(err))
	}
	return b, nil
}

// DocumentVersions lists every version of the documents of the records of
// kinds with id recordID: by document (in the order first uploaded), the
// newest version first.
func DocumentVersions(ctx context.Context, q sqlx.QueryerContext, recordID int64, kinds ...string) ([]DocumentVersion, error) {
	var out []DocumentVersion
	err := sqlx.SelectContext(ctx, q, &out, `SELECT `+docVersionCols+` FROM document_versions v JOIN documents d ON d.id = v.document_id
		WHERE d.kind = ANY($1) AND d.record_id = $2 ORDER BY d.id, v.version DESC`, pq.StringArray(kinds), recordID)
	if err != nil {
		return nil, fmt.Errorf("documents of %v/%d: %w", kinds, recordID, err)
	}
	return out, nil
}

// CountDocuments is how many documents (names, not versions) a record has.
func CountDocuments(ctx context.Context, q sqlx.QueryerContext, kind string, recordID int64) (int, error) {
	var n int
	if err := sqlx.GetContext(ctx, q, &n, `SELECT count(*) FROM documents WHERE kind = $1 AND record_id = $2 AND versions > 0`, kind, recordID); err != nil {
		return 0, fmt.Errorf("count documents of %s/%d: %w", kind, recordID, err)
	}
	return n, nil
}

// FreeDocumentName is base+ext, or base_2+ext, base_3+ext, … when the
// record has a document of that name already: for names made up by zwgk
// (a chat image's, by the second it was sent), where a second file of the
// same name is another document, not a new version of the first.
func FreeDocumentName(ctx context.Context, q sqlx.QueryerContext, kind string, recordID int64, base, ext string) (string, error) {
	var taken []string
	if err := sqlx.SelectContext(ctx, q, &taken, `SELECT name FROM documents WHERE kind = $1 AND record_id = $2 AND starts_with(name, $3)`,
		kind, recordID, base); err != nil {
		return "", fmt.Errorf("document names of %s/%d: %w", kind, recordID, err)
	}
	name := base + ext
	for n := 2; slices.Contains(taken, name); n++ {
		name = base + "_" + strconv.Itoa(n) + ext
	}
	return name, nil
}
