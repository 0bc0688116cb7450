package store_test

import (
	"strings"
	"testing"

	"baobei"
	"baobei/store"
	"baobei/store/storetest"
)

// A restart with another policy.stages renames the stages stored under an
// alias (customers and follow-up history) and refuses, changing nothing,
// when a stored stage has no place in the list.
func TestMapStages(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := storetest.Seed(t, b, baobei.DefaultPolicy())
			c := f.Report(t, storetest.T0, f.Zhangsan, "13800138001", "王总")
			amount := int64(1280000)
			if _, err := f.S.FollowUp(f.Ctx, storetest.T0, f.Zhangsan, baobei.CustomerRef{Number: c.ID},
				baobei.FollowUpDraft{Content: "报价", Stage: baobei.StageQuoted, AmountCents: &amount}); err != nil {
				t.Fatal(err)
			}
			f.Report(t, storetest.T0, f.Lisi, "13800138002", "李总")

			p := baobei.DefaultPolicy()
			p.Stages[3] = baobei.StageDef{Name: "方案报价", Aliases: []string{"报价"}, Required: []string{"金额"}}
			renamed := store.WithPolicy(f.S, p)
			if err := renamed.MapStages(f.Ctx); err != nil {
				t.Fatal(err)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM customers WHERE stage = ?", "方案报价"); n != 1 {
				t.Errorf("%d customers renamed to 方案报价, want 1", n)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM followups WHERE stage_to = ?", "方案报价"); n != 1 {
				t.Errorf("%d follow-ups renamed to 方案报价, want 1", n)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM customers WHERE stage = ?", "新线索"); n != 1 {
				t.Errorf("%d customers still 新线索, want 1", n)
			}
			if err := renamed.MapStages(f.Ctx); err != nil { // the same list again: nothing to read
				t.Fatal(err)
			}

			p.Stages = append(p.Stages[:3:3], p.Stages[4:]...) // 方案报价 gone
			err := store.WithPolicy(f.S, p).MapStages(f.Ctx)
			if err == nil || !strings.Contains(err.Error(), `"方案报价" (1 rows of customers.stage)`) {
				t.Fatalf("a stored stage with no place: %v, want an error naming it", err)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM customers WHERE stage = ?", "方案报价"); n != 1 {
				t.Errorf("the refused start changed customers: %d at 方案报价, want 1", n)
			}
		})
	}
}
