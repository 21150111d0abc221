package desk

import (
	"net/http"
	"strconv"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/webauth"
)

// recordBlocks are the parts of a record's page only some kinds have: the
// order's and the application's actions, an application's letters.
type recordBlocks struct {
	Links       []chat.PageLink // 文书: an application's letters, signed
	LinksNote   string
	Order       *orderActions
	Application *applicationActions
}

// pageID reads a record page's id; false answers 404 naming what.
func pageID(w http.ResponseWriter, r *http.Request, what string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		webauth.Refuse(w, http.StatusNotFound, "未找到", "没有找到该"+what+"，请返回办公桌核对。")
		return 0, false
	}
	return id, true
}

// answerAction answers an action posted from a record's page with its
// outcome: done, the page again by its address (post/redirect/get: a
// reload posts nothing); refused, the page again with why (rerender),
// with the status that says how.
func answerAction(w http.ResponseWriter, r *http.Request, res chat.PageResult, done string, rerender func(status int)) {
	status := http.StatusOK
	switch res.Outcome {
	case chat.PageDecided:
		http.Redirect(w, r, done, http.StatusSeeOther)
		return
	case chat.PageNotFound:
		webauth.Refuse(w, http.StatusNotFound, "未找到", res.Text)
		return
	case chat.PageForbidden:
		webauth.Refuse(w, http.StatusForbidden, "操作未执行", res.Text)
		return
	case chat.PageStale:
		status = http.StatusConflict
	case chat.PageBadInput:
		status = http.StatusBadRequest
	}
	rerender(status)
}
