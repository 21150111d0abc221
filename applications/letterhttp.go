package applications

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/zwgk-bot/zwgk/applications/letters"
	"github.com/zwgk-bot/zwgk/linksign"
	"github.com/zwgk-bot/zwgk/storage"
)

// ServeLetter answers GET /applications/{id}/letters/{kind} and
// /applications/{id}/letters/{kind}/{n}: the printable letter, for whoever
// holds a link signed by the bot (the office and those involved get them
// in WeCom). A bad link is 403, and so is an expired one, whose page says
// how to get a fresh one; a letter the application does not have (yet) is
// 404; one that cannot be made for want of a setting or of something the
// register does not record says which (503, 409).
func (b *Flow) ServeLetter(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	kind := letters.Kind(r.PathValue("kind"))
	if err != nil || id <= 0 || !slices.Contains(letters.Kinds(), kind) {
		plain(w, http.StatusNotFound, "没有这份文书，请核对链接。")
		return
	}
	ref := LetterRef{Kind: kind}
	consult := kind == letters.KindConsultParty || kind == letters.KindConsultAgency
	if consult {
		ref.N = 1
	}
	if ns := r.PathValue("n"); ns != "" {
		n, err := strconv.Atoi(ns)
		if !consult || err != nil || strconv.Itoa(n) != ns || n < 1 {
			plain(w, http.StatusNotFound, "没有这份文书，请核对链接。")
			return
		}
		ref.N = n
	}
	ctx := r.Context()
	q := r.URL.Query()
	if err := VerifyLetterLink(b.LinkSecret, id, ref, q.Get("exp"), q.Get("sig"), b.Now()); err != nil {
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
		b.Log.ErrorContext(ctx, "letter page", "application", id, "kind", kind, "err", err)
		plain(w, http.StatusInternalServerError, "系统繁忙，请稍后再试。")
		return
	}
	src, err := b.loadLetterSource(ctx, b.DB, a)
	if err != nil {
		b.Log.ErrorContext(ctx, "letter page", "application", a.Number(), "kind", kind, "err", err)
		plain(w, http.StatusInternalServerError, "系统繁忙，请稍后再试。")
		return
	}
	l, err := b.buildLetter(src, ref)
	var gap *letterGap
	switch {
	case errors.Is(err, ErrNoLetter):
		plain(w, http.StatusNotFound, a.Number()+notYet(kind))
		return
	case errors.As(err, &gap):
		status := http.StatusConflict
		if gap.Config {
			status = http.StatusServiceUnavailable
		}
		plain(w, status, a.Number()+"的"+letterLabel(ref, src)+"无法生成："+gap.Why+"。请联系综合办公室或系统管理员。")
		return
	case err != nil:
		b.Log.ErrorContext(ctx, "letter page", "application", a.Number(), "kind", kind, "err", err)
		plain(w, http.StatusInternalServerError, "系统繁忙，请稍后再试。")
		return
	}
	var buf bytes.Buffer
	if err := letters.Render(&buf, l); err != nil {
		b.Log.ErrorContext(ctx, "letter page", "application", a.Number(), "kind", kind, "err", err)
		plain(w, http.StatusInternalServerError, "该文书暂时无法生成，请联系系统管理员。")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(buf.Bytes())
}

// notYet says why an application has no letter of kind.
func notYet(kind letters.Kind) string {
	switch kind {
	case letters.KindSupplement:
		return " 未告知补正，没有补正告知书。"
	case letters.KindExtension:
		return " 未延期答复，没有延期答复告知书。"
	case letters.KindConsultParty, letters.KindConsultAgency:
		return " 没有这份征求意见书。"
	case letters.KindReply:
		return " 的答复尚未审定，答复书尚未形成。"
	}
	return " 没有这份文书。"
}

// plain answers with a short text page.
func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(status)
	w.Write([]byte(msg))
}
