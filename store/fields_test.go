package store_test

import (
	"testing"

	"baobei"
	"baobei/store"
	"baobei/store/storetest"
)

// useFields configures custom fields and a stage requiring one for the
// test, and restores the defaults after.
func useFields(t *testing.T) {
	t.Helper()
	defs := []baobei.FieldDef{{Key: "面积", Type: baobei.FieldNumber}, {Key: "方案版本", Type: baobei.FieldText}}
	if err := baobei.UseFields(defs, func(string) bool { return false }); err != nil {
		t.Fatal(err)
	}
	stages := baobei.DefaultStages()
	stages[3].Required = []string{"金额", "方案版本"}
	if err := baobei.UseStages(stages, baobei.FieldKeys()...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		baobei.UseFields(nil, func(string) bool { return false })
		baobei.UseStages(baobei.DefaultStages())
	})
}

// Custom fields are stored with a report (direct, through an approval, by
// import), overwritten by a follow-up with an audit row, kept by a report
// taking the customer over, required by a stage, and exported.
func TestCustomFields(t *testing.T) {
	useFields(t)
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := storetest.Seed(t, b, baobei.DefaultPolicy())
			T0 := storetest.T0
			fields := func(id int64) map[string]string {
				t.Helper()
				v, err := f.S.FieldsOf(f.Ctx, []int64{id})
				if err != nil {
					t.Fatal(err)
				}
				return v[id]
			}
			res, err := f.S.Report(f.Ctx, T0, f.Zhangsan, baobei.CustomerDraft{Phone: "13800138001", Name: "王总", Custom: map[string]string{"面积": "120"}})
			if err != nil {
				t.Fatal(err)
			}
			c := res.Customer
			if got := fields(c.ID); len(got) != 1 || got["面积"] != "120" {
				t.Fatalf("after 报备: %v, want 面积 120", got)
			}

			ref := baobei.CustomerRef{Number: c.ID}
			amount := int64(1280000)
			_, err = f.S.FollowUp(f.Ctx, T0, f.Zhangsan, ref, baobei.FollowUpDraft{Content: "报价", Stage: baobei.StageQuoted, AmountCents: &amount})
			if baobei.ErrorCode(err) != baobei.EINVALID {
				t.Fatalf("报价 without 方案版本: %v, want EINVALID", err)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM followups WHERE customer_id = ?", c.ID); n != 0 {
				t.Fatalf("a refused follow-up wrote %d rows", n)
			}
			if _, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, ref, baobei.FollowUpDraft{Content: "量房",
				Custom: map[string]string{"面积": "135.5", "方案版本": "V2"}}); err != nil {
				t.Fatal(err)
			}
			if got := fields(c.ID); got["面积"] != "135.5" || got["方案版本"] != "V2" {
				t.Fatalf("after 跟进: %v, want 面积 135.5 and 方案版本 V2", got)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ? AND customer_id = ? AND detail = ?", store.ActFields, c.ID, "方案版本=V2 面积=135.5"); n != 1 {
				t.Errorf("%d audit rows of the field change, want 1", n)
			}
			if _, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, ref, baobei.FollowUpDraft{Content: "报价", Stage: baobei.StageQuoted, AmountCents: &amount}); err != nil {
				t.Fatalf("报价 with 方案版本 on the customer: %v", err)
			}

			// Expired and reported again by another rep: the values kept, a new one added.
			other := f.Report(t, T0, f.Lisi, "13800138002", "李总")
			later := T0.Add(40 * 24 * 3600e9)
			res, err = f.S.Report(f.Ctx, later, f.Zhangsan, baobei.CustomerDraft{Phone: "13800138002", Name: "李总",
				Custom: map[string]string{"面积": "90"}})
			if err != nil || !res.Took {
				t.Fatalf("takeover: %+v %v", res, err)
			}
			if _, err := f.S.FollowUp(f.Ctx, later, f.Zhangsan, baobei.CustomerRef{Number: other.ID}, baobei.FollowUpDraft{Content: "x", Custom: map[string]string{"方案版本": "V1"}}); err != nil {
				t.Fatal(err)
			}
			res, err = f.S.Report(f.Ctx, later.Add(40*24*3600e9), f.Lisi, baobei.CustomerDraft{Phone: "13800138002", Name: "李总",
				Custom: map[string]string{"面积": "60", "方案版本": "V9"}})
			if err != nil || !res.Took {
				t.Fatalf("second takeover: %+v %v", res, err)
			}
			if got := fields(other.ID); got["面积"] != "90" || got["方案版本"] != "V1" {
				t.Errorf("after a takeover: %v, want the values it had (面积 90, 方案版本 V1)", got)
			}

			pend, err := f.S.RequestReport(f.Ctx, T0, f.Zhaowu, baobei.CustomerDraft{Phone: "13800138003", Name: "赵总", Grade: "A",
				Custom: map[string]string{"面积": "300"}}, func(*baobei.Approval, *baobei.Customer, []baobei.User) []baobei.Notice { return nil })
			if err != nil {
				t.Fatal(err)
			}
			if got := fields(pend.Customer.ID); got["面积"] != "300" {
				t.Errorf("a report awaiting approval: %v, want 面积 300", got)
			}

			if _, err := f.S.ImportCustomers(f.Ctx, T0, []baobei.ImportRow{{Line: 2, Draft: baobei.CustomerDraft{Phone: "13800138004", Name: "钱总",
				Custom: map[string]string{"方案版本": "V3"}}, Keys: []baobei.Key{{Kind: baobei.KeyPhone, Value: "13800138004"}}}}, false); err != nil {
				t.Fatal(err)
			}

			got := map[string]map[string]string{}
			if err := f.S.Export(f.Ctx, baobei.Scope{}, func(r *store.ExportRow) error {
				v, err := r.Custom()
				got[r.Phone] = v
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if got["13800138001"]["方案版本"] != "V2" || got["13800138004"]["方案版本"] != "V3" || got["13800138003"]["面积"] != "300" || len(got["13800138001"]) != 2 {
				t.Errorf("export: %v", got)
			}
		})
	}
}
