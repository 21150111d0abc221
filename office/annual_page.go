package office

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/zwgk-bot/zwgk/annualreport"
	"github.com/zwgk-bot/zwgk/linksign"
)

// AnnualLink is the signed address of year's printable 年度报告, valid for
// annualreport.LinkValidity from now: for 「年度报告 2026」 and the
// reminder to hand to the office (and nobody else: the page shows the
// drafts and the checks before anything is published).
func (b *Flow) AnnualLink(year int, now time.Time) string {
	return annualreport.Link(b.PublicURL, b.LinkSecret, year, now)
}

// ServeAnnual answers GET /annual/{year}?exp=…&sig=…: the printable
// 政府信息公开工作年度报告 of the year, as annualreport.Build assembles it
// now, for whoever holds a link the bot signed (it hands them to the
// office only, as the forms' and letters' pages are reached by their
// links). A link not signed for that year is 403; an expired one 410,
// saying how to get a fresh one; a year that is not one is 404.
func (b *Flow) ServeAnnual(w http.ResponseWriter, r *http.Request) {
	ys := r.PathValue("year")
	year, err := strconv.Atoi(ys)
	if err != nil || strconv.Itoa(year) != ys || year < annualreport.FirstYear || year > b.Now().In(b.Location).Year() {
		plain(w, http.StatusNotFound, "没有这一年度的报告，请核对链接。")
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	now := b.Now()
	switch err := annualreport.VerifyLink(b.LinkSecret, year, q.Get("exp"), q.Get("sig"), now); {
	case errors.Is(err, linksign.ErrExpired):
		plain(w, http.StatusGone, "链接已过期，请在企业微信中发送「年度报告 "+ys+"」获取新链接。")
		return
	case err != nil:
		plain(w, http.StatusForbidden, "链接无效，请从企业微信消息中重新打开，或发送「年度报告 "+ys+"」获取新链接。")
		return
	}
	rep, err := annualreport.Build(ctx, b.DB, year, b.Location)
	if err != nil {
		b.Log.ErrorContext(ctx, "annual report page", "year", year, "err", err)
		plain(w, http.StatusInternalServerError, "系统繁忙，请稍后再试。")
		return
	}
	info := annualreport.PageInfo{Bureau: b.Letters.Bureau, Generated: now, Loc: b.Location}
	if exp, err := strconv.ParseInt(q.Get("exp"), 10, 64); err == nil {
		info.Expires = time.Unix(exp, 0)
	}
	var buf bytes.Buffer
	if err := annualreport.RenderHTML(&buf, rep, info); err != nil {
		b.Log.ErrorContext(ctx, "annual report page", "year", year, "err", err)
		plain(w, http.StatusInternalServerError, "年度报告暂时无法生成，请联系系统管理员。")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(buf.Bytes())
}

// plain answers with a short text in Chinese.
func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(msg))
}
