package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/zwgk-bot/zwgk/bot"
)

// StepConfirm is a wizard's step once every field is answered: the
// summary card with 提交 / 修改 / 取消.
const StepConfirm = "confirm"

// stepEdit is the step after 修改: which field to change.
const stepEdit = "edit"

// Wizard is the state of a conversation that fills in fields one at a
// time. A flow keeps it inside its own conversation state (embedded, so
// that its JSON stays flat).
type Wizard struct {
	Step string `json:"step,omitempty"`
	// Vals are the answers by field key. Keys starting with "_" hold a
	// partial answer (a date still waiting for its time); 上一步 drops them.
	Vals map[string]string `json:"vals,omitempty"`
	// CardTask is the only card of the wizard that may be clicked now, and
	// CardFor the step it asks.
	CardTask string `json:"card_task,omitempty"`
	CardFor  string `json:"card_for,omitempty"`
	// Back, set when one field is being changed from the summary (修改),
	// returns to the summary once it is answered.
	Back bool `json:"back,omitempty"`
}

// Field is one question of a wizard.
type Field struct {
	Key string
	// Label names the field in 修改's list: 标题.
	Label string
	// Ask is the question. It sees the wizard, to ask for the rest of a
	// partial answer.
	Ask func(t *Turn, w *Wizard) string
	// Desc is said under the question on a card.
	Desc string
	// Optional fields may be answered 跳过, which leaves them empty.
	Optional bool
	// Buttons, when set, make the question a card; a click answers with
	// the button's text. Typing an answer works as well.
	Buttons func() []bot.CardButton
	// Options, when set, make the question a vote card (several choices);
	// the answer is the chosen texts joined with 、.
	Options func(w *Wizard) []bot.CardOption
	// Check turns an answer into the value stored. Its error, a Wrong,
	// says what to fix and the question is asked again; any other error
	// fails the turn.
	Check func(t *Turn, w *Wizard, text string) (string, error)
	// Echo, when set, is said back after a good answer (a date with the
	// year it was taken for). Empty says nothing.
	Echo func(t *Turn, typed, value string) string
	// Then, when set, runs after a good answer. When it reports done, it
	// has answered the user itself and the wizard has ended.
	Then func(ctx context.Context, t *Turn, w *Wizard, value string) (done bool, err error)
	// Auto, when it reports true, fills the field without asking (the one
	// 公开栏目 there is).
	Auto func() (string, bool)
	// Show is the value as the user reads it in 「当前：…」.
	Show func(value string) string
}

// WizardSpec is one wizard: its fields and what it says.
type WizardSpec struct {
	Source string // the cards' source line: 政务公开
	Fields []Field
	// ShowTotal numbers the questions 第3/10步 instead of 第3步.
	ShowTotal bool
	// CardHint is a card question's description when its field has none.
	CardHint string
	// Summary builds the summary card's content; the wizard adds its task
	// and buttons. A Fix error sends the user back to that field.
	Summary func(ctx context.Context, t *Turn, w *Wizard) (bot.TemplateCard, error)
	// Submit acts on the confirmed answers; it ends the conversation.
	Submit func(ctx context.Context, t *Turn, w *Wizard) error
	// Save keeps w, inside the flow's conversation, once the turn commits.
	Save func(t *Turn, w *Wizard)
	// Ref, when set, is put at the end of the summary card's task id
	// ("d…-c" + Ref), so that a click on it after the conversation ended
	// can still say what became of it (SummaryRef).
	Ref string
	// The summary card's button keys.
	SubmitKey, EditKey, CancelKey string
	// SubmitText, when set, is the summary's submit button instead of 提交,
	// and typing it submits as 提交 does (确认: a record of what happened
	// elsewhere is confirmed, not submitted to anyone).
	SubmitText string
	// StartWords start this wizard anew; typed in the middle they are
	// answered with InProgress and the question again.
	StartWords []string
	// Texts.
	Cancelled   string // after 取消
	Help        string // after 帮助, before the question again
	InProgress  string
	EditAll     string // after 修改: every field is asked again with 保留
	ConfirmHint string // a text at the summary that is not 提交, 修改 or 取消
}

// Wrong is an answer to ask again: its message says what to fix (empty
// says nothing and just asks again).
type Wrong string

func (w Wrong) Error() string { return string(w) }

// Fix is a Summary error: the answers do not fit together and Field must
// be answered again; Msg says why.
type Fix struct{ Field, Msg string }

func (f Fix) Error() string { return f.Field + ": " + f.Msg }

const (
	wordSkip   = "跳过"
	wordHelp   = "帮助"
	wordSubmit = "提交"
	wordEdit   = "修改"
)

func (s *WizardSpec) field(key string) (int, *Field) {
	i := slices.IndexFunc(s.Fields, func(f Field) bool { return f.Key == key })
	if i < 0 {
		return -1, nil
	}
	return i, &s.Fields[i]
}

func (s *WizardSpec) auto(f *Field) (string, bool) {
	if f.Auto == nil {
		return "", false
	}
	return f.Auto()
}

// number is 第3步 or 第3/10步, counting only the questions asked.
func (s *WizardSpec) number(key string) string {
	n, total, found := 0, 0, false
	for i := range s.Fields {
		f := &s.Fields[i]
		if _, ok := s.auto(f); ok {
			continue
		}
		total++
		if !found {
			n++
			found = f.Key == key
		}
	}
	if s.ShowTotal {
		return fmt.Sprintf("第%d/%d步", n, total)
	}
	return fmt.Sprintf("第%d步", n)
}

// StartWizard asks the first question of a new wizard with prefilled
// values (nil for none).
func (b *Bot) StartWizard(ctx context.Context, t *Turn, s *WizardSpec, w *Wizard) error {
	if w.Vals == nil {
		w.Vals = map[string]string{}
	}
	w.Step = s.Fields[0].Key
	return b.AskWizard(ctx, t, s, w)
}

// AskWizard asks the question of w.Step (or shows the summary) and saves
// the wizard.
func (b *Bot) AskWizard(ctx context.Context, t *Turn, s *WizardSpec, w *Wizard) error {
	if w.Vals == nil {
		w.Vals = map[string]string{}
	}
	to := t.Person.UserID
	i, f := s.field(w.Step)
	for f != nil {
		v, ok := s.auto(f)
		if !ok {
			break
		}
		w.Vals[f.Key] = v
		w.Step = s.next(i)
		i, f = s.field(w.Step)
	}
	if w.Step == StepConfirm {
		return b.wizardSummary(ctx, t, s, w)
	}
	if f == nil {
		return fmt.Errorf("wizard: unknown step %q", w.Step)
	}
	keep := ""
	if cur := w.Vals[f.Key]; cur != "" {
		shown := cur
		if f.Show != nil {
			shown = f.Show(cur)
		}
		keep = "当前：" + Clip(shown, 60) + "（发送「保留」沿用）"
	}
	question := s.number(f.Key) + "：" + f.Ask(t, w)
	switch {
	case f.Buttons != nil:
		w.CardTask, w.CardFor = "d"+Nonce()+"-"+f.Key[:1], f.Key
		s.Save(t, w)
		return b.Card(ctx, t, bot.TemplateCard{
			CardType:   bot.CardButtonInteraction,
			Source:     &bot.CardSource{Desc: s.Source},
			MainTitle:  &bot.CardTitle{Title: question, Desc: joinLines(cmpOr(f.Desc, s.CardHint), keep)},
			TaskID:     w.CardTask,
			ButtonList: f.Buttons(),
		}, to)
	case f.Options != nil:
		w.CardTask, w.CardFor = "d"+Nonce()+"-"+f.Key[:1], f.Key
		s.Save(t, w)
		return b.Card(ctx, t, bot.TemplateCard{
			CardType:     bot.CardVoteInteraction,
			Source:       &bot.CardSource{Desc: s.Source},
			MainTitle:    &bot.CardTitle{Title: question, Desc: joinLines(cmpOr(f.Desc, s.CardHint), keep)},
			TaskID:       w.CardTask,
			Checkbox:     &bot.CardCheckbox{QuestionKey: f.Key, OptionList: f.Options(w), Mode: 1},
			SubmitButton: &bot.CardSubmit{Text: "确定", Key: f.Key + "_ok"},
		}, to)
	}
	w.CardTask, w.CardFor = "", ""
	s.Save(t, w)
	return b.Text(ctx, t, to, joinLines(question, keep))
}

func (b *Bot) wizardSummary(ctx context.Context, t *Turn, s *WizardSpec, w *Wizard) error {
	card, err := s.Summary(ctx, t, w)
	var fix Fix
	if errors.As(err, &fix) {
		w.Step = fix.Field
		if err := b.Text(ctx, t, t.Person.UserID, "请修改："+fix.Msg); err != nil {
			return err
		}
		return b.AskWizard(ctx, t, s, w)
	}
	if err != nil {
		return err
	}
	w.CardTask, w.CardFor = "d"+Nonce()+"-c"+s.Ref, StepConfirm
	s.Save(t, w)
	card.CardType = bot.CardButtonInteraction
	card.TaskID = w.CardTask
	card.ButtonList = []bot.CardButton{
		{Text: cmpOr(s.SubmitText, wordSubmit), Key: s.SubmitKey, Style: 1},
		{Text: "修改", Key: s.EditKey, Style: 2},
		{Text: "取消", Key: s.CancelKey, Style: 3},
	}
	return b.Card(ctx, t, card, t.Person.UserID)
}

// next is the step after field i.
func (s *WizardSpec) next(i int) string {
	if i+1 < len(s.Fields) {
		return s.Fields[i+1].Key
	}
	return StepConfirm
}

// back is the step before w.Step, passing over fields that fill
// themselves.
func (s *WizardSpec) back(step string) string {
	i, _ := s.field(step)
	if step == StepConfirm {
		i = len(s.Fields)
	}
	for j := i - 1; j >= 0; j-- {
		if _, ok := s.auto(&s.Fields[j]); !ok {
			return s.Fields[j].Key
		}
	}
	return step
}

func (w *Wizard) dropPartial() {
	for k := range w.Vals {
		if strings.HasPrefix(k, "_") {
			delete(w.Vals, k)
		}
	}
}

// WizardText handles a typed answer: the words every wizard knows (取消,
// 上一步, 保留, 跳过, 帮助, and at the summary 提交 and 修改), or an answer
// to the question asked.
func (b *Bot) WizardText(ctx context.Context, t *Turn, s *WizardSpec, w *Wizard, text string) error {
	to := t.Person.UserID
	if w.Vals == nil {
		w.Vals = map[string]string{}
	}
	switch text {
	case WordCancel:
		if err := b.closeLive(ctx, t, w, "已取消"); err != nil {
			return err
		}
		b.End(t)
		return b.Text(ctx, t, to, s.Cancelled)
	case WordBack:
		w.dropPartial()
		switch {
		case w.Step == stepEdit || w.Back:
			w.Step, w.Back = StepConfirm, false
		default:
			w.Step = s.back(w.Step)
		}
		return b.AskWizard(ctx, t, s, w)
	case wordHelp:
		if err := b.Text(ctx, t, to, s.Help); err != nil {
			return err
		}
		if w.CardFor != "" && w.CardFor == w.Step {
			return nil // the question's card is still there to answer
		}
		return b.AskWizard(ctx, t, s, w)
	}
	switch w.Step {
	case StepConfirm:
		switch {
		case text == wordSubmit || s.SubmitText != "" && text == s.SubmitText ||
			slices.Contains(s.StartWords, text) && strings.HasPrefix(text, wordSubmit):
			// 提交 (and 提交公开申请, the 审批单's own start words) is the
			// summary's 提交; another start word (登记, 登记申请) asks to
			// begin anew, which waits for this one to end.
			if err := b.closeLive(ctx, t, w, "已"+cmpOr(s.SubmitText, wordSubmit)); err != nil {
				return err
			}
			return s.Submit(ctx, t, w)
		case text == wordEdit:
			if err := b.closeLive(ctx, t, w, "修改中"); err != nil {
				return err
			}
			return b.editWizard(ctx, t, s, w)
		case slices.Contains(s.StartWords, text):
			return b.Text(ctx, t, to, s.InProgress+s.ConfirmHint)
		}
		// The summary card is still there to click: a hint, no new card.
		return b.Text(ctx, t, to, s.ConfirmHint)
	case stepEdit:
		return b.pickField(ctx, t, s, w, text)
	}
	if slices.Contains(s.StartWords, text) {
		if err := b.Text(ctx, t, to, s.InProgress); err != nil {
			return err
		}
		if w.CardFor == w.Step {
			return nil // the question's card is still there to answer
		}
		return b.AskWizard(ctx, t, s, w)
	}
	return b.answerWizard(ctx, t, s, w, text, true)
}

// editWizard answers 修改: the fields to choose from, or every field again.
func (b *Bot) editWizard(ctx context.Context, t *Turn, s *WizardSpec, w *Wizard) error {
	w.Step, w.Back = stepEdit, false
	w.CardTask, w.CardFor = "", ""
	s.Save(t, w)
	var sb strings.Builder
	sb.WriteString("请回复要修改的项目序号：")
	n := 0
	for i := range s.Fields {
		f := &s.Fields[i]
		if _, ok := s.auto(f); ok {
			continue
		}
		n++
		if n > 1 {
			sb.WriteString("，")
		}
		fmt.Fprintf(&sb, "%d %s", n, f.Label)
	}
	sb.WriteString("。回复「全部」逐项修改，回复「上一步」回到核对。")
	return b.Text(ctx, t, t.Person.UserID, sb.String())
}

// pickField takes the answer to editWizard's list: a number or a field's
// name asks that field again and comes back to the summary; 全部 walks
// every field with 保留.
func (b *Bot) pickField(ctx context.Context, t *Turn, s *WizardSpec, w *Wizard, text string) error {
	if text == "全部" || text == "逐项修改" {
		w.Step = s.Fields[0].Key
		if err := b.Text(ctx, t, t.Person.UserID, s.EditAll); err != nil {
			return err
		}
		return b.AskWizard(ctx, t, s, w)
	}
	n := 0
	choice, _ := strconv.Atoi(strings.TrimSpace(text))
	for i := range s.Fields {
		f := &s.Fields[i]
		if _, ok := s.auto(f); ok {
			continue
		}
		n++
		if n == choice || text == f.Label {
			w.Step, w.Back = f.Key, true
			return b.AskWizard(ctx, t, s, w)
		}
	}
	which := fmt.Sprintf(" 1 到 %d 的序号", n)
	if n == 1 {
		which = "序号 1"
	}
	if err := b.Text(ctx, t, t.Person.UserID, "请回复"+which+"，或「全部」；回复「上一步」回到核对。"); err != nil {
		return err
	}
	s.Save(t, w)
	return nil
}

// closeLive closes the wizard's live card, which a typed answer answered,
// with the code of its send: left clickable, it would look like a question
// still open.
func (b *Bot) closeLive(ctx context.Context, t *Turn, w *Wizard, label string) error {
	if w.CardTask == "" {
		return nil
	}
	task := w.CardTask
	w.CardTask, w.CardFor = "", ""
	return b.CloseCopies(ctx, t, []CardCopy{{TaskID: task, Holders: []string{t.Person.UserID}}}, "", "", "", "", label)
}

// answerWizard applies an answer to the current field and moves on.
// typed is false for a click on the question's card, which the click
// closes itself.
func (b *Bot) answerWizard(ctx context.Context, t *Turn, s *WizardSpec, w *Wizard, text string, typed bool) error {
	to := t.Person.UserID
	i, f := s.field(w.Step)
	if f == nil {
		return fmt.Errorf("wizard: unknown step %q", w.Step)
	}
	var v string
	switch {
	case text == WordKeep:
		w.dropPartial()
		if w.Vals[f.Key] == "" {
			if err := b.Text(ctx, t, to, "这一步还没有可沿用的内容，请直接填写。"); err != nil {
				return err
			}
			return b.AskWizard(ctx, t, s, w)
		}
		if typed && w.CardFor == f.Key {
			if err := b.closeLive(ctx, t, w, "已保留"); err != nil {
				return err
			}
		}
		w.Step = b.after(s, w, i)
		return b.AskWizard(ctx, t, s, w)
	case f.Optional && text == wordSkip:
	default:
		var err error
		v, err = f.Check(t, w, text)
		var wrong Wrong
		if errors.As(err, &wrong) {
			if wrong != "" {
				if err := b.Text(ctx, t, to, string(wrong)); err != nil {
					return err
				}
				if w.CardFor == f.Key {
					// Its card is still there to answer: no second one.
					s.Save(t, w)
					return nil
				}
			}
			return b.AskWizard(ctx, t, s, w)
		}
		if err != nil {
			return err
		}
	}
	if f.Then != nil {
		done, err := f.Then(ctx, t, w, v)
		if done || err != nil {
			return err
		}
	}
	if typed && w.CardFor == f.Key {
		shown := cmpOr(v, text)
		if f.Show != nil && v != "" {
			shown = f.Show(v)
		}
		if err := b.closeLive(ctx, t, w, "已回复："+Clip(shown, 14)); err != nil {
			return err
		}
	}
	w.Vals[f.Key] = v
	w.dropPartial()
	if f.Echo != nil {
		if e := f.Echo(t, text, v); e != "" {
			if err := b.Text(ctx, t, to, e); err != nil {
				return err
			}
		}
	}
	w.Step = b.after(s, w, i)
	return b.AskWizard(ctx, t, s, w)
}

// after is the step once field i is answered: the next one, or the
// summary when it was changed from there.
func (b *Bot) after(s *WizardSpec, w *Wizard, i int) string {
	if w.Back {
		w.Back = false
		return StepConfirm
	}
	return s.next(i)
}

// WizardClick handles a click on one of the wizard's cards: only the
// newest may be used.
func (b *Bot) WizardClick(ctx context.Context, t *Turn, s *WizardSpec, w *Wizard) error {
	m := t.Msg
	to := t.Person.UserID
	if w == nil || m.TaskID != w.CardTask {
		return b.Text(ctx, t, to, MsgCardExpired)
	}
	if w.Vals == nil {
		w.Vals = map[string]string{}
	}
	if w.Step == StepConfirm {
		switch m.EventKey {
		case s.SubmitKey:
			if err := b.ReplaceButton(ctx, t, to, "已"+cmpOr(s.SubmitText, wordSubmit)); err != nil {
				return err
			}
			return s.Submit(ctx, t, w)
		case s.EditKey:
			if err := b.ReplaceButton(ctx, t, to, "修改中"); err != nil {
				return err
			}
			return b.editWizard(ctx, t, s, w)
		case s.CancelKey:
			if err := b.ReplaceButton(ctx, t, to, "已取消"); err != nil {
				return err
			}
			b.End(t)
			return b.Text(ctx, t, to, s.Cancelled)
		}
		return b.Text(ctx, t, to, MsgCardUnknown)
	}
	_, f := s.field(w.Step)
	switch {
	case f != nil && f.Buttons != nil:
		for _, btn := range f.Buttons() {
			if btn.Key == m.EventKey {
				if err := b.ReplaceButton(ctx, t, to, "已选择："+Clip(btn.Text, 20)); err != nil {
					return err
				}
				return b.answerWizard(ctx, t, s, w, btn.Text, false)
			}
		}
	case f != nil && f.Options != nil && m.EventKey == f.Key+"_ok":
		var chosen []string
		for _, o := range f.Options(w) {
			if slices.Contains(m.Selected(f.Key), o.ID) {
				chosen = append(chosen, o.Text)
			}
		}
		answer := strings.Join(chosen, "、")
		if answer != "" {
			if err := b.ReplaceButton(ctx, t, to, "已选择："+Clip(answer, 20)); err != nil {
				return err
			}
		}
		return b.answerWizard(ctx, t, s, w, answer, false)
	}
	return b.Text(ctx, t, to, MsgCardUnknown)
}

// SummaryRef is the Ref in a wizard's summary card task id; false for
// other tasks.
func SummaryRef(task string) (string, bool) {
	if !strings.HasPrefix(task, "d") {
		return "", false
	}
	_, ref, ok := strings.Cut(task, "-c")
	return ref, ok && ref != ""
}

func joinLines(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
