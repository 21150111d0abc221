package router_test

import (
	"bytes"
	"context"
	"database/sql"
	"image"
	"image/png"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/router"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/workflow"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fetcher answers media/get with what next says.
type fetcher struct {
	next func(mediaID string) (*bot.Media, error)
}

func (f fetcher) GetMedia(_ context.Context, id string, _ int64) (*bot.Media, error) {
	return f.next(id)
}

type imageFixture struct {
	r     *router.Router
	db    *storage.DB
	clock *testClock
	form  *storage.Form
	pic   []byte
}

func newImageFixture(t *testing.T) *imageFixture {
	t.Helper()
	roster, err := config.ParseRoster(config.ExampleRoster)
	if err != nil {
		t.Fatal(err)
	}
	db := storagetest.NewDB(t)
	rdb := storagetest.NewRedis(t)
	cal := workflow.DefaultCalendar()
	clk := &testClock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, cal.Location())}
	r := router.New(&chat.Bot{DB: db, Redis: rdb, Sessions: rdb.Sessions(30 * time.Minute), Calendar: cal, PublicURL: "https://zwgk.example",
		Roster: roster, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clk.Now, Location: cal.Location()}, nil)
	f := &storage.Form{Year: 2026, Seq: 5, Version: 1, State: "review", Stage: "section", Assignees: pq.StringArray{"zhangwei"},
		Section: "综合一股", Submitter: "lina", Title: "关于丙项目环评结果的公示", Summary: "丙项目。", FormedOn: clk.Now(),
		Mode: "主动公开", Column: "环境保护", Platforms: pq.StringArray{"政府网站"},
		Deadline: sql.NullTime{Time: clk.Now().AddDate(0, 0, 20), Valid: true}, CreatedAt: clk.Now()}
	var pic bytes.Buffer
	png.Encode(&pic, image.NewGray(image.Rect(0, 0, 2, 2)))
	ctx := context.Background()
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		if _, err := storage.InsertForm(ctx, tx, f); err != nil {
			return err
		}
		_, err := storage.QueueChatImage(ctx, tx, storage.ChatImage{MediaID: "m1", MsgID: "1", UserID: "lina", Kind: storage.DocForm,
			RecordID: f.ID, SentAt: clk.Now(), NextAttemptAt: clk.Now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return &imageFixture{r: r, db: db, clock: clk, form: f, pic: pic.Bytes()}
}

func (f *imageFixture) state(t *testing.T) (versions, texts int, im storage.ChatImage) {
	t.Helper()
	ctx := context.Background()
	vs, err := storage.DocumentVersions(ctx, f.db, f.form.ID, storage.DocForm)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.GetContext(ctx, &texts, `SELECT count(*) FROM outbox WHERE recipient = 'lina'`); err != nil {
		t.Fatal(err)
	}
	ims, err := storage.ChatImages(ctx, f.db, "lina")
	if err != nil || len(ims) != 1 {
		t.Fatalf("chat images %+v, %v", ims, err)
	}
	return len(vs), texts, ims[0]
}

// A worker that stalls past its lease while another takes the image over
// (what a worker that died mid-fetch looks like to the rest): the image
// is attached once and told once, whichever finishes first.
func TestFetchImageOnceWhenAWorkerStallsPastItsLease(t *testing.T) {
	t.Parallel()
	f := newImageFixture(t)
	ctx := context.Background()
	release, fetched := make(chan struct{}), make(chan struct{})
	stalled := fetcher{func(string) (*bot.Media, error) {
		close(fetched)
		<-release
		return &bot.Media{Content: f.pic, ContentType: "image/png"}, nil
	}}
	done := make(chan error, 1)
	go func() {
		_, err := f.r.FetchImage(ctx, stalled)
		done <- err
	}()
	<-fetched
	// Within the lease nobody else takes it.
	quick := fetcher{func(string) (*bot.Media, error) { return &bot.Media{Content: f.pic, ContentType: "image/png"}, nil }}
	if did, err := f.r.FetchImage(ctx, quick); err != nil || did {
		t.Fatalf("a second worker within the lease: did %v, %v", did, err)
	}
	f.clock.Advance(3 * time.Minute)
	if did, err := f.r.FetchImage(ctx, quick); err != nil || !did {
		t.Fatalf("a second worker after the lease: did %v, %v", did, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	versions, texts, im := f.state(t)
	if versions != 1 || texts != 1 || im.Status != storage.ChatImageDone || !im.VersionID.Valid || im.Attempts != 2 {
		t.Fatalf("versions %d, texts %d, image %+v", versions, texts, im)
	}
}

// A transient failure (WeCom's 503) gives the image back for later,
// telling nobody; the retry attaches it.
func TestFetchImageRetriesTransientFailures(t *testing.T) {
	t.Parallel()
	f := newImageFixture(t)
	ctx := context.Background()
	down := fetcher{func(string) (*bot.Media, error) { return nil, &bot.HTTPError{API: "media/get", Status: 503} }}
	if did, err := f.r.FetchImage(ctx, down); err != nil || !did {
		t.Fatalf("first attempt: did %v, %v", did, err)
	}
	versions, texts, im := f.state(t)
	if versions != 0 || texts != 0 || im.Status != storage.ChatImagePending || !im.NextAttemptAt.After(f.clock.Now()) {
		t.Fatalf("after a 503: versions %d, texts %d, image %+v", versions, texts, im)
	}
	up := fetcher{func(string) (*bot.Media, error) { return &bot.Media{Content: f.pic, ContentType: "image/png"}, nil }}
	if did, err := f.r.FetchImage(ctx, up); err != nil || did {
		t.Fatalf("before the retry is due: did %v, %v", did, err)
	}
	f.clock.Advance(time.Minute)
	if did, err := f.r.FetchImage(ctx, up); err != nil || !did {
		t.Fatalf("the retry: did %v, %v", did, err)
	}
	if versions, texts, im = f.state(t); versions != 1 || texts != 1 || im.Status != storage.ChatImageDone {
		t.Fatalf("after the retry: versions %d, texts %d, image %+v", versions, texts, im)
	}
}

// Two images sent within the same second (the two sides of an ID card)
// are two documents, not two versions of one: their names are made from
// the second they were sent, so the second gets its own.
func TestTwoImagesOfOneSecondAreTwoDocuments(t *testing.T) {
	t.Parallel()
	f := newImageFixture(t)
	ctx := context.Background()
	err := f.db.WithTx(ctx, func(tx *storage.Tx) error {
		_, err := storage.QueueChatImage(ctx, tx, storage.ChatImage{MediaID: "m2", MsgID: "2", UserID: "lina", Kind: storage.DocForm,
			RecordID: f.form.ID, SentAt: f.clock.Now(), NextAttemptAt: f.clock.Now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var other bytes.Buffer
	png.Encode(&other, image.NewGray(image.Rect(0, 0, 3, 3)))
	pics := map[string][]byte{"m1": f.pic, "m2": other.Bytes()}
	up := fetcher{func(id string) (*bot.Media, error) {
		return &bot.Media{Content: pics[id], ContentType: "image/png"}, nil
	}}
	for range 2 {
		if did, err := f.r.FetchImage(ctx, up); err != nil || !did {
			t.Fatalf("fetch: did %v, %v", did, err)
		}
	}
	vs, err := storage.DocumentVersions(ctx, f.db, f.form.ID, storage.DocForm)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, v := range vs {
		names[v.Name] = v.Version
	}
	base := "聊天图片_" + f.clock.Now().Format("20060102_150405")
	if len(vs) != 2 || names[base+".png"] != 1 || names[base+"_2.png"] != 1 {
		t.Fatalf("documents %v", names)
	}
}

// The same picture sent twice (a second media_id, the same bytes) is one
// attachment: the second is told it is there already.
func TestTheSameImageTwiceIsOneDocument(t *testing.T) {
	t.Parallel()
	f := newImageFixture(t)
	ctx := context.Background()
	err := f.db.WithTx(ctx, func(tx *storage.Tx) error {
		_, err := storage.QueueChatImage(ctx, tx, storage.ChatImage{MediaID: "m2", MsgID: "2", UserID: "lina", Kind: storage.DocForm,
			RecordID: f.form.ID, SentAt: f.clock.Now().Add(time.Minute), NextAttemptAt: f.clock.Now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	up := fetcher{func(string) (*bot.Media, error) { return &bot.Media{Content: f.pic, ContentType: "image/png"}, nil }}
	for range 2 {
		if did, err := f.r.FetchImage(ctx, up); err != nil || !did {
			t.Fatalf("fetch: did %v, %v", did, err)
		}
	}
	vs, err := storage.DocumentVersions(ctx, f.db, f.form.ID, storage.DocForm)
	if err != nil || len(vs) != 1 {
		t.Fatalf("documents %+v, %v", vs, err)
	}
	ims, err := storage.ChatImages(ctx, f.db, "lina")
	if err != nil || len(ims) != 2 {
		t.Fatalf("chat images %+v, %v", ims, err)
	}
	for _, im := range ims {
		if im.Status != storage.ChatImageDone || im.VersionID.Int64 != vs[0].ID {
			t.Fatalf("image %+v, want done as version %d", im, vs[0].ID)
		}
	}
	var last string
	if err := f.db.GetContext(ctx, &last, `SELECT payload::text FROM outbox WHERE recipient = 'lina' ORDER BY id DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(last, "未重复保存") {
		t.Fatalf("the second image's answer: %s", last)
	}
}
