package storage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

func TestDocumentsVersioned(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	attach := func(kind string, rec int64, name, content, by string) (storage.DocumentVersion, bool) {
		t.Helper()
		var v storage.DocumentVersion
		var added bool
		err := db.WithTx(ctx, func(tx *storage.Tx) error {
			var err error
			v, added, err = storage.AttachDocument(ctx, tx, storage.NewDocumentVersion{Kind: kind, RecordID: rec, Name: name,
				DeclaredType: "application/pdf", DetectedType: "application/pdf", Content: []byte(content), By: by, At: at, AuditEntityID: "7"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return v, added
	}
	v1, added := attach(storage.DocForm, 7, "正文.pdf", "%PDF-1 first", "lina")
	if !added || v1.Version != 1 || v1.Size != 12 || v1.UploadedBy != "lina" {
		t.Fatalf("first upload = %+v, added %v", v1, added)
	}
	// The same bytes again (a double click) add nothing.
	again, added := attach(storage.DocForm, 7, "正文.pdf", "%PDF-1 first", "lina")
	if added || again.ID != v1.ID {
		t.Fatalf("the same file again = %+v, added %v; want version 1 as it was", again, added)
	}
	v2, added := attach(storage.DocForm, 7, "正文.pdf", "%PDF-1 second", "chenlixin")
	if !added || v2.Version != 2 || v2.DocumentID != v1.DocumentID {
		t.Fatalf("second upload = %+v", v2)
	}
	// Another name, another record, another kind: each its own version 1.
	for _, c := range []struct {
		kind string
		rec  int64
		name string
	}{{storage.DocForm, 7, "附表.pdf"}, {storage.DocForm, 8, "正文.pdf"}, {storage.DocReply, 7, "正文.pdf"}} {
		if v, _ := attach(c.kind, c.rec, c.name, "%PDF-1 first", "lina"); v.Version != 1 || v.DocumentID == v1.DocumentID {
			t.Errorf("%s/%d %s = %+v, want its own version 1", c.kind, c.rec, c.name, v)
		}
	}

	list, err := storage.DocumentVersions(ctx, db, 7, storage.DocForm)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Name != "正文.pdf" || list[0].Version != 2 || list[1].Version != 1 || list[2].Name != "附表.pdf" {
		t.Fatalf("DocumentVersions = %+v", list)
	}
	both, _ := storage.DocumentVersions(ctx, db, 7, storage.DocForm, storage.DocReply)
	if len(both) != 4 {
		t.Fatalf("form and reply documents of 7: %d, want 4", len(both))
	}
	// Every version downloads as stored.
	for v, want := range map[int64]string{v1.ID: "%PDF-1 first", v2.ID: "%PDF-1 second"} {
		b, err := storage.DocumentContent(ctx, db, v)
		if err != nil || string(b) != want {
			t.Errorf("content of %d = %q, %v; want %q", v, b, err, want)
		}
		got, err := storage.DocumentVersionByID(ctx, db, v)
		sum := sha256.Sum256([]byte(want))
		if err != nil || !bytes.Equal(got.SHA256, sum[:]) || got.Kind != storage.DocForm || got.RecordID != 7 {
			t.Errorf("version %d = %+v, %v", v, got, err)
		}
	}
	if _, err := storage.DocumentVersionByID(ctx, db, 999999); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a missing version: %v, want ErrNotFound", err)
	}
	if n, err := storage.CountDocuments(ctx, db, storage.DocForm, 7); err != nil || n != 2 {
		t.Errorf("CountDocuments = %d, %v; want 2", n, err)
	}

	// Each upload that added a version is audited on the record, once.
	trail, err := storage.AuditTrail(ctx, db, storage.EntityForm, "7")
	if err != nil {
		t.Fatal(err)
	}
	var uploads []map[string]any
	for _, e := range trail {
		if e.Action == "document_upload" {
			var d map[string]any
			json.Unmarshal(e.Detail, &d)
			uploads = append(uploads, d)
		}
	}
	// (The reply's is on the application's trail: see below.)
	if len(uploads) != 4 || uploads[0]["document"] != "正文.pdf" || uploads[1]["document_version"] != float64(2) || uploads[1]["size"] != float64(13) {
		t.Fatalf("audited uploads = %v", uploads)
	}

	if app, err := storage.AuditTrail(ctx, db, storage.EntityApplication, "7"); err != nil || len(app) != 1 || app[0].Action != "document_upload" {
		t.Fatalf("the reply's upload on the application's trail: %+v, %v", app, err)
	}

	// What the database refuses whoever writes it: a bad kind, an empty
	// file.
	for name, in := range map[string]storage.NewDocumentVersion{
		"a bad kind":    {Kind: "order", RecordID: 1, Name: "a.pdf", DetectedType: "application/pdf", Content: []byte("x"), By: "lina", At: at, AuditEntityID: "1"},
		"an empty file": {Kind: storage.DocForm, RecordID: 1, Name: "a.pdf", DetectedType: "application/pdf", By: "lina", At: at, AuditEntityID: "1"},
	} {
		err := db.WithTx(ctx, func(tx *storage.Tx) error { _, _, err := storage.AttachDocument(ctx, tx, in); return err })
		if err == nil {
			t.Errorf("%s was stored", name)
		}
	}
}

// Uploads of one name at once are numbered one after the other.
func TestDocumentVersionsConcurrent(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.WithTx(ctx, func(tx *storage.Tx) error {
				_, _, err := storage.AttachDocument(ctx, tx, storage.NewDocumentVersion{Kind: storage.DocApplication, RecordID: 3, Name: "申请书.pdf",
					DetectedType: "application/pdf", Content: []byte{'%', 'P', byte(i)}, By: "chenlixin", At: time.Now(), AuditEntityID: "依申请〔2026〕3号"})
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	list, err := storage.DocumentVersions(ctx, db, 3, storage.DocApplication)
	if err != nil || len(list) != 6 {
		t.Fatalf("versions = %d, %v", len(list), err)
	}
	for i, v := range list {
		if v.Version != 6-i {
			t.Errorf("version %d at %d", v.Version, i)
		}
	}
}
