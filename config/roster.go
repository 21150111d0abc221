package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// ExampleRoster is roster.example.yaml: a valid roster of an invented
// district bureau, used by the demo and as documentation of the format.
//
//go:embed roster.example.yaml
var ExampleRoster []byte

// Role is a duty a person holds in the disclosure workflow.
type Role string

// Roles of the disclosure workflow (政务信息公开发布审批单).
const (
	RoleOffice     Role = "office"     // 办公室审核: reviews requests for the office
	RolePublisher  Role = "publisher"  // 办公室发布: publishes approved information
	RoleLeader     Role = "leader"     // 主要负责人: approves major items
	RoleSupervisor Role = "supervisor" // 纪检监督: oversees the process
)

// Roles lists every known role.
func Roles() []Role {
	return []Role{RoleOffice, RolePublisher, RoleLeader, RoleSupervisor}
}

// defaultColumns are the 公开栏目 used when the roster lists none.
var defaultColumns = []string{"环境保护"}

// Person is a member of the bureau.
type Person struct {
	UserID  string // WeCom userid
	Name    string // display name
	Section string // section name; empty only for a leader or supervisor
	Roles   []Role
}

// Has reports whether p holds role r.
func (p Person) Has(r Role) bool { return slices.Contains(p.Roles, r) }

// Section is a 股室 of the bureau.
type Section struct {
	Name string
	Head string // userid of the 股室负责人
}

// Roster is the validated organisation of the bureau. It must be treated as
// read-only once parsed; it is then safe for concurrent use.
//
// WeCom userids are case-insensitive, so lookups by userid ignore case; the
// returned Person carries the spelling of the roster file.
type Roster struct {
	Sections []Section
	People   []Person
	Columns  []string // 公开栏目 choices, never empty

	personIndex  map[string]int // lower-cased userid -> index in People
	sectionIndex map[string]int // name -> index in Sections
}

// LoadRoster reads and validates the roster file at path. A validation
// error is a *ValidationError wrapping ErrInvalidRoster whose lines read
// "path:line: problem".
func LoadRoster(path string) (*Roster, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read roster: %w", err)
	}
	return parseRoster(data, path)
}

// ParseRoster parses and validates a roster. A validation error is a
// *ValidationError wrapping ErrInvalidRoster, with one line per problem of
// the form "roster line N: problem".
func ParseRoster(data []byte) (*Roster, error) {
	return parseRoster(data, "")
}

// Person returns the person with the given userid, ignoring case.
func (r *Roster) Person(userID string) (Person, bool) {
	if r == nil {
		return Person{}, false
	}
	i, ok := r.personIndex[strings.ToLower(userID)]
	if !ok {
		return Person{}, false
	}
	return clonePerson(r.People[i]), true
}

// Section returns the section with the given name.
func (r *Roster) Section(name string) (Section, bool) {
	if r == nil {
		return Section{}, false
	}
	i, ok := r.sectionIndex[name]
	if !ok {
		return Section{}, false
	}
	return r.Sections[i], true
}

// HeadOf returns the head (股室负责人) of the named section.
func (r *Roster) HeadOf(section string) (Person, bool) {
	s, ok := r.Section(section)
	if !ok {
		return Person{}, false
	}
	return r.Person(s.Head)
}

// WithRole returns the people holding role, in file order.
func (r *Roster) WithRole(role Role) []Person {
	if r == nil {
		return nil
	}
	var out []Person
	for _, p := range r.People {
		if p.Has(role) {
			out = append(out, clonePerson(p))
		}
	}
	return out
}

// Members returns the people of the named section, in file order.
func (r *Roster) Members(section string) []Person {
	if r == nil || section == "" {
		return nil
	}
	var out []Person
	for _, p := range r.People {
		if p.Section == section {
			out = append(out, clonePerson(p))
		}
	}
	return out
}

func clonePerson(p Person) Person {
	p.Roles = slices.Clone(p.Roles)
	return p
}

// userIDPattern is WeCom's rule for userids: 1 to 64 letters, digits,
// "_", "-", "." or "@", starting with a letter or digit.
var userIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$`)

// yamlLine extracts the line from yaml.v3 error messages such as
// "yaml: line 3: mapping values are not allowed in this context".
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

type problem struct {
	line int
	msg  string
}

type rosterParser struct {
	problems []problem
}

func (p *rosterParser) add(line int, format string, args ...any) {
	if line < 1 {
		line = 1
	}
	p.problems = append(p.problems, problem{line, fmt.Sprintf(format, args...)})
}

// error returns nil or a *ValidationError listing the problems by line.
func (p *rosterParser) error(file string) error {
	if len(p.problems) == 0 {
		return nil
	}
	sort.SliceStable(p.problems, func(i, j int) bool {
		return p.problems[i].line < p.problems[j].line
	})
	lines := make([]string, len(p.problems))
	for i, pr := range p.problems {
		if file != "" {
			lines[i] = file + ":" + strconv.Itoa(pr.line) + ": " + pr.msg
		} else {
			lines[i] = "roster line " + strconv.Itoa(pr.line) + ": " + pr.msg
		}
	}
	return &ValidationError{Problems: lines, kind: ErrInvalidRoster}
}

// yamlError records a syntax error reported by yaml.v3.
func (p *rosterParser) yamlError(err error) {
	msg := strings.TrimSpace(err.Error())
	for _, m := range strings.Split(msg, "\n") {
		m = strings.TrimSpace(m)
		if m == "" || m == "yaml: unmarshal errors:" {
			continue
		}
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			n, _ := strconv.Atoi(sm[1])
			p.add(n, "%s", sm[2])
			continue
		}
		// yaml.v3 omits the line for problems on line 1.
		p.add(1, "%s", strings.TrimPrefix(m, "yaml: "))
	}
}

// entry is one key/value pair of a YAML mapping.
type entry struct {
	key   string
	line  int // line of the key
	value *yaml.Node
}

// resolve follows aliases. It never returns nil: a missing node is an
// empty node of kind 0, which isNull reports as null.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil {
		return &yaml.Node{}
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n.Kind == 0 || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// mapping returns the entries of a mapping node, reporting keys that are
// not in allowed or appear twice. what names the mapping in messages.
func (p *rosterParser) mapping(n *yaml.Node, what string, allowed ...string) (map[string]entry, bool) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, "%s must be a mapping with keys %s", what, strings.Join(allowed, ", "))
		return nil, false
	}
	out := make(map[string]entry, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.add(k.Line, "%s: keys must be strings", what)
			continue
		}
		if !slices.Contains(allowed, k.Value) {
			p.add(k.Line, "%s: unknown key %q (want %s)", what, k.Value, strings.Join(allowed, ", "))
			continue
		}
		if prev, dup := out[k.Value]; dup {
			p.add(k.Line, "%s: duplicate key %q (first at line %d)", what, k.Value, prev.line)
			continue
		}
		out[k.Value] = entry{key: k.Value, line: k.Line, value: v}
	}
	return out, true
}

// str returns the trimmed string value of a scalar entry ("" for null or a
// missing entry) and the line to report problems about it.
func (p *rosterParser) str(e entry, ok bool, what string, fallbackLine int) (string, int) {
	if !ok {
		return "", fallbackLine
	}
	v := resolve(e.value)
	if isNull(v) {
		return "", e.line
	}
	if v.Kind != yaml.ScalarNode {
		p.add(v.Line, "%s: %s must be a string", what, e.key)
		return "", v.Line
	}
	return strings.TrimSpace(v.Value), v.Line
}

// seq returns the items of a sequence entry (nil for null or a missing
// entry).
func (p *rosterParser) seq(e entry, ok bool, what string) []*yaml.Node {
	if !ok || isNull(e.value) {
		return nil
	}
	v := resolve(e.value)
	if v.Kind != yaml.SequenceNode {
		p.add(v.Line, "%s must be a list", what)
		return nil
	}
	return v.Content
}

type parsedSection struct {
	Section
	label    string
	line     int // line of the section item
	headLine int
}

type parsedPerson struct {
	Person
	label       string
	line        int // line of the person item
	sectionLine int
}

func parseRoster(data []byte, file string) (*Roster, error) {
	p := &rosterParser{}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	err := dec.Decode(&doc)
	switch {
	case errors.Is(err, io.EOF):
		p.add(1, "roster is empty")
	case err != nil:
		p.yamlError(err)
		return nil, p.error(file)
	default:
		var extra yaml.Node
		if err := dec.Decode(&extra); err == nil {
			p.add(extra.Line, "more than one YAML document; remove the second \"---\"")
		} else if !errors.Is(err, io.EOF) {
			p.yamlError(err)
		}
	}

	var top map[string]entry
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if !isNull(root) {
		top, _ = p.mapping(root, "top level", "sections", "people", "columns")
	} else if err == nil {
		p.add(1, "roster is empty")
	}

	r := &Roster{
		personIndex:  map[string]int{},
		sectionIndex: map[string]int{},
	}

	// Sections.
	var sections []parsedSection
	e, ok := top["sections"]
	for i, item := range p.seq(e, ok, "sections") {
		item = resolve(item)
		label := itemLabel(item, "section", "name", i)
		m, ok := p.mapping(item, label, "name", "head")
		if !ok {
			continue
		}
		name, nameLine := p.str2(m, "name", label, item.Line)
		head, headLine := p.str2(m, "head", label, item.Line)
		switch {
		case name == "":
			p.add(nameLine, "%s: empty name", label)
		default:
			if j, dup := r.sectionIndex[name]; dup {
				p.add(nameLine, "%s: duplicate section name (first at line %d)", label, sections[j].line)
				name = "" // keep the first one
			}
		}
		if head == "" {
			p.add(headLine, "%s: empty head; set head to the userid of the section's head", label)
		}
		if name != "" {
			r.sectionIndex[name] = len(sections)
		}
		sections = append(sections, parsedSection{Section{Name: name, Head: head}, label, item.Line, headLine})
	}

	// People.
	var people []parsedPerson
	peopleLine := 1
	e, ok = top["people"]
	if ok {
		peopleLine = e.line
	}
	for i, item := range p.seq(e, ok, "people") {
		item = resolve(item)
		label := itemLabel(item, "person", "userid", i)
		m, ok := p.mapping(item, label, "userid", "name", "section", "roles")
		if !ok {
			continue
		}
		userID, idLine := p.str2(m, "userid", label, item.Line)
		name, nameLine := p.str2(m, "name", label, item.Line)
		section, sectionLine := p.str2(m, "section", label, item.Line)

		valid := true
		switch {
		case userID == "":
			p.add(idLine, "%s: empty userid", label)
			valid = false
		case !userIDPattern.MatchString(userID):
			p.add(idLine, "%s: invalid userid: want 1 to 64 letters, digits, _ - . or @, starting with a letter or digit", label)
			valid = false
		}
		if valid {
			if j, dup := r.personIndex[strings.ToLower(userID)]; dup {
				p.add(idLine, "%s: duplicate userid (first at line %d; userids ignore case)", label, people[j].line)
				valid = false
			}
		}
		switch n := utf8.RuneCountInString(name); {
		case n == 0:
			p.add(nameLine, "%s: empty name", label)
		case n > 64:
			p.add(nameLine, "%s: name longer than 64 characters", label)
		}

		var roles []Role
		re, rok := m["roles"]
		for _, rn := range p.seq(re, rok, label+": roles") {
			rn = resolve(rn)
			if rn.Kind != yaml.ScalarNode || isNull(rn) {
				p.add(rn.Line, "%s: each role must be a string", label)
				continue
			}
			role := Role(strings.TrimSpace(rn.Value))
			switch {
			case !slices.Contains(Roles(), role):
				p.add(rn.Line, "%s: unknown role %q (want office, publisher, leader or supervisor)", label, role)
			case slices.Contains(roles, role):
				p.add(rn.Line, "%s: duplicate role %q", label, role)
			default:
				roles = append(roles, role)
			}
		}

		person := parsedPerson{Person{UserID: userID, Name: name, Section: section, Roles: roles}, label, item.Line, sectionLine}
		if valid {
			r.personIndex[strings.ToLower(userID)] = len(people)
		}
		people = append(people, person)
	}

	// Columns.
	var columns []string
	e, ok = top["columns"]
	for _, cn := range p.seq(e, ok, "columns") {
		cn = resolve(cn)
		if cn.Kind != yaml.ScalarNode || isNull(cn) {
			p.add(cn.Line, "columns: each column must be a non-empty string")
			continue
		}
		c := strings.TrimSpace(cn.Value)
		switch {
		case c == "":
			p.add(cn.Line, "columns: empty column name")
		case slices.Contains(columns, c):
			p.add(cn.Line, "columns: duplicate column %q", c)
		default:
			columns = append(columns, c)
		}
	}
	if len(columns) == 0 {
		columns = slices.Clone(defaultColumns)
	}

	// Cross references.
	for i := range sections {
		s := &sections[i]
		if s.Head == "" {
			continue
		}
		j, ok := r.personIndex[strings.ToLower(s.Head)]
		if !ok {
			p.add(s.headLine, "%s: head %q is not a person in people", s.label, s.Head)
			continue
		}
		s.Head = people[j].UserID // the roster's spelling
	}
	for _, pp := range people {
		label := pp.label
		switch {
		case pp.Section == "":
			if !pp.Has(RoleLeader) && !pp.Has(RoleSupervisor) {
				p.add(pp.sectionLine, "%s: empty section; only a leader or supervisor may have no section", label)
			}
		default:
			if _, ok := r.sectionIndex[pp.Section]; !ok {
				p.add(pp.sectionLine, "%s: unknown section %q", label, pp.Section)
			}
		}
	}
	for _, role := range []Role{RoleLeader, RoleOffice, RolePublisher} {
		if !slices.ContainsFunc(people, func(pp parsedPerson) bool { return pp.Has(role) }) {
			p.add(peopleLine, "no person with role %s", role)
		}
	}

	if err := p.error(file); err != nil {
		return nil, err
	}
	for _, s := range sections {
		r.Sections = append(r.Sections, s.Section)
	}
	for _, pp := range people {
		r.People = append(r.People, pp.Person)
	}
	r.Columns = columns
	return r, nil
}

// itemLabel names the i-th item of a list in messages: `person "lisi"` when
// the item has a non-empty string under key, else "person #3".
func itemLabel(item *yaml.Node, what, key string, i int) string {
	item = resolve(item)
	if item.Kind == yaml.MappingNode {
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, v := resolve(item.Content[j]), resolve(item.Content[j+1])
			if k.Kind == yaml.ScalarNode && k.Value == key && v.Kind == yaml.ScalarNode && !isNull(v) {
				if s := strings.TrimSpace(v.Value); s != "" {
					return fmt.Sprintf("%s %q", what, s)
				}
			}
		}
	}
	return fmt.Sprintf("%s #%d", what, i+1)
}

// str2 is str for the key of mapping m.
func (p *rosterParser) str2(m map[string]entry, key, what string, fallbackLine int) (string, int) {
	e, ok := m[key]
	return p.str(e, ok, what, fallbackLine)
}
