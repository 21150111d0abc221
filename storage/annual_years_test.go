package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// TestAnnualReportYears: a year is listed for an order received in it
// (in the bureau's zone: 31 December 20:00 UTC is 1 January in Shanghai),
// a text or a record of the report, newest first; LatestAnnualText sees a
// cleared version as the latest.
func TestAnnualReportYears(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	if ys, err := storage.AnnualReportYears(ctx, db, loc); err != nil || len(ys) != 0 {
		t.Fatalf("an empty database: %v %v", ys, err)
	}
	at := time.Date(2024, 12, 31, 20, 0, 0, 0, time.UTC)
	var latest *storage.AnnualText
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		if _, err := storage.InsertOrder(ctx, tx, &storage.Order{TicketNo: "2025010100001", Category: "咨询", Content: "内容", Location: "地点",
			CallerName: "钱先生", CallerPhone: "13800138000", ReceivedAt: at, DueAt: at.Add(48 * time.Hour),
			Section: "综合一股", Registrar: "lina", State: "dispatched", Source: "chat", CreatedAt: at}); err != nil {
			return err
		}
		if _, err := storage.SetAnnualText(ctx, tx, 2022, "一", "文本。", "chenlixin", at); err != nil {
			return err
		}
		if _, err := storage.ClearAnnualText(ctx, tx, 2022, "一", "linxiaoyan", at.Add(time.Minute)); err != nil {
			return err
		}
		if _, _, err := storage.MarkAnnualReport(ctx, tx, storage.AnnualReport{Year: 2019, DoneBy: "chenlixin", DoneAt: at}); err != nil {
			return err
		}
		latest, err = storage.LatestAnnualText(ctx, tx, 2022, "一")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ys, err := storage.AnnualReportYears(ctx, db, loc)
	if err != nil || !slices.Equal(ys, []int{2025, 2022, 2019}) {
		t.Errorf("years = %v, %v; want [2025 2022 2019]", ys, err)
	}
	if latest == nil || !latest.Cleared || latest.EnteredBy != "linxiaoyan" {
		t.Errorf("the latest text = %+v, want linxiaoyan's clearing", latest)
	}
}
