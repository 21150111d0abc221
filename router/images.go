package router

// Images sent in the app chat become documents of a record.
//
// Which record: the one the person last opened in the chat with 「查询
// 编号」 or 「申请 编号」 (within focusTTL), since that is what they are
// looking at; failing that, their only open record (a form of theirs in
// review or 驳回ed back to them, an application they register or handle);
// failing that, they are told how to choose. A form being drafted in the
// 提交 wizard does not exist yet, so its images wait for it to be
// submitted: the person is told to send them afterwards. Only who may add
// documents to the record on the 办公桌 (forms.MayAttach,
// applications.MayAttach) may attach in chat.
//
// The callback never downloads: WeCom allows it 5 seconds and posts again.
// It records the image (storage.QueueChatImage) in its turn; FetchImage
// takes it from there within the media's 3 days.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/applications"
	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/documents"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// focusTTL is how long the record last opened stays the one images go to.
const focusTTL = 24 * time.Hour

// Fetching: the lease of a claimed image, one fetch's time, and how often
// a transient failure is tried before the person is told. The 3 days of
// the media bound the retries anyway.
const (
	imageLease        = 2 * time.Minute
	imageFetchTimeout = 60 * time.Second
	imageMaxAttempts  = 8
)

// msgImageHow tells a person whose image has no record to go to.
const msgImageHow = "请先发送「查询 编号」打开要附加的审批单（或「申请 编号」打开政府信息公开申请），再发送图片；图片将附加到该事项。Word、PDF 等文件请在办公桌上传。"

// MediaFetcher fetches a temporary media file (bot.Client.GetMedia).
type MediaFetcher interface {
	GetMedia(ctx context.Context, mediaID string, limit int64) (*bot.Media, error)
}

// imageTarget is the record an image goes to.
type imageTarget struct {
	kind     string // storage.DocForm, DocApplication or DocReply
	id       int64
	entityID string // the record's id in the audit log
	label    string // 公开审〔2026〕3号「…」, 依申请〔2026〕1号
	where    string // 附件, 申请材料, 答复材料
	link     string // its page on the 办公桌
}

// onImage answers an image message: it finds the record and queues the
// fetch, or says why not.
func (r *Router) onImage(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	to := t.Person.UserID
	m := t.Msg
	if m.MediaID == "" {
		return r.Text(ctx, t, to, chat.MsgUnsupported)
	}
	if r.InWizard(s) {
		return r.Text(ctx, t, to, "您正在填写的事项尚未提交，图片暂不能附加。请提交后发送「查询 编号」（或「申请 编号」）打开该事项，再发送图片；也可以在办公桌上传。")
	}
	target, refusal, err := r.imageTarget(ctx, t)
	if err != nil || refusal != "" {
		if err == nil {
			err = r.Text(ctx, t, to, refusal)
		}
		return err
	}
	sent := t.Now
	if m.CreateTime > 0 {
		sent = time.Unix(m.CreateTime, 0)
	}
	added, err := storage.QueueChatImage(ctx, t.Tx, storage.ChatImage{MediaID: m.MediaID, MsgID: m.MsgID, UserID: to,
		Kind: target.kind, RecordID: target.id, SentAt: sent, NextAttemptAt: t.Now})
	if err != nil {
		return err
	}
	if !added {
		return r.Text(ctx, t, to, "这张图片已经收到，无需重复发送。")
	}
	t.AfterCommit(func(context.Context) error {
		if r.ImagesQueued != nil {
			r.ImagesQueued()
		}
		return nil
	})
	return nil
}

// imageTarget decides the record of t's image; refusal is what to say
// when there is none the person may attach to.
func (r *Router) imageTarget(ctx context.Context, t *chat.Turn) (imageTarget, string, error) {
	p := t.Person
	focus, ok, err := storage.GetChatFocus(ctx, t.Tx, p.UserID)
	if err != nil {
		return imageTarget{}, "", err
	}
	if ok && t.Now.Sub(focus.At) < focusTTL {
		return r.targetOf(ctx, t.Tx, p, focus.Kind, focus.RecordID, t.Now)
	}
	var open []imageTarget
	fs, err := storage.FormsBySubmitter(ctx, t.Tx, p.UserID, 50)
	if err != nil {
		return imageTarget{}, "", err
	}
	for i := range fs {
		if st := workflow.State(fs[i].State); (st == workflow.StateReview || st == workflow.StateRejected) && r.Forms.MayAttach(p, &fs[i]) {
			open = append(open, r.formTarget(&fs[i]))
		}
	}
	as, err := storage.ListApplications(ctx, t.Tx, storage.ApplicationFilter{Open: true, Person: p.UserID, Limit: 50})
	if err != nil {
		return imageTarget{}, "", err
	}
	for i := range as {
		if tg, ok := r.applicationTarget(&as[i], p, t.Now); ok {
			open = append(open, tg)
		}
	}
	switch len(open) {
	case 0:
		return imageTarget{}, "没有找到可以附加图片的事项。" + msgImageHow, nil
	case 1:
		return open[0], "", nil
	}
	var names []string
	for i, tg := range open {
		if i == 5 {
			names = append(names, "……")
			break
		}
		names = append(names, tg.label)
	}
	return imageTarget{}, fmt.Sprintf("您有%d件办理中的事项（%s），未能确定图片附加到哪一件。", len(open), strings.Join(names, "、")) + msgImageHow, nil
}

// targetOf is the record of kind and id as an image's target, or why p
// may not attach to it (now).
func (r *Router) targetOf(ctx context.Context, q storage.Queryer, p config.Person, kind string, id int64, now time.Time) (imageTarget, string, error) {
	switch kind {
	case storage.FocusOrder:
		c, err := storage.OrderByID(ctx, q, id)
		if err != nil {
			return imageTarget{}, "", err
		}
		return imageTarget{}, "12345工单 " + c.TicketNo + " 不接收图片附件，图片未附加。如图片属于审批单或政府信息公开申请，请先发送「查询 编号」（或「申请 编号」）打开该事项，再发送图片。", nil
	case storage.DocForm:
		f, err := storage.GetForm(ctx, q, id)
		if err != nil {
			return imageTarget{}, "", err
		}
		if !r.Forms.MayAttach(p, f) {
			return imageTarget{}, fmt.Sprintf("%s目前不能由您添加附件（%s），图片未附加。如需补充材料，请联系综合办公室。",
				workflow.FormatSerial(f.Year, f.Seq), workflow.State(f.State).Label()), nil
		}
		return r.formTarget(f), "", nil
	default:
		a, err := storage.ApplicationByID(ctx, q, id)
		if err != nil {
			return imageTarget{}, "", err
		}
		tg, ok := r.applicationTarget(a, p, now)
		if !ok {
			return imageTarget{}, fmt.Sprintf("%s目前不能由您添加材料（%s），图片未附加。如需补充材料，请联系综合办公室。",
				a.Number(), workflow.ApplicationState(a.State).Label()), nil
		}
		return tg, "", nil
	}
}

func (r *Router) formTarget(f *storage.Form) imageTarget {
	return imageTarget{kind: storage.DocForm, id: f.ID, entityID: strconv.FormatInt(f.ID, 10),
		label: workflow.FormatSerial(f.Year, f.Seq) + "「" + chat.Clip(f.Title, 30) + "」", where: "附件", link: r.Forms.DeskLink(f)}
}

// applicationTarget is a as p's image's target: the reply's papers for
// the one drafting it (the handler, the section's head), else the
// application's own papers (the registrar, the office).
func (r *Router) applicationTarget(a *storage.Application, p config.Person, _ time.Time) (imageTarget, bool) {
	tg := imageTarget{id: a.ID, entityID: a.Number(), label: a.Number(),
		link: r.PublicURL + "/desk/application/" + strconv.FormatInt(a.ID, 10) + "/documents"}
	head, isHead := r.Roster.HeadOf(a.Section)
	drafting := p.UserID == a.Handler && a.Handler != "" || isHead && a.Section != "" && head.UserID == p.UserID
	switch {
	case drafting && r.Applications.MayAttach(a, p, storage.DocReply):
		tg.kind, tg.where = storage.DocReply, "答复材料"
	case r.Applications.MayAttach(a, p, storage.DocApplication):
		tg.kind, tg.where = storage.DocApplication, "申请材料"
	default:
		return tg, false
	}
	return tg, true
}

// FetchImage fetches one due image and attaches it, telling its sender;
// false when none was due. A transient failure gives the image back for
// later; an unknown or expired media_id (40007) is told at once.
func (r *Router) FetchImage(ctx context.Context, f MediaFetcher) (bool, error) {
	im, err := storage.ClaimChatImage(ctx, r.DB, r.Now(), imageLease)
	if err != nil || im == nil {
		return false, err
	}
	fctx, cancel := context.WithTimeout(ctx, imageFetchTimeout)
	media, ferr := f.GetMedia(fctx, im.MediaID, documents.MaxBytes)
	cancel()
	var ae *bot.APIError
	transient := ferr != nil && !bot.IsInvalidMedia(ferr) && !errors.Is(ferr, bot.ErrMediaTooLarge)
	if transient && errors.As(ferr, &ae) && !ae.RateLimited() && ae.Code != -1 {
		// Another errcode (a revoked secret, a missing right) will not
		// mend by itself within the media's life; still tried a few times.
		transient = im.Attempts < 3
	}
	if transient && im.Attempts < imageMaxAttempts && r.Now().Before(im.SentAt.Add(bot.MediaLifetime)) {
		r.Log.WarnContext(ctx, "chat image not fetched; retrying", "media", im.MediaID, "attempt", im.Attempts, "err", ferr)
		next := r.Now().Add(time.Duration(1<<min(im.Attempts, 8)) * 5 * time.Second)
		return true, storage.RetryChatImage(ctx, r.DB, im.ID, next, ferr.Error())
	}
	p, ok := r.Roster.Person(im.UserID)
	if !ok {
		p = config.Person{UserID: im.UserID}
	}
	return true, r.Act(ctx, p, func(ctx context.Context, t *chat.Turn) error {
		return r.attachImage(ctx, t, im.ID, media, ferr)
	})
}

// attachImage stores a fetched image (or tells why not) and marks its row
// done, in one transaction: a crash before the commit leaves the row
// pending with nothing stored, after it the row is done.
func (r *Router) attachImage(ctx context.Context, t *chat.Turn, id int64, media *bot.Media, ferr error) error {
	im, err := storage.LockChatImage(ctx, t.Tx, id)
	if err != nil {
		return err
	}
	if im.Status != storage.ChatImagePending {
		return nil // another worker finished it while this one fetched
	}
	to := im.UserID
	fail := func(text string) error {
		why := text
		if ferr != nil {
			why = ferr.Error()
		}
		if err := storage.FinishChatImage(ctx, t.Tx, id, storage.ChatImageFailed, 0, why, t.Now); err != nil {
			return err
		}
		return r.Text(ctx, t, to, text)
	}
	tg, refusal, err := r.targetOf(ctx, t.Tx, t.Person, im.Kind, im.RecordID, t.Now)
	if err != nil {
		return err
	}
	upload := "请在办公桌上传：" + tg.link
	if tg.link == "" {
		upload = "如需补充材料，请在办公桌上传。"
	}
	switch {
	case refusal != "":
		return fail(refusal)
	case bot.IsInvalidMedia(ferr):
		return fail(fmt.Sprintf("您%s发送的图片已无法从企业微信取回（图片仅保存3天），未能附加到%s。%s",
			workflow.FormatDateTime(im.SentAt, r.Location), tg.label, upload))
	case errors.Is(ferr, bot.ErrMediaTooLarge):
		return fail("图片超过20MB，未能附加到" + tg.label + "。" + upload)
	case ferr != nil:
		return fail("抱歉，暂时未能从企业微信取回您发送的图片，未能附加到" + tg.label + "。" + upload)
	}
	if v, err := storage.VersionByMediaID(ctx, t.Tx, im.MediaID); err == nil {
		return storage.FinishChatImage(ctx, t.Tx, id, storage.ChatImageDone, v.ID, "", t.Now)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	sum := sha256.Sum256(media.Content)
	if v, err := storage.ChatImageLike(ctx, t.Tx, tg.kind, tg.id, sum[:]); err == nil {
		if err := storage.FinishChatImage(ctx, t.Tx, id, storage.ChatImageDone, v.ID, "", t.Now); err != nil {
			return err
		}
		return r.Text(ctx, t, to, fmt.Sprintf("这张图片已附加到%s的%s（%s），未重复保存。", tg.label, tg.where, v.Name))
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	ext := ".jpg"
	if bytes.HasPrefix(media.Content, []byte("\x89PNG")) {
		ext = ".png"
	}
	name, err := storage.FreeDocumentName(ctx, t.Tx, tg.kind, tg.id, "聊天图片_"+im.SentAt.In(r.Location).Format("20060102_150405"), ext)
	if err != nil {
		return err
	}
	typ, err := documents.Detect(name, media.Content)
	if text, ok := documents.IsRefusal(err); ok {
		if !strings.HasPrefix(media.ContentType, "image/jpeg") && !strings.HasPrefix(media.ContentType, "image/png") {
			text = "仅接受 JPG、PNG 格式的图片。"
		}
		return fail(text + "图片未附加到" + tg.label + "。其他文件" + upload)
	}
	if err != nil {
		return err
	}
	v, _, err := storage.AttachDocument(ctx, t.Tx, storage.NewDocumentVersion{Kind: tg.kind, RecordID: tg.id, Name: name,
		DeclaredType: media.ContentType, DetectedType: typ.MIME, Content: media.Content, Source: storage.DocSourceChat,
		MediaID: im.MediaID, By: to, At: t.Now, AuditEntityID: tg.entityID})
	if err != nil {
		return err
	}
	if err := storage.FinishChatImage(ctx, t.Tx, id, storage.ChatImageDone, v.ID, "", t.Now); err != nil {
		return err
	}
	return r.Text(ctx, t, to, fmt.Sprintf("图片已附加到%s的%s（%s）。在办公桌查看：%s", tg.label, tg.where, v.Name, tg.link))
}

// queryForm answers 「查询 编号」 for a form, and makes the form the
// record the person's images go to.
func (r *Router) queryForm(ctx context.Context, t *chat.Turn, arg string) error {
	if err := r.Forms.Query(ctx, t, arg); err != nil {
		return err
	}
	year, seq, ok := workflow.ParseSerial(arg)
	if !ok {
		return nil
	}
	f, err := storage.FormBySerial(ctx, t.Tx, year, seq)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	ds, err := storage.Decisions(ctx, t.Tx, f.ID)
	if err != nil || !r.Forms.MaySee(t.Person, f, ds) {
		return err
	}
	return storage.SetChatFocus(ctx, t.Tx, t.Person.UserID, storage.ChatFocus{Kind: storage.DocForm, RecordID: f.ID, At: t.Now})
}

// showOrderFocused answers 「工单 X」, and makes the order the record the
// person's images go to: orders take no documents, so an image sent next
// is refused rather than filed on a form opened before.
func (r *Router) showOrderFocused(ctx context.Context, t *chat.Turn, ticket string) error {
	if err := r.Orders.ShowOrder(ctx, t, ticket); err != nil {
		return err
	}
	c, err := storage.OrderByTicket(ctx, t.Tx, ticket)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return storage.SetChatFocus(ctx, t.Tx, t.Person.UserID, storage.ChatFocus{Kind: storage.FocusOrder, RecordID: c.ID, At: t.Now})
}

// showApplication answers 「申请 编号」, and makes the application the
// record the person's images go to.
func (r *Router) showApplication(ctx context.Context, t *chat.Turn, arg string) error {
	if err := r.Applications.Show(ctx, t, arg); err != nil {
		return err
	}
	year, seq, ok := applications.ParseNumber(strings.TrimSpace(arg))
	if !ok {
		return nil
	}
	a, err := storage.ApplicationBySerial(ctx, t.Tx, year, seq)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil || !r.Applications.MayView(a, t.Person) {
		return err
	}
	return storage.SetChatFocus(ctx, t.Tx, t.Person.UserID, storage.ChatFocus{Kind: storage.DocApplication, RecordID: a.ID, At: t.Now})
}
