package api_test

import (
	"fmt"
	"testing"

	"baobei"
	"baobei/api"
	"baobei/store/storetest"
)

// Custom fields through the API: a report and a lead carry them, checked
// by type (422 naming the field, nothing stored), a follow-up overwrites
// them, the customer detail shows them.
func TestAPICustomFields(t *testing.T) {
	if err := baobei.UseFields([]baobei.FieldDef{{Key: "面积", Type: baobei.FieldNumber}, {Key: "户型", Type: baobei.FieldChoice, Choices: []string{"两居", "三居"}}},
		func(string) bool { return false }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { baobei.UseFields(nil, func(string) bool { return false }) })
	each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, api.Config{Rate: 100, Burst: 100})
		tok := e.token(baobei.ScopeLeadsWrite, baobei.ScopeCustomersRead, baobei.ScopeCustomersWrite)
		report := func(fields map[string]string) map[string]any {
			return map[string]any{"rep": "zhangsan", "name": "李总", "phone": "13900139000", "fields": fields}
		}
		e.want("POST", "/api/v1/reports", tok, report(map[string]string{"面积": "大约90"}), 422, baobei.EINVALID)
		e.want("POST", "/api/v1/reports", tok, report(map[string]string{"楼层": "3"}), 422, baobei.EINVALID)
		if n := e.Count(t, "SELECT COUNT(*) FROM customers"); n != 0 {
			t.Fatalf("refused reports stored %d customers", n)
		}
		r := e.want("POST", "/api/v1/reports", tok, report(map[string]string{"面积": "1,200", "户型": "三居"}), 201, "")
		id := int64(r["customer_id"].(float64))
		e.want("POST", fmt.Sprintf("/api/v1/customers/%d/followups", id), tok,
			map[string]any{"rep": "zhangsan", "content": "量房", "fields": map[string]string{"户型": "四居"}}, 422, baobei.EINVALID)
		e.want("POST", fmt.Sprintf("/api/v1/customers/%d/followups", id), tok,
			map[string]any{"rep": "zhangsan", "content": "量房", "fields": map[string]string{"面积": "98.5"}}, 201, "")
		one := e.want("GET", fmt.Sprintf("/api/v1/customers/%d", id), tok, nil, 200, "")
		if got := fmt.Sprint(one["fields"]); got != "map[户型:三居 面积:98.5]" {
			t.Errorf("customer fields = %s", got)
		}
		l := e.want("POST", "/api/v1/leads", tok, map[string]any{"name": "王总", "phone": "13800138000", "city": "杭州", "fields": map[string]string{"户型": "两居"}}, 201, "")
		lead := e.want("GET", fmt.Sprintf("/api/v1/customers/%v", l["customer_id"]), tok, nil, 200, "")
		if got := fmt.Sprint(lead["fields"]); got != "map[户型:两居]" {
			t.Errorf("lead fields = %s", got)
		}
	})
}
