package applications

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/applications/letters"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/workflow"
)

// recordCase is a Flow on its own database holding 依申请〔2026〕1号 as a
// 不予公开 case leaves it: received Friday 2026-11-27, 补正 asked 11-30
// and received 12-03, a third party consulted 12-04 (answered 12-08),
// extended by 10 working days, the reply 驳回ed by the section head in
// round 1 and approved by the three stages in round 2 with the office's
// 保密审查, delivered by post 12-30.
func recordCase(t *testing.T, clock *testClock) (*Flow, *storage.Application) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, storagetest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	roster, err := config.ParseRoster(config.ExampleRoster)
	if err != nil {
		t.Fatal(err)
	}
	b := letterFlow(testLetters)
	b.DB, b.Log, b.Now, b.Roster = db, slog.New(slog.NewTextHandler(io.Discard, nil)), clock.now, roster
	a := &storage.Application{Channel: string(workflow.ChannelInPerson), ReceivedD: on("2026-11-27"),
		ApplicantName: "张三", ApplicantType: "自然人", ApplicantIDNo: "11010519491231002X", ApplicantPhone: "13800138000",
		Content: "2025年度某工业园区环境影响评价文件及批复。", ProvideForm: string(workflow.ProvideElectronic),
		State: string(workflow.ApplicationRegistered), Section: "综合一股", Registrar: "linxiaoyan", DueD: on("2026-12-25"),
		Source: "chat", CreatedAt: clock.now()}
	at := func(s string) time.Time { return bj(s) }
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		if _, err := storage.InsertApplication(ctx, tx, a); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE applications SET state = 'closed', handler = 'lina',
			supplement_asked_on = '2026-11-30', supplement_due_on = '2026-12-21', supplement_received_on = '2026-12-03',
			supplement_items = '1. 请补充所需信息的文号。', extension_days = 10, extension_reason = '需征求第三方意见后综合研判。',
			outcome = 'withhold', reason = 'withhold.third_party', reply_text = '您申请的信息涉及第三方商业秘密，第三方不同意公开。',
			reply_basis = '《中华人民共和国政府信息公开条例》第十五条', reply_round = 2, delivered_on = '2026-12-30', delivery = '邮寄',
			tracking_no = '1234567890123', due_on = '2027-01-18' WHERE id = $1`, a.ID); err != nil {
			return err
		}
		c := &storage.Consultation{ApplicationID: a.ID, Kind: "third_party", Party: "某化工有限公司", SentD: on("2026-12-04")}
		if err := storage.AddConsultation(ctx, tx, c); err != nil {
			return err
		}
		if err := storage.AnswerConsultation(ctx, tx, c.ID, on("2026-12-08"), "不同意公开。"); err != nil {
			return err
		}
		for _, d := range []storage.ApplicationDecision{
			{Round: 1, Stage: "section", Approver: "zhangwei", Verdict: "reject", Reason: "请写明征求意见的时间。", DecidedAt: at("2026-12-22 16:00")},
			{Round: 2, Stage: "section", Approver: "zhangwei", Verdict: "approve", DecidedAt: at("2026-12-28 09:30")},
			{Round: 2, Stage: "office", Approver: "linxiaoyan", Verdict: "approve", DecidedAt: at("2026-12-28 10:05")},
			{Round: 2, Stage: "leader", Approver: "zhouzhenhua", Verdict: "approve", DecidedAt: at("2026-12-28 15:40")},
		} {
			d.ApplicationID = a.ID
			if err := storage.InsertApplicationDecision(ctx, tx, d); err != nil {
				return err
			}
		}
		if err := storage.InsertSecrecyReview(ctx, tx, storage.SecrecyReview{Entity: storage.EntityApplication, EntityID: a.Number(),
			Round: 2, Stage: "office", Reviewer: "linxiaoyan", StateSecret: true, CommercialSecret: true, Privacy: true,
			Conclusion: "withheld", Basis: "《中华人民共和国政府信息公开条例》第十五条", ReviewedAt: at("2026-12-28 10:05")}); err != nil {
			return err
		}
		for _, e := range []struct {
			actor, action string
			detail        map[string]any
		}{
			{"linxiaoyan", "register", map[string]any{"source": "chat", "channel": "当面", "section": "综合一股", "due": "2026-12-25"}},
			{"chenlixin", string(workflow.AppGrantExtend), map[string]any{"days": 10}},
			{"zhangwei", "reject", map[string]any{"stage": "section", "reason": "请写明征求意见的时间。"}},
			{"zhouzhenhua", "approve", map[string]any{"stage": "leader"}},
		} {
			if err := storage.Audit(ctx, tx, e.actor, e.action, storage.EntityApplication, a.Number(), e.detail); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if a, err = storage.ApplicationByID(ctx, db, a.ID); err != nil {
		t.Fatal(err)
	}
	return b, a
}

func TestRecordOfHandledCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b, a := recordCase(t, &testClock{at: bj("2027-01-04 09:00")})
	r, err := b.recordOf(ctx, b.DB, a)
	if err != nil {
		t.Fatal(err)
	}
	due, err := b.Calendar.AddWorkingDays(day0("2026-12-03"), workflow.ReplyDays+10+2)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"bureau":     {r.Bureau, "某市生态环境局某区分局"},
		"number":     {r.Number, "依申请〔2026〕1号"},
		"applicant":  {r.Applicant, "张三（自然人）"},
		"id":         {r.IDNo, "11010519491231002X"},
		"phone":      {r.Phone, "13800138000"},
		"received":   {r.Received, "2026年11月27日（当面，以当面提交之日为准）"},
		"handling":   {r.Handling, "综合一股 李娜"},
		"registrar":  {r.Registrar, "林晓燕"},
		"outcome":    {r.Outcome, "不予公开（保护第三方合法权益）"},
		"delivery":   {r.Delivery, "2026年12月30日邮寄送达，邮件单号 1234567890123，按期答复"},
		"extension":  {r.Extension, "延长10个工作日，理由：需征求第三方意见后综合研判；陈立新于"},
		"supplement": {r.Supplement, "2026年11月30日告知补正，补正期限2026年12月21日；2026年12月3日收到补正。\n补正事项：1. 请补充所需信息的文号。"},
		"consult":    {r.Consultations, "某化工有限公司（第三方）：2026年12月4日发出，2026年12月8日答复，意见：不同意公开。"},
		// Restarted on 12-03, paused by the consultation (12-07 and 12-08
		// not counted), extended by 10 working days.
		"clock": {r.Clock, b.day(due) + "（自2026年12月3日收到补正之日起重新计算20个工作日，延期10个工作日，征求意见期间不计入2个工作日）"},
	}
	for k, w := range want {
		if !strings.HasPrefix(w[0], w[1]) {
			t.Errorf("%s: %q, want %q", k, w[0], w[1])
		}
	}
	names := []string{"张伟 同意", "林晓燕 同意", "周振华 同意"}
	for i, s := range r.Signatures {
		if got := s.Name + " " + s.Decision; got != names[i] || s.At.IsZero() {
			t.Errorf("block %d: %+v, want %s", i, s, names[i])
		}
	}
	if rv := r.Signatures[1].Review; rv != "已审查国家秘密、商业秘密、个人隐私，不予公开，依据：《中华人民共和国政府信息公开条例》第十五条。" {
		t.Errorf("the office's 保密审查: %q", rv)
	}
	if r.Signatures[0].Review != "" || r.Signatures[2].Review != "" {
		t.Errorf("a 保密审查 outside the office block: %+v", r.Signatures)
	}
	if len(r.Rejections) != 1 || r.Rejections[0].Round != 1 || r.Rejections[0].Name != "张伟" || r.Rejections[0].Stage != "股室负责人审核" ||
		r.Rejections[0].Reason != "请写明征求意见的时间。" {
		t.Errorf("earlier 驳回: %+v", r.Rejections)
	}
	var history []string
	for _, h := range r.History {
		history = append(history, h.Who+h.What)
	}
	if got := strings.Join(history, "|"); !strings.Contains(got, "张伟股室负责人审核：驳回，理由：请写明征求意见的时间。") ||
		!strings.Contains(got, "周振华主要负责人审核：同意。") || !strings.HasPrefix(got, "林晓燕登记申请（当面）") {
		t.Errorf("办理过程: %s", got)
	}
}

// The blocks of the last round: a section head's own draft is 本人提交,
// a reply that withholds nothing has no 主要负责人 (不适用), and a round
// still under review leaves the stages ahead blank.
func TestRecordSignaturesOfTheLastRound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b, a := recordCase(t, &testClock{at: bj("2027-01-04 09:00")})
	err := b.DB.WithTx(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE applications SET outcome = 'disclose', reason = '', reply_round = 3 WHERE id = $1`, a.ID); err != nil {
			return err
		}
		for _, d := range []storage.ApplicationDecision{
			{Round: 3, Stage: "section", Approver: "zhangwei", Verdict: "self", DecidedAt: bj("2027-01-04 08:00")},
			{Round: 3, Stage: "office", Approver: "chenlixin", Verdict: "approve", DecidedAt: bj("2027-01-04 08:30")},
		} {
			d.ApplicationID = a.ID
			if err := storage.InsertApplicationDecision(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a, _ = storage.ApplicationByID(ctx, b.DB, a.ID)
	r, err := b.recordOf(ctx, b.DB, a)
	if err != nil {
		t.Fatal(err)
	}
	s := r.Signatures
	if s[0].Name != "张伟" || s[0].Decision != "本人提交" || s[1].Name != "陈立新" || s[1].Review != "未记录。" ||
		s[2].Name != "" || s[2].Decision != "不适用" || !s[2].At.IsZero() {
		t.Fatalf("blocks %+v", s)
	}
	// Of the earlier rounds only round 1 was 驳回ed: round 2's approvals are not listed.
	if len(r.Rejections) != 1 || r.Rejections[0].Round != 1 {
		t.Fatalf("earlier 驳回 %+v", r.Rejections)
	}
	if r.Outcome != "予以公开" {
		t.Fatalf("outcome %q", r.Outcome)
	}

	// Back under review: the leader's block is blank, to be signed.
	if _, err := b.DB.ExecContext(ctx, `UPDATE applications SET state = 'review', outcome = 'withhold', delivered_on = NULL WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	a, _ = storage.ApplicationByID(ctx, b.DB, a.ID)
	if r, err = b.recordOf(ctx, b.DB, a); err != nil {
		t.Fatal(err)
	}
	if s := r.Signatures[2]; s.Decision != "" || s.Name != "" || r.Delivery != "尚未送达" {
		t.Fatalf("a stage ahead %+v, 送达 %q", s, r.Delivery)
	}
}

func TestServeRecord(t *testing.T) {
	t.Parallel()
	now := bj("2027-01-04 09:00")
	clock := &testClock{at: now}
	b, a := recordCase(t, clock)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /applications/{id}/record", b.ServeRecord)
	mux.HandleFunc("GET /applications/{id}/letters/{kind}", b.ServeLetter)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	link := b.recordLink(a, now)
	if !strings.HasPrefix(link, b.PublicURL+"/applications/"+itoa(a.ID)+"/record?exp=") {
		t.Fatalf("link %q", link)
	}
	path := strings.TrimPrefix(link, b.PublicURL)
	st, body := get(t, srv.URL+path)
	if st != http.StatusOK {
		t.Fatalf("record: %d %s", st, body)
	}
	for _, w := range []string{"政府信息公开申请办理审批表", "依申请〔2026〕1号", "某市生态环境局某区分局", "11010519491231002X",
		"主要负责人审核意见", "保密审查：已审查国家秘密、商业秘密、个人隐私，不予公开", "请写明征求意见的时间。", "2026年12月28日 15:40"} {
		if !strings.Contains(body, w) {
			t.Errorf("the page lacks %q", w)
		}
	}

	// A bad signature, a letter's, another application's, none: 403 with
	// how to get a good link.
	query := path[strings.Index(path, "?"):]
	sig := query[strings.Index(query, "sig=")+4:]
	flipped := "0"
	if sig[0] == '0' {
		flipped = "1"
	}
	letter := strings.TrimPrefix(b.letterLink(a, LetterRef{Kind: letters.KindReceipt}, now), b.PublicURL)
	for _, bad := range []string{
		strings.Replace(path, "sig="+sig[:1], "sig="+flipped, 1),
		RecordPath(a.ID) + letter[strings.Index(letter, "?"):],
		RecordPath(a.ID+1) + query,
		RecordPath(a.ID),
	} {
		if st, body := get(t, srv.URL+bad); st != http.StatusForbidden || !strings.Contains(body, "链接无效") || !strings.Contains(body, "「申请 编号」") {
			t.Errorf("%s: %d %q, want 403", bad, st, body)
		}
	}
	// The record's signature opens no letter.
	if st, _ := get(t, srv.URL+LetterPath(a.ID, LetterRef{Kind: letters.KindReceipt})+query); st != http.StatusForbidden {
		t.Errorf("the record's signature opened a letter: %d", st)
	}
	// A signed link to an application that does not exist, and addresses
	// that name none: 404.
	if st, body := get(t, srv.URL+SignRecordLink(b.LinkSecret, a.ID+100, now.Add(time.Hour))); st != http.StatusNotFound || !strings.Contains(body, "没有这件申请") {
		t.Errorf("unknown application: %d %q", st, body)
	}
	for _, bad := range []string{"/applications/x/record" + query, "/applications/0/record" + query, "/applications/-1/record" + query} {
		if st, _ := get(t, srv.URL+bad); st != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, st)
		}
	}

	// Expired: 403, naming the command with the application's number.
	clock.set(now.Add(recordLinkValidity))
	if st, body := get(t, srv.URL+path); st != http.StatusForbidden || !strings.Contains(body, "链接已过期") ||
		!strings.Contains(body, "「申请 依申请〔2026〕1号」") {
		t.Errorf("expired: %d %q", st, body)
	}
	clock.set(now.Add(recordLinkValidity - time.Second))
	if st, _ := get(t, srv.URL+path); st != http.StatusOK {
		t.Errorf("a second before expiry: %d", st)
	}
}

// Only the office and the leaders get the link in 「申请 编号」.
func TestRecordLineOnlyForOfficeAndLeaders(t *testing.T) {
	t.Parallel()
	roster, err := config.ParseRoster(config.ExampleRoster)
	if err != nil {
		t.Fatal(err)
	}
	b := letterFlow(testLetters)
	a := &storage.Application{ID: 3, Year: 2026, Seq: 3}
	now := bj("2027-01-04 09:00")
	for id, want := range map[string]bool{"chenlixin": true, "linxiaoyan": true, "zhouzhenhua": true, "zhangwei": false, "lina": false} {
		p, ok := roster.Person(id)
		if !ok {
			t.Fatalf("no %s in the example roster", id)
		}
		line := b.recordLine(a, p, now)
		if got := strings.Contains(line, "办理审批表（可打印）："+b.PublicURL+"/applications/3/record?"); got != want {
			t.Errorf("%s: %q", id, line)
		}
	}
}
