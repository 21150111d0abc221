package applications

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/applications/letters"
	"github.com/zwgk-bot/zwgk/linksign"
	"github.com/zwgk-bot/zwgk/storage"
)

// letterLinkValidity is how long a letter's link works: as long as the
// 审批单's, time enough to print and deliver; 「申请 编号」 gives fresh ones.
const letterLinkValidity = 30 * 24 * time.Hour

// letterSubject is what a letter's link signs, "letter:{id}:{kind}:{n}":
// one letter, so a link to the 接收回执 opens no other letter of the case.
// A consultation's n is 1 when the address leaves it out.
func letterSubject(id int64, ref LetterRef) string {
	return "letter:" + strconv.FormatInt(id, 10) + ":" + string(ref.Kind) + ":" + strconv.Itoa(ref.N)
}

// LetterPath is the address of a letter, without its signature:
// /applications/{id}/letters/{kind}, and /{n} for a consultation after the
// first of its kind.
func LetterPath(id int64, ref LetterRef) string {
	p := "/applications/" + strconv.FormatInt(id, 10) + "/letters/" + string(ref.Kind)
	if ref.N > 1 {
		p += "/" + strconv.Itoa(ref.N)
	}
	return p
}

// SignLetterLink is the path and query of a letter's page, valid until exp.
func SignLetterLink(secret []byte, id int64, ref LetterRef, exp time.Time) string {
	e, sig := linksign.Sign(secret, letterSubject(id, ref), exp)
	return LetterPath(id, ref) + "?exp=" + e + "&sig=" + sig
}

// VerifyLetterLink checks a link made by SignLetterLink (linksign's errors).
func VerifyLetterLink(secret []byte, id int64, ref LetterRef, expParam, sigParam string, now time.Time) error {
	return linksign.Verify(secret, letterSubject(id, ref), expParam, sigParam, now)
}

// letterLink is the signed address of a's letter ref.
func (b *Flow) letterLink(a *storage.Application, ref LetterRef, now time.Time) string {
	return b.PublicURL + SignLetterLink(b.LinkSecret, a.ID, ref, now.Add(letterLinkValidity))
}

// letterLine is one letter's link on a line of its own, to add to a
// message: "\n补正告知书（可打印）：https://…".
func (b *Flow) letterLine(a *storage.Application, label string, ref LetterRef, now time.Time) string {
	return "\n" + label + "（可打印）：" + b.letterLink(a, ref, now)
}

// newConsultLine is the line of the 征求意见书 of the consultation just
// recorded: the last one of its kind.
func (b *Flow) newConsultLine(ctx context.Context, q storage.Queryer, a *storage.Application, now time.Time) (string, error) {
	src, err := b.loadLetterSource(ctx, q, a)
	if err != nil || len(src.Consults) == 0 {
		return "", err
	}
	last := src.Consults[len(src.Consults)-1]
	ref := LetterRef{Kind: consultKind(last)}
	for _, c := range src.Consults {
		if consultKind(c) == ref.Kind {
			ref.N++
		}
	}
	return b.letterLine(a, "征求意见书", ref, now), nil
}

// replyLine is the line of a's 答复书.
func (b *Flow) replyLine(a *storage.Application, now time.Time) string {
	return b.letterLine(a, "答复书", LetterRef{Kind: letters.KindReply}, now)
}

// lettersText lists the links of a's letters that exist, for 「申请
// 编号」: it ends the lookup's message, a link a line (a long message is
// split between lines, never inside a link).
func (b *Flow) lettersText(ctx context.Context, q storage.Queryer, a *storage.Application, now time.Time) (string, error) {
	src, err := b.loadLetterSource(ctx, q, a)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.WriteString("\n文书（点击打开，可打印）：")
	for _, ref := range b.existingLetters(src) {
		sb.WriteString("\n" + letterLabel(ref, src) + "：" + b.letterLink(a, ref, now))
	}
	return sb.String(), nil
}
