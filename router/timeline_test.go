package router

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zwgk-bot/zwgk/applications"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/forms"
	"github.com/zwgk-bot/zwgk/orders"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// sentencer is what each flow's timeline has: one sentence per audited
// action.
type sentencer interface {
	Sentence(e storage.AuditEntry) (who, what string, ok bool)
}

// TestEveryAuditedActionHasASentence reads every storage.Audit call of the
// module and checks that each action written on a form or an order has
// its sentence in that flow's timeline, in words: a new action without
// one fails here, before a user reads its code in 查询 or 工单.
func TestEveryAuditedActionHasASentence(t *testing.T) {
	roster, err := config.ParseRoster(config.ExampleRoster)
	if err != nil {
		t.Fatal(err)
	}
	b := &chat.Bot{Roster: roster, Location: workflow.DefaultCalendar().Location()}
	flows := map[string]sentencer{
		storage.EntityForm:        &forms.Flow{Bot: b},
		storage.EntityOrder:       &orders.Flow{Bot: b},
		storage.EntityApplication: &applications.Flow{Bot: b},
	}
	audited := auditedActions(t, "..")
	for _, want := range []string{"form:submit", "form:approve", "form:mp_notice_queued", "form:deadline", "order:register", "order:visit", "order:mp_answer_queued", "application:register"} {
		entity, action, _ := strings.Cut(want, ":")
		if _, ok := audited[entity][action]; !ok {
			t.Fatalf("the scan of storage.Audit calls did not find %s; it finds %v", want, audited)
		}
	}
	// A detail with every key each flow writes, so that a sentence missing
	// one of its details (a dash) or showing a code stands out.
	rich := map[string]map[string]any{
		storage.EntityForm: {"stage": "section", "version": 2, "reason": "材料不全", "platform": "政府网站", "reference": "第12期",
			"from": "review", "deadline": "2027-01-20", "mode": "template", "recipients": 3, "serial": "公开审〔2026〕1号",
			"checks": []string{"state_secret", "commercial_secret", "privacy"}, "conclusion": "clear"},
		storage.EntityOrder: {"source": "chat", "section": "综合一股", "due": "2026-12-05T23:59:59+08:00",
			"accept_due": "2026-11-30T17:30:00+08:00", "from": "综合一股", "to": "综合二股", "reason": "不属本股室职责",
			"handler": "lina", "finding": "属实", "until": "2026-12-20T23:59:59+08:00", "visit": "满意", "openid": "oAbc",
			"number": "依申请〔2026〕1号"},
		storage.EntityApplication: {"source": "chat", "channel": "当面", "received": "2026-11-27", "due": "2026-12-25",
			"section": "综合一股", "ticket": "2026112800001", "reason": "材料不全", "from": "综合一股", "handler": "lina",
			"items": "身份证明", "on": "2026-12-03", "party": "某化工有限公司", "sent": "2026-12-04", "answer": "不同意公开",
			"days": 10, "outcome": "withhold", "round": 1, "stage": "office", "how": "邮寄", "tracking": "1234567890123",
			"supplement_due": "2026-12-22", "kind": "review", "filed": "2026-12-20", "result": "upheld", "decided": "2027-01-05"},
	}
	code := regexp.MustCompile(`[A-Za-z_]`)
	for entity, actions := range audited {
		f, ok := flows[entity]
		if !ok {
			continue // not shown to users as a timeline
		}
		for action, where := range actions {
			for _, detail := range []any{nil, rich[entity]} {
				raw, _ := json.Marshal(detail)
				who, what, ok := f.Sentence(storage.AuditEntry{Actor: "zhangwei", Action: action, Entity: entity, Detail: raw})
				line := who + what
				switch {
				case !ok:
					t.Errorf("%s %q (audited at %s) has no sentence: add one to the %s flow's Sentence", entity, action, where, entity)
				case code.MatchString(line):
					t.Errorf("%s %q: %q shows a code", entity, action, line)
				case !strings.HasSuffix(line, "。") && action != "publish_reference":
					t.Errorf("%s %q: %q is not a sentence", entity, action, line)
				case detail != nil && strings.Contains(line, "—"):
					t.Errorf("%s %q: %q lacks a detail it was given", entity, action, line)
				default:
					continue
				}
				break
			}
		}
	}
	// What the system does is said as what happened, by nobody.
	for _, e := range []storage.AuditEntry{
		{Actor: "system", Action: "mp_notice_queued", Entity: storage.EntityForm},
		{Actor: "scheduler", Action: "deadline", Entity: storage.EntityForm},
		{Actor: "system", Action: "mp_answer_skipped", Entity: storage.EntityOrder},
	} {
		who, what, _ := flows[e.Entity].Sentence(e)
		if who != "" || code.MatchString(what) {
			t.Errorf("%s %s by %s: %q %q", e.Entity, e.Action, e.Actor, who, what)
		}
	}
}

// auditedActions reads the module's Go files (not tests) under root and
// returns, by entity, each action a storage.Audit call writes and where.
// An action that is not a literal is followed to what it can be: the
// literals assigned to its variable in the function, or every constant of
// its type (workflow.OrderAction, workflow.Verdict). What it cannot follow
// fails the test, to be taught here.
func auditedActions(t *testing.T, root string) map[string]map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	type file struct {
		pkg string
		f   *ast.File
	}
	var files []file
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files = append(files, file{f.Name.Name, f})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Typed string constants: by package and name, and by type.
	consts := map[string]string{}    // "workflow.OrderAccept" → "accept"
	byType := map[string][]string{}  // "workflow.OrderAction" → values
	constType := map[string]string{} // "workflow.OrderAccept" → "workflow.OrderAction"
	for _, fl := range files {
		for _, decl := range fl.f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, _ := strconv.Unquote(lit.Value)
					key := fl.pkg + "." + name.Name
					consts[key] = v
					if id, ok := vs.Type.(*ast.Ident); ok {
						typ := fl.pkg + "." + id.Name
						constType[key] = typ
						byType[typ] = append(byType[typ], v)
					}
				}
			}
		}
	}
	qualified := func(pkg string, e ast.Expr) (string, bool) {
		switch e := e.(type) {
		case *ast.Ident:
			return pkg + "." + e.Name, true
		case *ast.SelectorExpr:
			if x, ok := e.X.(*ast.Ident); ok {
				return x.Name + "." + e.Sel.Name, true
			}
		}
		return "", false
	}

	out := map[string]map[string]string{}
	for _, fl := range files {
		for _, decl := range fl.f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			// values follows an expression to the strings it can be.
			var values func(e ast.Expr, depth int) []string
			values = func(e ast.Expr, depth int) []string {
				if depth > 4 {
					return nil
				}
				switch e := e.(type) {
				case *ast.BasicLit:
					if v, err := strconv.Unquote(e.Value); err == nil {
						return []string{v}
					}
				case *ast.CallExpr: // string(x) or T(x)
					if len(e.Args) != 1 {
						return nil
					}
					if id, ok := e.Fun.(*ast.Ident); ok && id.Name == "string" {
						return values(e.Args[0], depth+1)
					}
					if q, ok := qualified(fl.pkg, e.Fun); ok && len(byType[q]) > 0 {
						return byType[q]
					}
				case *ast.SelectorExpr:
					if q, ok := qualified(fl.pkg, e); ok {
						if typ, ok := constType[q]; ok {
							return byType[typ] // a variable set to one constant may be set to any
						}
						if v, ok := consts[q]; ok {
							return []string{v}
						}
					}
				case *ast.Ident:
					if typ, ok := constType[fl.pkg+"."+e.Name]; ok {
						return byType[typ]
					}
					if v, ok := consts[fl.pkg+"."+e.Name]; ok {
						return []string{v}
					}
					var vs []string
					for _, field := range fn.Type.Params.List {
						for _, n := range field.Names {
							if n.Name != e.Name {
								continue
							}
							if q, ok := qualified(fl.pkg, field.Type); ok {
								vs = append(vs, byType[q]...)
							}
						}
					}
					ast.Inspect(fn.Body, func(n ast.Node) bool {
						as, ok := n.(*ast.AssignStmt)
						if !ok || len(as.Lhs) != len(as.Rhs) {
							return true
						}
						for i, l := range as.Lhs {
							if id, ok := l.(*ast.Ident); ok && id.Name == e.Name {
								vs = append(vs, values(as.Rhs[i], depth+1)...)
							}
						}
						return true
					})
					return vs
				}
				return nil
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) < 6 {
					return true
				}
				q, ok := qualified(fl.pkg, call.Fun)
				if !ok || q != "storage.Audit" {
					return true
				}
				where := fset.Position(call.Pos()).String()
				entities := values(call.Args[4], 0)
				if len(entities) != 1 {
					t.Errorf("%s: cannot tell the entity of this storage.Audit call; teach auditedActions", where)
					return true
				}
				if entities[0] != storage.EntityForm && entities[0] != storage.EntityOrder && entities[0] != storage.EntityApplication {
					return true // no timeline a user reads
				}
				actions := values(call.Args[3], 0)
				if len(actions) == 0 {
					t.Errorf("%s: cannot tell which actions this storage.Audit call writes; teach auditedActions", where)
					return true
				}
				m := out[entities[0]]
				if m == nil {
					m = map[string]string{}
					out[entities[0]] = m
				}
				for _, a := range actions {
					if _, ok := m[a]; !ok {
						m[a] = where
					}
				}
				return true
			})
		}
	}
	return out
}

// TestAuditScanFollowsVariables checks the scan on the shapes of call it
// must follow, so that TestEveryAuditedActionHasASentence cannot pass by
// finding nothing.
func TestAuditScanFollowsVariables(t *testing.T) {
	got := auditedActions(t, "..")
	var orderActions, verdicts []string
	for a := range got[storage.EntityOrder] {
		orderActions = append(orderActions, a)
	}
	for a := range got[storage.EntityForm] {
		verdicts = append(verdicts, a)
	}
	for _, a := range []workflow.OrderAction{workflow.OrderAccept, workflow.OrderGrantExtend, workflow.OrderDenyExtend, workflow.OrderVisit} {
		if !slices.Contains(orderActions, string(a)) {
			t.Errorf("order actions %v lack %s (from string(action))", orderActions, a)
		}
	}
	for _, v := range []string{"resubmit", string(workflow.VerdictEscalate), string(workflow.VerdictReject), string(workflow.VerdictSelf)} {
		if !slices.Contains(verdicts, v) {
			t.Errorf("form actions %v lack %s", verdicts, v)
		}
	}
	if testing.Verbose() {
		fmt.Println("audited:", got)
	}
}
