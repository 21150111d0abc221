package applications

import (
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// MayAttach reports whether p may upload a document of kind
// (storage.DocApplication: the letter, the ID copy; storage.DocReply: the
// reply and its annexes) to a: while it is open, the office any kind (it
// registers and sends), the registrar the application's papers, and the
// handler and the section's head the reply they draft. Whoever may look a
// up (MayView) reads them.
func (b *Flow) MayAttach(a *storage.Application, p config.Person, kind string) bool {
	if workflow.ApplicationState(a.State) == workflow.ApplicationClosed {
		return false
	}
	if p.Has(config.RoleOffice) {
		return true
	}
	switch kind {
	case storage.DocApplication:
		return p.UserID == a.Registrar
	case storage.DocReply:
		if p.UserID == a.Handler && a.Handler != "" {
			return true
		}
		head, ok := b.Roster.HeadOf(a.Section)
		return ok && a.Section != "" && head.UserID == p.UserID
	}
	return false
}
