package baobei

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Stage is where a customer is in the sales funnel: the name of one of
// policy.stages, as stored in customers.stage and followups.
type Stage string

// The names of the default stages. Code outside tests uses StageNew,
// StageWon and StageLost, which follow the configured list.
const (
	StageContacted Stage = "已联系"
	StageNeeds     Stage = "需求确认"
	StageQuoted    Stage = "报价"
	StageSigning   Stage = "签约"
)

// StageDef is one stage of policy.stages: its name, what else may be typed
// for it, what a follow-up moving a customer there must carry (金额, 原因,
// 下次, 商品 or a custom field's key), and whether it is the won or the lost
// stage.
type StageDef struct {
	Name     Stage    `yaml:"name"`
	Aliases  []string `yaml:"aliases"`
	Required []string `yaml:"required"`
	Won      bool     `yaml:"won"`
	Lost     bool     `yaml:"lost"`
}

// DefaultStages is policy.stages when the config has none.
func DefaultStages() []StageDef {
	return []StageDef{
		{Name: "新线索", Aliases: []string{"新", "新客户"}},
		{Name: StageContacted, Aliases: []string{"联系", "已沟通"}},
		{Name: StageNeeds, Aliases: []string{"需求"}},
		{Name: StageQuoted, Aliases: []string{"已报价", "报价中"}, Required: []string{"金额"}},
		{Name: StageSigning, Aliases: []string{"签约中"}},
		{Name: "已成交", Aliases: []string{"成交"}, Required: []string{"金额"}, Won: true},
		{Name: "已流失", Aliases: []string{"流失"}, Required: []string{"原因"}, Lost: true},
	}
}

// The stages in use, set by UseStages (by default DefaultStages): Stages in
// funnel order with the won stage last but one and the lost stage last;
// StageNew is the first.
var (
	Stages                        []Stage
	StageNew, StageWon, StageLost Stage
	stageDefs                     map[Stage]StageDef
	stageNames                    map[string]Stage // names and aliases
)

func init() {
	if err := UseStages(DefaultStages()); err != nil {
		panic(err)
	}
}

// StageKeys are the built-in keys a stage may require.
var StageKeys = []string{"金额", "原因", "下次", "商品"}

// UseStages checks defs and makes them the stages in use. fields are the
// custom field keys a stage may also require. It is called once at start-up
// (and by tests, which restore the default after).
func UseStages(defs []StageDef, fields ...string) error {
	var open []Stage
	var won, lost []Stage
	byName, names := map[Stage]StageDef{}, map[string]Stage{}
	for i, d := range defs {
		if d.Name = Stage(strings.TrimSpace(string(d.Name))); d.Name == "" {
			return fmt.Errorf("policy.stages[%d]: name is empty", i)
		}
		defs[i].Name = d.Name // the store maps stored stages by the list as used
		if utf8.RuneCountInString(string(d.Name)) > 16 || strings.ContainsAny(string(d.Name), " :：#") {
			return fmt.Errorf("policy.stages: name %q must be a short word without spaces, colons or #", d.Name)
		}
		for _, n := range append([]string{string(d.Name)}, d.Aliases...) {
			if other, dup := names[n]; dup {
				return fmt.Errorf("policy.stages: %q names both %q and %q", n, other, d.Name)
			}
			names[n] = d.Name
		}
		for _, k := range d.Required {
			if !slices.Contains(StageKeys, k) && !slices.Contains(fields, k) {
				return fmt.Errorf("policy.stages: %q requires %q, which is neither one of %s nor a key of policy.fields", d.Name, k, strings.Join(StageKeys, ", "))
			}
		}
		switch {
		case d.Won && d.Lost:
			return fmt.Errorf("policy.stages: %q cannot be both won and lost", d.Name)
		case d.Won:
			won = append(won, d.Name)
		case d.Lost:
			lost = append(lost, d.Name)
		default:
			open = append(open, d.Name)
		}
		byName[d.Name] = d
	}
	if len(won) != 1 || len(lost) != 1 || len(open) == 0 {
		return fmt.Errorf("policy.stages needs at least one open stage, exactly one with won: true and one with lost: true (has %d open, %d won, %d lost)", len(open), len(won), len(lost))
	}
	Stages = append(append(open, won[0]), lost[0])
	StageNew, StageWon, StageLost = open[0], won[0], lost[0]
	stageDefs, stageNames = byName, names
	return nil
}

// ParseStage accepts a stage name or alias as typed in chat.
func ParseStage(s string) (Stage, bool) {
	st, ok := stageNames[strings.TrimSpace(s)]
	return st, ok
}

// FunnelStages are the stages a customer passes, StageNew … StageWon.
func FunnelStages() []Stage { return Stages[:len(Stages)-1] }

// StageList names the stages for a reply: 新线索、已联系、…
func StageList() string { return JoinStages(Stages) }

// JoinStages joins stage names for a reply.
func JoinStages(sts []Stage) string {
	names := make([]string, len(sts))
	for i, s := range sts {
		names[i] = string(s)
	}
	return strings.Join(names, "、")
}

// Required lists what a follow-up moving a customer to s must carry.
func (s Stage) Required() []string { return stageDefs[s].Required }

// After reports whether s comes after t in the funnel (StageNew → …
// StageWon); the lost stage is outside that order.
func (s Stage) After(t Stage) bool {
	f := FunnelStages()
	i, j := slices.Index(f, s), slices.Index(f, t)
	return i >= 0 && j >= 0 && i > j
}
