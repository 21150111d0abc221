package letters

import "github.com/zwgk-bot/zwgk/workflow"

// The 救济 clause of a 答复书.
//
// Since 1 January 2024 the revised 行政复议法 (2023-09-01 修订) makes
// 行政复议 come first for a refusal to disclose. Its Art. 23 (text from
// LawRefBook/Laws, 诉讼与非诉讼程序法/行政复议法(2023-09-01).md):
//
//	第二十三条 有下列情形之一的，申请人应当先向行政复议机关申请行政复议，
//	对行政复议决定不服的，可以再依法向人民法院提起行政诉讼：
//	……
//	（四）申请政府信息公开，行政机关不予公开；
//	……
//	对前款规定的情形，行政机关在作出行政行为时应当告知公民、法人或者其他
//	组织先向行政复议机关申请行政复议。
//
// Para 2 is why the clause matters: a reply that falls under item (四)
// and offers the applicant a direct suit breaks it, and a suit filed on
// that advice is dismissed. The other periods:
//
//	行政复议法 第二十条 公民、法人或者其他组织认为行政行为侵犯其合法权益的，
//	可以自知道或者应当知道该行政行为之日起六十日内提出行政复议申请；但是
//	法律规定的申请期限超过六十日的除外。
//
//	行政诉讼法 第四十五条 公民、法人或者其他组织不服复议决定的，可以在收到
//	复议决定书之日起十五日内向人民法院提起诉讼。……
//
//	行政诉讼法 第四十六条 公民、法人或者其他组织直接向人民法院提起诉讼的，
//	应当自知道或者应当知道作出行政行为之日起六个月内提出。法律另有规定的
//	除外。
//
// (行政诉讼法 from LawRefBook/Laws, 诉讼与非诉讼程序法/行政诉讼法(2017-06-27).md.)

// PriorReview reports whether a reply of outcome o must tell the applicant
// to apply for 行政复议 before any suit (行政复议法 Art. 23 para 1 item (四)).
//
// The rule covers the replies that refuse, on the merits, to disclose
// information the bureau holds:
//   - 不予公开, every sub-row of table 三（三）: the national statistics
//     template itself counts them as 不予公开;
//   - 部分公开 (条例 Art. 37): the part withheld is refused on the same
//     grounds (条例 Arts. 14–16) as a 不予公开; the applicant who contests
//     the reply contests that refusal. Telling such an applicant to go to
//     review first costs at most a step; telling them they may sue at once
//     risks a dismissed suit and breaks Art. 23 para 2.
//
// It does not cover replies that decide nothing about disclosure: 予以公开,
// 无法提供 (the information does not exist, is another agency's, would
// have to be made, or the request is still unclear), 不予处理 and 其他处理
// (the request is not handled as one, or was abandoned). For these the
// applicant keeps the ordinary choice of review or suit.
func PriorReview(o workflow.Outcome) bool {
	return o == workflow.OutcomeWithhold || o == workflow.OutcomePartial
}

// remedyClause is the clause for outcome o, naming the bodies of r.
func remedyClause(o workflow.Outcome, r Remedy) string {
	if PriorReview(o) {
		return "如对本答复不服，根据《中华人民共和国行政复议法》第二十三条第一款第（四）项的规定，您应当先自收到本答复书之日起60日内向" +
			r.ReviewBody + "申请行政复议；对行政复议决定不服的，可以自收到行政复议决定书之日起15日内，依法向" +
			r.Court + "提起行政诉讼。"
	}
	return "如对本答复不服，您可以自收到本答复书之日起60日内向" + r.ReviewBody +
		"申请行政复议，也可以自收到本答复书之日起6个月内向" + r.Court + "提起行政诉讼。"
}
