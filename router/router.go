// Package router decides which flow handles each message, click and
// command, and says what the bot offers: the app menu, 帮助, the greeting.
// It is the one place that knows every flow; the flows know only chat.
package router

import (
	"context"
	"fmt"
	"strings"

	"github.com/zwgk-bot/zwgk/applications"
	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/forms"
	"github.com/zwgk-bot/zwgk/office"
	"github.com/zwgk-bot/zwgk/orders"
	"github.com/zwgk-bot/zwgk/storage"
)

// Router implements bot.Receiver over the flows.
type Router struct {
	*chat.Bot
	Forms        *forms.Flow
	Orders       *orders.Flow
	Applications *applications.Flow
	Office       *office.Flow
	// ImagesQueued, when set, is called after a turn queued an image to
	// fetch (FetchImage), to wake the worker that fetches them.
	ImagesQueued func()
}

// New wires the flows over b, which they share.
func New(b *chat.Bot, calendarExtra []byte) *Router {
	b.Wizards = append([]string{forms.KindDraft, orders.KindRegister}, applications.Kinds...)
	b.Commands, b.Joined = commandWords(), joinedWords()
	r := &Router{
		Bot:          b,
		Forms:        &forms.Flow{Bot: b},
		Orders:       &orders.Flow{Bot: b},
		Applications: &applications.Flow{Bot: b},
	}
	r.Applications.Orders = r.Orders
	r.Office = &office.Flow{Bot: b, CalendarExtra: calendarExtra,
		Deadlines: []office.DeadlineFiller{r.Forms.FillDeadlines, r.Orders.FillDeadlines}}
	return r
}

// Receive implements bot.Receiver.
func (r *Router) Receive(ctx context.Context, m *bot.Message) error {
	return r.Bot.Receive(ctx, m, r.dispatch)
}

func (r *Router) dispatch(ctx context.Context, t *chat.Turn) error {
	m := t.Msg
	p, ok := r.Roster.Person(m.FromUserName)
	if !ok {
		return r.refuseStranger(ctx, t)
	}
	t.Person = p
	s, expired, err := r.LoadSession(ctx, t)
	if err != nil {
		return err
	}
	if expired != "" && (m.MsgType == bot.MsgText || m.Event == bot.EventTemplateCard || m.Event == bot.EventClick) {
		r.End(t) // told once
		if expired == forms.KindDraft {
			note := fmt.Sprintf("您的草稿因超过%d分钟未操作已失效，请发送「提交」重新填写。", int(r.Sessions.TTL().Minutes()))
			if err := r.Text(ctx, t, p.UserID, note); err != nil {
				return err
			}
			if m.MsgType == bot.MsgText && !r.IsCommand(strings.TrimSpace(m.Content)) || m.Event == bot.EventTemplateCard {
				return nil // an answer to the lost draft: nothing more to do
			}
		}
	}
	switch {
	case m.MsgType == bot.MsgText:
		return r.onText(ctx, t, s, strings.TrimSpace(m.Content))
	case m.MsgType == bot.MsgImage:
		return r.onImage(ctx, t, s)
	case m.MsgType == bot.MsgEvent && m.Event == bot.EventClick:
		return r.onMenu(ctx, t, s, m.EventKey)
	case m.MsgType == bot.MsgEvent && m.Event == bot.EventEnterAgent:
		return r.onEnter(ctx, t)
	case m.MsgType == bot.MsgEvent && m.Event == bot.EventTemplateCard:
		return r.onCard(ctx, t, s)
	case m.MsgType == bot.MsgEvent:
		// Other events (view, location, ...) need no answer.
		return nil
	default:
		return r.Text(ctx, t, p.UserID, chat.MsgUnsupported)
	}
}

// onCard sends a click to the flow whose card it is, by the task_id's
// first letter: d a conversation's own card, f a form's, o an order's, a an
// application's, c a calendar year's.
func (r *Router) onCard(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	task := t.Msg.TaskID
	switch {
	case strings.HasPrefix(task, "d") && s != nil && s.Kind == orders.KindRegister:
		return r.Orders.OnRegisterCard(ctx, t, s)
	case strings.HasPrefix(task, "d") && s != nil && applications.Owns(s.Kind):
		return r.Applications.OnWizardCard(ctx, t, s)
	case strings.HasPrefix(task, "a"):
		return r.Applications.OnCard(ctx, t, s)
	case strings.HasPrefix(task, "d"):
		return r.Forms.OnWizardCard(ctx, t, s)
	case strings.HasPrefix(task, "o"):
		return r.Orders.OnOrderCard(ctx, t, s)
	case strings.HasPrefix(task, "f"):
		return r.Forms.OnFormCard(ctx, t, s)
	case strings.HasPrefix(task, "c"):
		return r.Office.OnCalendarCard(ctx, t)
	}
	return r.Text(ctx, t, t.Person.UserID, chat.MsgCardUnknown)
}

func (r *Router) onText(ctx context.Context, t *chat.Turn, s *chat.Session, text string) error {
	if s != nil {
		for _, converse := range []func(context.Context, *chat.Turn, *chat.Session, string) (bool, error){
			r.Forms.Converse, r.Orders.Converse, r.Applications.Converse, r.Office.Converse,
		} {
			if handled, err := converse(ctx, t, s, text); handled || err != nil {
				return err
			}
		}
		if s.Kind == forms.KindPublish {
			s = nil // the publisher's reference gave way to a command
		}
	}
	if handled, err := r.command(ctx, t, s, text); handled || err != nil {
		return err
	}
	// A greeting before what is asked (「你好，我要提交」) is passed over;
	// a greeting before anything else is answered as one.
	if rest, ok := cutGreeting(text); ok {
		if handled, err := r.command(ctx, t, s, rest); handled || err != nil {
			return err
		}
		return r.onGreet(ctx, t, s)
	}
	if strings.HasPrefix(text, "依申请") {
		if _, _, ok := applications.ParseNumber(text); ok {
			return r.showApplication(ctx, t, text) // a number alone: look it up
		}
	}
	return r.Text(ctx, t, t.Person.UserID, chat.MsgNotUnderstood)
}

func (r *Router) onMenu(ctx context.Context, t *chat.Turn, s *chat.Session, key string) error {
	switch key {
	case MenuHelp:
		return r.help(ctx, t)
	case MenuSubmit:
		return r.Forms.StartDraft(ctx, t, s)
	case MenuTodo:
		return r.todo(ctx, t)
	case MenuQuery:
		return r.Text(ctx, t, t.Person.UserID, "请发送「查询 编号」查看审批单的办理过程，如：查询 公开审〔2026〕1号；发送「工单 工单号」查看12345工单。发送「我的申请」查看您提交的全部申请。")
	case MenuRegister:
		return r.Orders.StartRegister(ctx, t, s)
	case MenuApplication:
		return r.Applications.Start(ctx, t, s)
	}
	return r.Text(ctx, t, t.Person.UserID, chat.MsgMenuUnknown)
}

func (r *Router) onEnter(ctx context.Context, t *chat.Turn) error {
	first, err := storage.FirstGreeting(ctx, t.Tx, t.Person.UserID, r.Now().In(r.Location))
	if err != nil || !first {
		return err
	}
	return r.Text(ctx, t, t.Person.UserID, fmt.Sprintf(msgGreeting, t.Person.Name))
}

func (r *Router) help(ctx context.Context, t *chat.Turn) error {
	return r.Text(ctx, t, t.Person.UserID, helpText(t.Person))
}

// refuseStranger answers someone who is not on the roster, naming whom to
// ask. On entering the app it does so once a day, not on every visit.
func (r *Router) refuseStranger(ctx context.Context, t *chat.Turn) error {
	m := t.Msg
	if m.MsgType == bot.MsgEvent && m.Event != bot.EventClick && m.Event != bot.EventTemplateCard {
		if m.Event != bot.EventEnterAgent {
			return nil
		}
		first, err := storage.FirstGreeting(ctx, t.Tx, m.FromUserName, r.Now().In(r.Location))
		if err != nil || !first {
			return err
		}
	}
	return r.Text(ctx, t, m.FromUserName, strangerText(r.Roster))
}
