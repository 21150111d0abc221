package workflow_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/zwgk-bot/zwgk/workflow"
)

var org = workflow.Org{
	SectionHead: "head",
	Office:      []string{"off1", "off2"},
	Leaders:     []string{"boss"},
	Publishers:  []string{"pub"},
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	type hop struct {
		stage   workflow.Stage
		verdict workflow.Verdict
	}
	cases := []struct {
		name      string
		submitter string
		major     bool
		org       workflow.Org
		hops      []hop // verdicts given at each stage reached
		want      []workflow.Stage
		auto      []workflow.AutoDecision
	}{
		{name: "ordinary item: section, office, publish", submitter: "staff",
			hops: []hop{{workflow.StageSection, workflow.VerdictApprove}, {workflow.StageOffice, workflow.VerdictApprove}},
			want: []workflow.Stage{workflow.StageSection, workflow.StageOffice, workflow.StagePublish}},
		{name: "major item goes to the leader", submitter: "staff", major: true,
			hops: []hop{{workflow.StageSection, workflow.VerdictApprove}, {workflow.StageOffice, workflow.VerdictApprove}, {workflow.StageLeader, workflow.VerdictApprove}},
			want: []workflow.Stage{workflow.StageSection, workflow.StageOffice, workflow.StageLeader, workflow.StagePublish}},
		{name: "office escalates an ordinary item", submitter: "staff",
			hops: []hop{{workflow.StageSection, workflow.VerdictApprove}, {workflow.StageOffice, workflow.VerdictEscalate}, {workflow.StageLeader, workflow.VerdictApprove}},
			want: []workflow.Stage{workflow.StageSection, workflow.StageOffice, workflow.StageLeader, workflow.StagePublish}},
		{name: "head's own submission skips the section stage", submitter: "head",
			hops: []hop{{workflow.StageOffice, workflow.VerdictApprove}},
			want: []workflow.Stage{workflow.StageOffice, workflow.StagePublish},
			auto: []workflow.AutoDecision{{Stage: workflow.StageSection, Approver: "head"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := org
			step, err := workflow.Start(c.submitter, c.major, o)
			if err != nil {
				t.Fatal(err)
			}
			got := []workflow.Stage{step.Stage}
			auto := step.Auto
			for _, h := range c.hops {
				if step.Stage != h.stage {
					t.Fatalf("at %s, want %s", step.Stage, h.stage)
				}
				step, err = workflow.Next(step.Stage, h.verdict, c.submitter, c.major, o)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, step.Stage)
				auto = append(auto, step.Auto...)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("stages = %v, want %v", got, c.want)
			}
			if !slices.Equal(auto, c.auto) {
				t.Errorf("auto decisions = %v, want %v", auto, c.auto)
			}
		})
	}
}

func TestNobodyApprovesTheirOwnSubmission(t *testing.T) {
	t.Parallel()
	// An office reviewer's item goes to the other reviewer only.
	s, _ := workflow.Start("off1", false, workflow.Org{SectionHead: "off1", Office: []string{"off1", "off2"}, Leaders: []string{"boss"}, Publishers: []string{"pub"}})
	if s.Stage != workflow.StageOffice || !slices.Equal(s.Assignees, []string{"off2"}) {
		t.Fatalf("office reviewer's item: %+v, want office stage for off2", s)
	}
	// The only office reviewer's item goes to the leader, recorded as 本人提交.
	s, _ = workflow.Start("off1", false, workflow.Org{SectionHead: "off1", Office: []string{"off1"}, Leaders: []string{"boss"}, Publishers: []string{"pub"}})
	if s.Stage != workflow.StageLeader || len(s.Auto) != 2 || s.Auto[1] != (workflow.AutoDecision{Stage: workflow.StageOffice, Approver: "off1"}) {
		t.Fatalf("sole office reviewer's item: %+v, want leader stage with two 本人提交", s)
	}
	// The sole leader's major item is published after the office, the
	// leader stage recorded as 本人提交.
	s, _ = workflow.Next(workflow.StageOffice, workflow.VerdictApprove, "boss", true, org)
	if s.Stage != workflow.StagePublish || len(s.Auto) != 1 || s.Auto[0].Stage != workflow.StageLeader {
		t.Fatalf("leader's own major item: %+v", s)
	}
}

func TestVerdictRules(t *testing.T) {
	t.Parallel()
	if _, err := workflow.Next(workflow.StageSection, workflow.VerdictEscalate, "staff", false, org); !errors.Is(err, workflow.ErrVerdictNotHere) {
		t.Errorf("escalate at section: %v", err)
	}
	if _, err := workflow.Next(workflow.StageOffice, workflow.VerdictReject, "staff", false, org); !errors.Is(err, workflow.ErrVerdictNotHere) {
		t.Errorf("reject routed: %v", err)
	}
	if _, err := workflow.Start("staff", false, workflow.Org{}); !errors.Is(err, workflow.ErrNoApprover) {
		t.Errorf("no section head: %v", err)
	}
	if got := workflow.Verdicts(workflow.StageOffice, false); !slices.Equal(got, []workflow.Verdict{workflow.VerdictApprove, workflow.VerdictEscalate, workflow.VerdictReject}) {
		t.Errorf("office buttons = %v", got)
	}
	if got := workflow.Verdicts(workflow.StageOffice, true); len(got) != 2 {
		t.Errorf("office buttons for a major item = %v, want no escalate", got)
	}
}
