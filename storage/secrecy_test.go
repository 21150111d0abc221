package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

func TestSecrecyReviewsKeyedByRoundAndStage(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	clear := storage.SecrecyReview{Entity: storage.EntityForm, EntityID: "7", Round: 1, Stage: "office", Reviewer: "chenlixin",
		StateSecret: true, CommercialSecret: true, Privacy: true, Conclusion: "clear", ReviewedAt: at}
	insert := func(r storage.SecrecyReview) error {
		return db.WithTx(ctx, func(tx *storage.Tx) error { return storage.InsertSecrecyReview(ctx, tx, r) })
	}
	if err := insert(clear); err != nil {
		t.Fatal(err)
	}
	if err := insert(clear); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("second review of the same round and stage: %v, want ErrConflict", err)
	}
	// The same id of another entity, and the next round, are other reviews.
	other := clear
	other.Entity = "application"
	next := clear
	next.Round, next.Conclusion, next.Note = 2, "problem", "含个人身份证号码"
	next.Privacy = false
	for _, r := range []storage.SecrecyReview{other, next} {
		if err := insert(r); err != nil {
			t.Fatal(err)
		}
	}
	// What the database refuses whoever writes it.
	partial := clear
	partial.Round, partial.Conclusion = 3, "partial"
	incomplete := clear
	incomplete.Round, incomplete.CommercialSecret = 4, false
	for name, r := range map[string]storage.SecrecyReview{"withheld without basis": partial, "released with two checks": incomplete} {
		if err := insert(r); err == nil {
			t.Errorf("%s was stored", name)
		}
	}

	got, err := storage.SecrecyReviewAt(ctx, db, storage.EntityForm, "7", 1, "office")
	if err != nil || got.Reviewer != "chenlixin" || !got.ReviewedAt.Equal(at) || !got.Privacy || got.Conclusion != "clear" {
		t.Fatalf("SecrecyReviewAt = %+v, %v", got, err)
	}
	if _, err := storage.SecrecyReviewAt(ctx, db, storage.EntityForm, "7", 1, "leader"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("no review at leader: %v, want ErrNotFound", err)
	}
	all, err := storage.SecrecyReviews(ctx, db, storage.EntityForm, "7")
	if err != nil || len(all) != 2 || all[0].Round != 1 || all[1].Note != "含个人身份证号码" {
		t.Fatalf("SecrecyReviews = %+v, %v", all, err)
	}
}
