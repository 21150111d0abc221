package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// TestAnnualTextVersions: every version is kept with who and when, the
// latest counts, a retry of the same text and a clear of a draft change
// nothing, and each change is in the audit log.
func TestAnnualTextVersions(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	at := time.Date(2027, 1, 8, 1, 0, 0, 0, time.UTC)
	step := func(f func(tx *storage.Tx) (bool, error)) bool {
		t.Helper()
		var changed bool
		if err := db.WithTx(ctx, func(tx *storage.Tx) error {
			var err error
			changed, err = f(tx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return changed
	}
	set := func(section, body, by string, n int) bool {
		return step(func(tx *storage.Tx) (bool, error) {
			return storage.SetAnnualText(ctx, tx, 2026, section, body, by, at.Add(time.Duration(n)*time.Minute))
		})
	}
	clear := func(section, by string, n int) bool {
		return step(func(tx *storage.Tx) (bool, error) {
			return storage.ClearAnnualText(ctx, tx, 2026, section, by, at.Add(time.Duration(n)*time.Minute))
		})
	}
	if clear("一", "linxiaoyan", 0) {
		t.Error("clearing a draft changed something")
	}
	if !set("一", "\ufeff第一稿。\r\n\r\n第二段。  ", "linxiaoyan", 1) {
		t.Error("the first text was not stored")
	}
	if set("一", "第一稿。\n\n第二段。", "chenlixin", 2) {
		t.Error("the same text again was stored as a new version")
	}
	if !set("一", "第二稿。", "chenlixin", 3) || !set("五", "问题。", "linxiaoyan", 4) {
		t.Error("a new text was not stored")
	}
	texts, err := storage.AnnualTexts(ctx, db, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) != 2 || texts["一"].Body != "第二稿。" || texts["一"].EnteredBy != "chenlixin" || !texts["一"].EnteredAt.Equal(at.Add(3*time.Minute)) || texts["五"].Body != "问题。" {
		t.Fatalf("texts %+v", texts)
	}
	if !clear("一", "linxiaoyan", 5) || clear("一", "linxiaoyan", 6) {
		t.Error("clear: want a change once")
	}
	texts, err = storage.AnnualTexts(ctx, db, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := texts["一"]; ok || len(texts) != 1 {
		t.Fatalf("after the clear: %+v", texts)
	}
	vs, err := storage.AnnualTextVersions(ctx, db, 2026, "一")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || vs[0].Body != "第一稿。\n\n第二段。" || vs[1].Body != "第二稿。" || !vs[2].Cleared || vs[2].EnteredBy != "linxiaoyan" {
		t.Fatalf("versions %+v", vs)
	}
	if other, err := storage.AnnualTexts(ctx, db, 2025); err != nil || len(other) != 0 {
		t.Fatalf("2025: %+v, %v", other, err)
	}
	trail, err := storage.AuditTrail(ctx, db, storage.EntityAnnualReport, "2026")
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range trail {
		actions = append(actions, e.Action+":"+e.Actor)
	}
	if got := strings.Join(actions, " "); got != "set_text:linxiaoyan set_text:chenlixin set_text:linxiaoyan clear_text:linxiaoyan" {
		t.Fatalf("audit %s", got)
	}
	if !strings.Contains(string(trail[0].Detail), `"replaced": "draft"`) || !strings.Contains(string(trail[1].Detail), `"replaced": 1`) {
		t.Errorf("audit details %s / %s", trail[0].Detail, trail[1].Detail)
	}
}

// TestAnnualTextRefused: a table's section, an empty or overlong text, no
// author: refused, nothing stored.
func TestAnnualTextRefused(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	at := time.Date(2027, 1, 8, 1, 0, 0, 0, time.UTC)
	for name, c := range map[string]struct{ section, body, by string }{
		"table":    {"二", "文本", "linxiaoyan"},
		"empty":    {"一", " \r\n ", "linxiaoyan"},
		"long":     {"一", strings.Repeat("字", storage.MaxAnnualText+1), "linxiaoyan"},
		"no one":   {"五", "文本", " "},
		"not utf8": {"六", "\xff\xfe", "linxiaoyan"},
	} {
		err := db.WithTx(ctx, func(tx *storage.Tx) error {
			_, err := storage.SetAnnualText(ctx, tx, 2026, c.section, c.body, c.by, at)
			return err
		})
		if !errors.Is(err, storage.ErrAnnualText) {
			t.Errorf("%s: %v, want ErrAnnualText", name, err)
		}
	}
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM annual_report_texts`); err != nil || n != 0 {
		t.Fatalf("%d rows stored (%v)", n, err)
	}
}
