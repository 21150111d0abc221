package applications

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/zwgk-bot/zwgk/applications/record"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/linksign"
	"github.com/zwgk-bot/zwgk/storage"
)

// recordLinkValidity is how long a link to the 办理审批表 works: as long as
// a letter's; 「申请 编号」 gives a fresh one.
const recordLinkValidity = letterLinkValidity

// recordSubject is what a 办理审批表's link signs, "record:{id}": that page
// only, so no letter's link opens it, nor it a letter.
func recordSubject(id int64) string { return "record:" + strconv.FormatInt(id, 10) }

// RecordPath is the address of an application's 办理审批表, without its
// signature.
func RecordPath(id int64) string { return "/applications/" + strconv.FormatInt(id, 10) + "/record" }

// SignRecordLink is the path and query of a 办理审批表, valid until exp.
func SignRecordLink(secret []byte, id int64, exp time.Time) string {
	e, sig := linksign.Sign(secret, recordSubject(id), exp)
	return RecordPath(id) + "?exp=" + e + "&sig=" + sig
}

// VerifyRecordLink checks a link made by SignRecordLink (linksign's
// errors).
func VerifyRecordLink(secret []byte, id int64, expParam, sigParam string, now time.Time) error {
	return linksign.Verify(secret, recordSubject(id), expParam, sigParam, now)
}

// recordLink is the signed address of a's 办理审批表.
func (b *Flow) recordLink(a *storage.Application, now time.Time) string {
	return b.PublicURL + SignRecordLink(b.LinkSecret, a.ID, now.Add(recordLinkValidity))
}

// recordLine is the 办理审批表's link on a line of its own, for 「申请 编号」:
// only the office and the leaders get it (the page shows the applicant's
// ID number and phone in full, and is for the case file); empty for
// anyone else.
func (b *Flow) recordLine(a *storage.Application, p config.Person, now time.Time) string {
	if !p.Has(config.RoleOffice) && !p.Has(config.RoleLeader) {
		return ""
	}
	return "\n办理审批表（可打印）：" + b.recordLink(a, now)
}

// ServeRecord answers GET /applications/{id}/record: the printable
// 政府信息公开申请办理审批表, for whoever holds a link signed by the bot (the
// office in 「申请 编号」, the reviewers on their cards). A bad link is 403,
// and so is an expired one, whose page says how to get a fresh one; an
// application that does not exist is 404.
func (b *Flow) ServeRecord(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		plain(w, http.StatusNotFound, "没有这件申请，请核对链接。")
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	if err := VerifyRecordLink(b.LinkSecret, id, q.Get("exp"), q.Get("sig"), b.Now()); err != nil {
		msg := "链接无效，请从企业微信消息中重新打开，或在企业微信中发送「申请 编号」获取新链接。"
		if errors.Is(err, linksign.ErrExpired) {
			// The signature is good: the id is ours, and the number can be named.
			number := "编号"
			if a, err := storage.ApplicationByID(ctx, b.DB, id); err == nil {
				number = a.Number()
			}
			msg = "链接已过期，请在企业微信中发送「申请 " + number + "」获取新链接。"
		}
		plain(w, http.StatusForbidden, msg)
		return
	}
	a, err := storage.ApplicationByID(ctx, b.DB, id)
	if errors.Is(err, storage.ErrNotFound) {
		plain(w, http.StatusNotFound, "没有这件申请。")
		return
	}
	if err != nil {
		b.Log.ErrorContext(ctx, "record page", "application", id, "err", err)
		plain(w, http.StatusInternalServerError, "系统繁忙，请稍后再试。")
		return
	}
	rec, err := b.recordOf(ctx, b.DB, a)
	if err != nil {
		b.Log.ErrorContext(ctx, "record page", "application", a.Number(), "err", err)
		plain(w, http.StatusInternalServerError, "系统繁忙，请稍后再试。")
		return
	}
	var buf bytes.Buffer
	if err := record.Render(&buf, rec); err != nil {
		b.Log.ErrorContext(ctx, "record page", "application", a.Number(), "err", err)
		plain(w, http.StatusInternalServerError, "办理审批表暂时无法生成，请联系系统管理员。")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(buf.Bytes())
}
