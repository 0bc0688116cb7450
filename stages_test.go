package baobei

import (
	"strings"
	"testing"
	"time"
)

func useDefaultStagesAfter(t *testing.T) {
	t.Cleanup(func() {
		if err := UseStages(DefaultStages()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestUseStagesErrors(t *testing.T) {
	useDefaultStagesAfter(t)
	open, won, lost := StageDef{Name: "初访"}, StageDef{Name: "签单", Won: true}, StageDef{Name: "丢单", Lost: true}
	for _, tc := range []struct {
		name string
		defs []StageDef
		want string
	}{
		{"no won", []StageDef{open, lost}, "exactly one with won: true"},
		{"two lost", []StageDef{open, won, lost, {Name: "放弃", Lost: true}}, "exactly one"},
		{"no open", []StageDef{won, lost}, "at least one open stage"},
		{"both", []StageDef{open, {Name: "x", Won: true, Lost: true}, lost}, "both won and lost"},
		{"empty name", []StageDef{{Name: " "}, won, lost}, "name is empty"},
		{"spaces", []StageDef{{Name: "初 访"}, won, lost}, "without spaces"},
		{"alias twice", []StageDef{{Name: "初访", Aliases: []string{"签单"}}, won, lost}, `"签单" names both`},
		{"unknown required", []StageDef{{Name: "初访", Required: []string{"方案版本"}}, won, lost}, `requires "方案版本"`},
	} {
		if err := UseStages(tc.defs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if StageWon != "已成交" {
		t.Errorf("a refused list changed the stages in use: won is %q", StageWon)
	}
	if err := UseStages([]StageDef{open, {Name: "方案", Required: []string{"方案版本"}}, won, lost}, "方案版本"); err != nil {
		t.Errorf("a custom field as a required key: %v", err)
	}
}

// A configured list: the lost stage goes last wherever it is written, the
// won one before it; names and aliases parse; order and required keys follow.
func TestCustomStages(t *testing.T) {
	useDefaultStagesAfter(t)
	err := UseStages([]StageDef{
		{Name: "丢单", Aliases: []string{"流失"}, Lost: true, Required: []string{"原因"}},
		{Name: "初访", Aliases: []string{"新"}},
		{Name: "方案", Required: []string{"金额", "下次"}},
		{Name: "签单", Aliases: []string{"成交"}, Won: true, Required: []string{"金额"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := StageList(); got != "初访、方案、签单、丢单" || StageNew != "初访" || StageWon != "签单" || StageLost != "丢单" {
		t.Fatalf("stages %s (new %s, won %s, lost %s)", got, StageNew, StageWon, StageLost)
	}
	if st, ok := ParseStage("成交"); !ok || st != "签单" {
		t.Errorf("ParseStage(成交) = %q %v", st, ok)
	}
	if _, ok := ParseStage("报价"); ok {
		t.Error("a default stage parses in a list without it")
	}
	if !Stage("签单").After("方案") || Stage("丢单").After("初访") || Stage("初访").After("方案") {
		t.Error("funnel order")
	}
	c := &Customer{ID: 3, Stage: "初访"}
	amount, next := int64(100), time.Now()
	for _, tc := range []struct {
		f    FollowUpDraft
		want string
	}{
		{FollowUpDraft{Stage: "方案"}, "进入「方案」需要金额"},
		{FollowUpDraft{Stage: "方案", AmountCents: &amount}, "进入「方案」需要下次。请加上 下次:周五"},
		{FollowUpDraft{Stage: "方案", AmountCents: &amount, NextAt: &next}, ""},
		{FollowUpDraft{Stage: "丢单"}, "标记丢单需要原因"},
		{FollowUpDraft{Stage: "丢单", Reason: "预算"}, ""},
	} {
		err := CheckStage(c, tc.f)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Message, tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.f, err, tc.want)
		}
	}
}
