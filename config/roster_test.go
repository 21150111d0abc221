package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// baseRoster is a minimal valid roster; the comments give line numbers.
const baseRoster = `sections:
  - name: 办公室
    head: boss
  - name: 一股
    head: staff
people:
  - userid: boss
    name: 老板
    section: 办公室
    roles: [leader, office, publisher]
  - userid: staff
    name: 职员
    section: 一股
`

// Line numbers in baseRoster.
// 1 sections:          6 people:            11 - userid: staff
// 2   - name: 办公室    7   - userid: boss    12   name: 职员
// 3     head: boss     8     name: 老板       13   section: 一股
// 4   - name: 一股      9     section: 办公室   14 (first appended line)
// 5     head: staff    10    roles: [...]

func rosterProblems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		t.Fatal("got nil error, want one")
	}
	if !errors.Is(err, ErrInvalidRoster) {
		t.Errorf("errors.Is(err, ErrInvalidRoster) = false for %v", err)
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T is not a *ValidationError: %v", err, err)
	}
	if got := strings.Join(ve.Problems, "\n"); got != err.Error() {
		t.Errorf("Error() = %q, want the problems one per line %q", err.Error(), got)
	}
	return ve.Problems
}

func TestExampleRoster(t *testing.T) {
	t.Parallel()
	r, err := ParseRoster(ExampleRoster)
	if err != nil {
		t.Fatalf("ParseRoster(ExampleRoster): %v", err)
	}

	var sections []string
	for _, s := range r.Sections {
		sections = append(sections, s.Name)
	}
	if want := []string{"综合办公室", "综合一股", "综合二股", "环境监察室"}; !slices.Equal(sections, want) {
		t.Errorf("sections = %v, want %v", sections, want)
	}
	if want := []string{"环境保护"}; !slices.Equal(r.Columns, want) {
		t.Errorf("columns = %v, want %v", r.Columns, want)
	}

	for _, name := range sections {
		head, ok := r.HeadOf(name)
		if !ok {
			t.Errorf("section %s has no head", name)
			continue
		}
		if head.Section != name {
			t.Errorf("head %s of %s belongs to section %q", head.UserID, name, head.Section)
		}
		members := r.Members(name)
		if len(members) < 2 || len(members) > 3 {
			t.Errorf("section %s has %d members, want a head and 1-2 staff", name, len(members))
		}
		if !slices.ContainsFunc(members, func(p Person) bool { return p.UserID == head.UserID }) {
			t.Errorf("Members(%s) lacks its head %s", name, head.UserID)
		}
	}

	leaders := r.WithRole(RoleLeader)
	if len(leaders) != 1 {
		t.Errorf("leaders = %v, want one", leaders)
	}
	office := r.WithRole(RoleOffice)
	if len(office) != 2 {
		t.Fatalf("office reviewers = %v, want two", office)
	}
	officeHead, _ := r.HeadOf("综合办公室")
	if !officeHead.Has(RoleOffice) {
		t.Errorf("head of 综合办公室 %s lacks role office", officeHead.UserID)
	}
	for _, p := range office {
		if p.Section != "综合办公室" {
			t.Errorf("office reviewer %s is in section %q", p.UserID, p.Section)
		}
	}
	publishers := r.WithRole(RolePublisher)
	if len(publishers) != 1 || publishers[0].Section != "综合办公室" {
		t.Errorf("publishers = %v, want one in 综合办公室", publishers)
	}
	if len(r.WithRole(RoleSupervisor)) != 1 {
		t.Errorf("supervisors = %v, want one", r.WithRole(RoleSupervisor))
	}

	// Invented names only: none of the people named in the seed regulation.
	for _, real := range []string{"乔世辉", "刘佳楠", "王坤鹏", "布东方", "孙凤婷", "马超", "马 超", "王琦", "王 琦", "郑毅", "郑 毅", "王琳"} {
		if strings.Contains(string(ExampleRoster), real) {
			t.Errorf("example roster names a real person: %s", real)
		}
	}
	for _, p := range r.People {
		if !userIDPattern.MatchString(p.UserID) || strings.ToLower(p.UserID) != p.UserID {
			t.Errorf("userid %q is not a lower-case ascii userid", p.UserID)
		}
	}
}

func TestRosterLookups(t *testing.T) {
	t.Parallel()
	r, err := ParseRoster([]byte(baseRoster + `  - userid: Li.Si@x_y-z
    name: 李四
    section: 一股
    roles: [office]
  - userid: jijian
    name: 纪检
    roles: [supervisor]
`))
	if err != nil {
		t.Fatalf("ParseRoster: %v", err)
	}

	p, ok := r.Person("STAFF")
	if !ok || p.UserID != "staff" || p.Name != "职员" || p.Section != "一股" || len(p.Roles) != 0 {
		t.Errorf("Person(STAFF) = %+v, %v", p, ok)
	}
	if p, ok := r.Person("li.si@x_y-z"); !ok || p.UserID != "Li.Si@x_y-z" || !p.Has(RoleOffice) || p.Has(RoleLeader) {
		t.Errorf("Person(li.si@x_y-z) = %+v, %v", p, ok)
	}
	if _, ok := r.Person("nobody"); ok {
		t.Error("Person(nobody) found")
	}
	if s, ok := r.Section("一股"); !ok || s != (Section{Name: "一股", Head: "staff"}) {
		t.Errorf("Section(一股) = %+v, %v", s, ok)
	}
	if _, ok := r.Section("二股"); ok {
		t.Error("Section(二股) found")
	}
	if h, ok := r.HeadOf("办公室"); !ok || h.UserID != "boss" {
		t.Errorf("HeadOf(办公室) = %+v, %v", h, ok)
	}
	if _, ok := r.HeadOf("二股"); ok {
		t.Error("HeadOf(二股) found")
	}
	ids := func(ps []Person) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.UserID)
		}
		return out
	}
	if got, want := ids(r.Members("一股")), []string{"staff", "Li.Si@x_y-z"}; !slices.Equal(got, want) {
		t.Errorf("Members(一股) = %v, want %v", got, want)
	}
	if got := r.Members(""); got != nil {
		t.Errorf("Members(\"\") = %v, want nil", got)
	}
	if got, want := ids(r.WithRole(RoleOffice)), []string{"boss", "Li.Si@x_y-z"}; !slices.Equal(got, want) {
		t.Errorf("WithRole(office) = %v, want %v", got, want)
	}
	if got, want := ids(r.WithRole(RoleSupervisor)), []string{"jijian"}; !slices.Equal(got, want) {
		t.Errorf("WithRole(supervisor) = %v, want %v", got, want)
	}

	// Returned people do not share memory with the roster.
	boss, _ := r.Person("boss")
	boss.Roles[0] = "changed"
	if again, _ := r.Person("boss"); again.Roles[0] != RoleLeader {
		t.Error("Person returns a Roles slice shared with the roster")
	}

	// A nil roster finds nothing.
	var nilRoster *Roster
	if _, ok := nilRoster.Person("boss"); ok {
		t.Error("nil roster found a person")
	}
	if nilRoster.WithRole(RoleLeader) != nil || nilRoster.Members("一股") != nil {
		t.Error("nil roster returned people")
	}
}

func TestRosterColumns(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		yaml string
		want []string
	}{
		{baseRoster, []string{"环境保护"}},
		{baseRoster + "columns: []\n", []string{"环境保护"}},
		{baseRoster + "columns:\n", []string{"环境保护"}},
		{baseRoster + "columns: [环境保护, 政策解读]\n", []string{"环境保护", "政策解读"}},
	} {
		r, err := ParseRoster([]byte(tt.yaml))
		if err != nil {
			t.Errorf("ParseRoster: %v", err)
			continue
		}
		if !slices.Equal(r.Columns, tt.want) {
			t.Errorf("columns = %v, want %v", r.Columns, tt.want)
		}
	}
}

func TestRosterValidSpecialCases(t *testing.T) {
	t.Parallel()
	for name, yaml := range map[string]string{
		"supervisor without section": baseRoster + "  - userid: jijian\n    name: 纪检\n    section: \"\"\n    roles: [supervisor]\n",
		"leader without section":     strings.Replace(baseRoster, "    section: 办公室\n", "", 1),
		"null roles":                 baseRoster + "    roles:\n",
		"64-char userid":             baseRoster + "  - userid: " + strings.Repeat("a", 64) + "\n    name: 长\n    section: 一股\n",
		"anchors and aliases": `sections:
  - name: &office 办公室
    head: boss
people:
  - userid: boss
    name: 老板
    section: *office
    roles: [leader, office, publisher]
`,
	} {
		if _, err := ParseRoster([]byte(yaml)); err != nil {
			t.Errorf("%s: ParseRoster: %v", name, err)
		}
	}
}

func TestRosterProblems(t *testing.T) {
	t.Parallel()
	replace := func(old, new string) string {
		if !strings.Contains(baseRoster, old) {
			panic("baseRoster lacks " + old)
		}
		return strings.Replace(baseRoster, old, new, 1)
	}
	const roleList = " (want office, publisher, leader or supervisor)"
	const userIDRule = "invalid userid: want 1 to 64 letters, digits, _ - . or @, starting with a letter or digit"
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		// The line is yaml.v3's: that of the enclosing block.
		{"syntax error", baseRoster + "   bad: indent\n", []string{
			"roster line 6: did not find expected '-' indicator"}},
		{"unclosed quote", baseRoster + "columns: ['环境保护]\n", []string{
			"roster line 14: found unexpected end of stream"}},
		{"tab indentation", "sections:\n\t- name: x\n", []string{
			"roster line 2: found character that cannot start any token"}},
		{"empty", "", []string{
			"roster line 1: roster is empty",
			"roster line 1: no person with role leader",
			"roster line 1: no person with role office",
			"roster line 1: no person with role publisher"}},
		{"top level not a mapping", "- boss\n", []string{
			"roster line 1: top level must be a mapping with keys sections, people, columns",
			"roster line 1: no person with role leader",
			"roster line 1: no person with role office",
			"roster line 1: no person with role publisher"}},
		{"two documents", baseRoster + "---\nsections: []\n", []string{
			`roster line 14: more than one YAML document; remove the second "---"`}},
		{"unknown top-level key", baseRoster + "colums: [环境保护]\n", []string{
			`roster line 14: top level: unknown key "colums" (want sections, people, columns)`}},
		{"duplicate top-level key", baseRoster + "sections: []\n", []string{
			`roster line 14: top level: duplicate key "sections" (first at line 1)`}},
		{"sections not a list", replace("sections:\n  - name: 办公室\n    head: boss\n  - name: 一股\n    head: staff\n", "sections: 办公室\n\n\n\n\n"), []string{
			"roster line 1: sections must be a list",
			`roster line 9: person "boss": unknown section "办公室"`,
			`roster line 13: person "staff": unknown section "一股"`}},
		{"unknown section key", replace("    head: staff\n", "    haed: staff\n"), []string{
			`roster line 4: section "一股": empty head; set head to the userid of the section's head`,
			`roster line 5: section "一股": unknown key "haed" (want name, head)`}},
		{"empty section name", replace("  - name: 一股\n", "  - name: \"\"\n"), []string{
			`roster line 4: section #2: empty name`,
			`roster line 13: person "staff": unknown section "一股"`}},
		{"missing section name", replace("  - name: 一股\n    head: staff\n", "  - head: staff\n\n"), []string{
			`roster line 4: section #2: empty name`,
			`roster line 13: person "staff": unknown section "一股"`}},
		{"duplicate section name", replace("  - name: 一股\n", "  - name: 办公室\n"), []string{
			`roster line 4: section "办公室": duplicate section name (first at line 2)`,
			`roster line 13: person "staff": unknown section "一股"`}},
		{"head not a person", replace("    head: staff\n", "    head: nobody\n"), []string{
			`roster line 5: section "一股": head "nobody" is not a person in people`}},
		{"empty head", replace("    head: staff\n", "    head:\n"), []string{
			`roster line 5: section "一股": empty head; set head to the userid of the section's head`}},
		{"unknown person key", baseRoster + "    rolse: [office]\n", []string{
			`roster line 14: person "staff": unknown key "rolse" (want userid, name, section, roles)`}},
		{"duplicate person key", baseRoster + "    name: 职员二\n", []string{
			`roster line 14: person "staff": duplicate key "name" (first at line 12)`}},
		{"person not a mapping", baseRoster + "  - lisi\n", []string{
			`roster line 14: person #3 must be a mapping with keys userid, name, section, roles`}},
		{"empty userid", baseRoster + "  - userid: \"\"\n    name: 某人\n    section: 一股\n", []string{
			`roster line 14: person #3: empty userid`}},
		{"missing userid", baseRoster + "  - name: 某人\n    section: 一股\n", []string{
			`roster line 14: person #3: empty userid`}},
		{"empty name", baseRoster + "  - userid: lisi\n    name: \"  \"\n    section: 一股\n", []string{
			`roster line 15: person "lisi": empty name`}},
		{"missing name", baseRoster + "  - userid: lisi\n    section: 一股\n", []string{
			`roster line 14: person "lisi": empty name`}},
		{"name not a string", baseRoster + "  - userid: lisi\n    name: [李, 四]\n    section: 一股\n", []string{
			`roster line 15: person "lisi": name must be a string`,
			`roster line 15: person "lisi": empty name`}},
		{"duplicate userid", baseRoster + "  - userid: Staff\n    name: 职员二\n    section: 一股\n", []string{
			`roster line 14: person "Staff": duplicate userid (first at line 11; userids ignore case)`}},
		{"non-ascii userid", baseRoster + "  - userid: 李四\n    name: 李四\n    section: 一股\n", []string{
			`roster line 14: person "李四": ` + userIDRule}},
		{"userid starting with a dash", baseRoster + "  - userid: \"-lisi\"\n    name: 李四\n    section: 一股\n", []string{
			`roster line 14: person "-lisi": ` + userIDRule}},
		{"userid with a space", baseRoster + "  - userid: li si\n    name: 李四\n    section: 一股\n", []string{
			`roster line 14: person "li si": ` + userIDRule}},
		{"65-char userid", baseRoster + "  - userid: " + strings.Repeat("a", 65) + "\n    name: 长\n    section: 一股\n", []string{
			`roster line 14: person "` + strings.Repeat("a", 65) + `": ` + userIDRule}},
		{"unknown section", baseRoster + "  - userid: lisi\n    name: 李四\n    section: 综合三股\n", []string{
			`roster line 16: person "lisi": unknown section "综合三股"`}},
		{"empty section", baseRoster + "  - userid: lisi\n    name: 李四\n    section: \"\"\n    roles: [office]\n", []string{
			`roster line 16: person "lisi": empty section; only a leader or supervisor may have no section`}},
		{"missing section", baseRoster + "  - userid: lisi\n    name: 李四\n", []string{
			`roster line 14: person "lisi": empty section; only a leader or supervisor may have no section`}},
		{"unknown role", baseRoster + "    roles:\n      - office\n      - admin\n", []string{
			`roster line 16: person "staff": unknown role "admin"` + roleList}},
		{"role with wrong case", baseRoster + "    roles: [Office]\n", []string{
			`roster line 14: person "staff": unknown role "Office"` + roleList}},
		{"duplicate role", baseRoster + "    roles: [office, office]\n", []string{
			`roster line 14: person "staff": duplicate role "office"`}},
		{"roles not a list", baseRoster + "    roles: office\n", []string{
			`roster line 14: person "staff": roles must be a list`}},
		{"no leader", replace("[leader, office, publisher]", "[office, publisher]"), []string{
			"roster line 6: no person with role leader"}},
		{"no office", replace("[leader, office, publisher]", "[leader, publisher]"), []string{
			"roster line 6: no person with role office"}},
		{"no publisher", replace("[leader, office, publisher]", "[leader, office]"), []string{
			"roster line 6: no person with role publisher"}},
		{"no roles at all", replace("    roles: [leader, office, publisher]\n", "\n"), []string{
			"roster line 6: no person with role leader",
			"roster line 6: no person with role office",
			"roster line 6: no person with role publisher"}},
		{"bad columns", baseRoster + "columns: [环境保护, \"\", 环境保护, [x]]\n", []string{
			`roster line 14: columns: empty column name`,
			`roster line 14: columns: duplicate column "环境保护"`,
			`roster line 14: columns: each column must be a non-empty string`}},
		{"several problems", `sections:
  - name: 综合一股
    head: zhangsan
  - name: 综合一股
    head: nobody
people:
  - userid: zhangsan
    name: 张三
    section: 综合一股
    roles: [leader, offcie]
  - userid: lisi
    name: 李四
    section: 综合三股
    role: [publisher]
  - userid: ZhangSan
    name:
    section: 综合一股
`, []string{
			`roster line 4: section "综合一股": duplicate section name (first at line 2)`,
			`roster line 5: section "综合一股": head "nobody" is not a person in people`,
			`roster line 6: no person with role office`,
			`roster line 6: no person with role publisher`,
			`roster line 10: person "zhangsan": unknown role "offcie"` + roleList,
			`roster line 13: person "lisi": unknown section "综合三股"`,
			`roster line 14: person "lisi": unknown key "role" (want userid, name, section, roles)`,
			`roster line 15: person "ZhangSan": duplicate userid (first at line 7; userids ignore case)`,
			`roster line 16: person "ZhangSan": empty name`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := ParseRoster([]byte(tt.yaml))
			if r != nil {
				t.Errorf("ParseRoster returned a roster with an error")
			}
			got := rosterProblems(t, err)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestLoadRoster(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	good := filepath.Join(dir, "roster.yaml")
	if err := os.WriteFile(good, ExampleRoster, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := LoadRoster(good)
	if err != nil {
		t.Fatalf("LoadRoster: %v", err)
	}
	if len(r.People) == 0 {
		t.Error("LoadRoster: no people")
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(baseRoster+"  - userid: lisi\n    name: 李四\n    section: 综合三股\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadRoster(bad)
	got := rosterProblems(t, err)
	if want := []string{bad + `:16: person "lisi": unknown section "综合三股"`}; !slices.Equal(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}

	missing := filepath.Join(dir, "missing.yaml")
	_, err = LoadRoster(missing)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadRoster(missing) = %v, want fs.ErrNotExist", err)
	}
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("LoadRoster(missing) error %v does not name the file", err)
	}
}

// FuzzParseRoster checks that ParseRoster never panics and that it returns
// either a roster or a *ValidationError.
func FuzzParseRoster(f *testing.F) {
	f.Add(ExampleRoster)
	f.Add([]byte(baseRoster))
	f.Add([]byte("sections: &s [{name: a, head: *s}]\npeople: [*s, {roles: *s}]\ncolumns: *s\n"))
	f.Add([]byte("people:\n  - userid: a\n    roles: [[x], ~, {a: b}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRoster(data)
		if (r == nil) == (err == nil) {
			t.Fatalf("ParseRoster = %v, %v", r, err)
		}
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidRoster) || len(ve.Problems) == 0 {
				t.Fatalf("unexpected error %T: %v", err, err)
			}
			return
		}
		for _, p := range r.People {
			if got, ok := r.Person(p.UserID); !ok || got.UserID != p.UserID {
				t.Fatalf("Person(%q) = %v, %v", p.UserID, got, ok)
			}
		}
	})
}
