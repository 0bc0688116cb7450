package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"

	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/api"
	"baobei/cards"
	"baobei/store/storetest"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"
)

type env struct {
	*storetest.Fixture
	t      *testing.T
	engine *gin.Engine
	clock  *storetest.Clock
}

func newEnv(t *testing.T, b storetest.Backend, cfg api.Config) *env {
	p := baobei.DefaultPolicy()
	p.Assignment = baobei.AssignmentPolicy{Strategy: baobei.RoundRobin, Rules: []baobei.AssignRule{{Regions: []string{"杭州"}, Team: "sales1"}}}
	f := storetest.Seed(t, b, p)
	signer, err := cards.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	e := &env{Fixture: f, t: t, engine: gin.New(), clock: &storetest.Clock{T: storetest.T0}}
	api.New(f.S, e.clock, p, signer, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))).Mount(e.engine)
	return e
}

func (e *env) token(scopes ...string) string {
	e.t.Helper()
	_, plain, err := e.S.CreateToken(e.Ctx, storetest.T0, "测试", scopes)
	if err != nil {
		e.t.Fatal(err)
	}
	return plain
}

// do sends a request and decodes the JSON answer.
func (e *env) do(method, path, token string, body any, header ...string) (int, map[string]any) {
	e.t.Helper()
	var r io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case *multipartBody:
		r, ctype = &b.buf, b.ctype
	default:
		raw, _ := json.Marshal(b)
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Content-Type", ctype)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, req)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		e.t.Fatalf("%s %s: %d %q is no JSON object", method, path, w.Code, w.Body.String())
	}
	return w.Code, out
}

func (e *env) want(method, path, token string, body any, status int, code string, header ...string) map[string]any {
	e.t.Helper()
	got, out := e.do(method, path, token, body, header...)
	if got != status || (code != "" && out["code"] != code) {
		e.t.Fatalf("%s %s = %d %v, want %d %s", method, path, got, out, status, code)
	}
	return out
}

func each(t *testing.T, fn func(t *testing.T, b storetest.Backend)) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}

var lead = map[string]string{"name": "王总", "phone": "138 0013 8000", "source": "官网", "city": "杭州"}

func TestAPITokens(t *testing.T) {
	each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, api.Config{Rate: 100, Burst: 100})
		e.want("POST", "/api/v1/leads", "", lead, 401, api.ETOKEN)
		e.want("POST", "/api/v1/leads", "bb_nonsense", lead, 401, api.ETOKEN)
		read := e.token(baobei.ScopeCustomersRead)
		e.want("POST", "/api/v1/leads", read, lead, 403, baobei.EFORBIDDEN)
		e.want("GET", "/api/v1/stats", read, nil, 403, baobei.EFORBIDDEN)
		e.want("GET", "/api/v1/customers", read, nil, 200, "")
		ts, err := e.S.Tokens(e.Ctx)
		if err != nil || len(ts) != 1 || ts[0].LastUsedAt == nil || strings.Contains(ts[0].Prefix+ts[0].Scopes, read[9:]) {
			t.Fatalf("tokens = %+v, %v", ts, err)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM api_tokens WHERE hash = ?", read); n != 0 {
			t.Fatal("the plain token is stored")
		}
		if err := e.S.RevokeToken(e.Ctx, storetest.T0, ts[0].ID); err != nil {
			t.Fatal(err)
		}
		e.want("GET", "/api/v1/customers", read, nil, 401, api.ETOKEN)
	})
}

func TestAPILeads(t *testing.T) {
	each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, api.Config{Rate: 100, Burst: 100})
		tok := e.token(baobei.ScopeLeadsWrite)
		out := e.want("POST", "/api/v1/leads", tok, lead, 201, "", "Idempotency-Key", "form-1")
		owner, _ := out["owner"].(map[string]any)
		if out["status"] != "assigned" || owner["uid"] != "zhangsan" || out["team"] != "销售一组" {
			t.Fatalf("lead = %v", out)
		}
		id := out["customer_id"]
		again := e.want("POST", "/api/v1/leads", tok, lead, 200, "", "Idempotency-Key", "form-1")
		if again["customer_id"] != id || again["replayed"] != true {
			t.Fatalf("replay = %v", again)
		}
		dup := e.want("POST", "/api/v1/leads", tok, map[string]string{"name": "王", "phone": "13800138000"}, 409, baobei.ECONFLICT)
		if dup["customer_id"] != id || dup["owned"] != true {
			t.Fatalf("duplicate = %v", dup)
		}
		raw, _ := json.Marshal(dup)
		if strings.Contains(string(raw), "13800138000") || strings.Contains(string(raw), "张三") || strings.Contains(string(raw), "zhangsan") {
			t.Fatalf("the duplicate answer shows the owner's data: %s", raw)
		}
		wx := e.want("POST", "/api/v1/leads", tok, map[string]string{"name": "微信重复", "phone": "13800138009", "wechat": "wang_wx"}, 201, "")
		dupWx := e.want("POST", "/api/v1/leads", tok, map[string]string{"name": "又来", "phone": "13800138008", "wechat": "WANG_WX"}, 409, baobei.ECONFLICT)
		if dupWx["customer_id"] != wx["customer_id"] || !strings.Contains(dupWx["message"].(string), "微信号") {
			t.Fatalf("a WeChat duplicate = %v", dupWx)
		}
		e.want("POST", "/api/v1/leads", tok, map[string]string{"name": "坏", "phone": "12345"}, 422, baobei.EINVALID)
		e.want("POST", "/api/v1/leads", tok, map[string]string{"name": "坏", "phone": "13800138001", "grade": "D"}, 422, baobei.EINVALID)
		pool := e.want("POST", "/api/v1/leads", tok, map[string]string{"name": "北京客户", "phone": "13800138002", "city": "北京"}, 201, "")
		if pool["status"] != "pool" || pool["owner"] != nil {
			t.Fatalf("unmatched lead = %v", pool)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM customers"); n != 3 {
			t.Fatalf("customers = %d, want 3", n)
		}
		if n := len(e.Texts(t, "zhangsan", "分配给你一个新线索")); n != 1 {
			t.Fatalf("the rep's lead cards = %d, want 1", n)
		}
	})
}

func TestAPIReportsAndCustomers(t *testing.T) {
	each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, api.Config{Rate: 100, Burst: 100})
		tok := e.token(baobei.ScopeLeadsWrite, baobei.ScopeCustomersRead, baobei.ScopeCustomersWrite)
		e.want("POST", "/api/v1/reports", tok, map[string]string{"name": "李总", "phone": "13900139000"}, 422, baobei.EINVALID) // no rep
		e.want("POST", "/api/v1/reports", tok, map[string]string{"rep": "nobody", "name": "李总", "phone": "13900139000"}, 422, baobei.EINVALID)
		r := e.want("POST", "/api/v1/reports", tok, map[string]string{"rep": "zhangsan", "name": "李总", "phone": "13900139000", "source": "展会"}, 201, "")
		if r["status"] != "owned" {
			t.Fatalf("report = %v", r)
		}
		id := int64(r["customer_id"].(float64))
		held := e.want("POST", "/api/v1/reports", tok, map[string]string{"rep": "lisi", "name": "李", "phone": "13900139000"}, 409, baobei.ECONFLICT)
		if raw, _ := json.Marshal(held); strings.Contains(string(raw), "张三") || held["customer_id"] == nil {
			t.Fatalf("a held customer's 409 = %s", raw)
		}
		// A key customer waits for approval; another report of it names nobody.
		e.want("POST", "/api/v1/reports", tok, map[string]string{"rep": "zhangsan", "name": "大客户", "phone": "13900139099", "grade": "A"}, 201, "")
		if pend := e.want("POST", "/api/v1/reports", tok, map[string]string{"rep": "lisi", "name": "大", "phone": "13900139099"}, 409, baobei.ECONFLICT); strings.Contains(pend["message"].(string), "张三") {
			t.Fatalf("a pending customer's 409 names the owner: %v", pend)
		}
		for i := range 3 {
			e.want("POST", "/api/v1/reports", tok, map[string]string{"rep": "lisi", "name": fmt.Sprint("客户", i), "phone": fmt.Sprintf("1390013900%d", i+1)}, 201, "")
		}

		e.want("POST", fmt.Sprintf("/api/v1/customers/%d/followups", id), tok, map[string]string{"rep": "lisi", "content": "电话"}, 403, baobei.EFORBIDDEN)
		e.want("POST", fmt.Sprintf("/api/v1/customers/%d/followups", id), tok, map[string]string{"rep": "zhangsan"}, 422, baobei.EINVALID)
		e.want("POST", "/api/v1/customers/999/followups", tok, map[string]string{"rep": "zhangsan", "content": "电话"}, 404, baobei.ENOTFOUND)
		e.clock.T = storetest.T0.Add(time.Hour)
		fu := e.want("POST", fmt.Sprintf("/api/v1/customers/%d/followups", id), tok,
			map[string]string{"rep": "zhangsan", "content": "电话沟通，约了看样品", "stage": "需求确认", "next_at": "2026-11-25T10:00:00+08:00"}, 201, "")
		if c := fu["customer"].(map[string]any); c["stage"] != "需求确认" || c["next_followup_at"] == nil {
			t.Fatalf("follow-up = %v", fu)
		}

		one := e.want("GET", fmt.Sprintf("/api/v1/customers/%d", id), tok, nil, 200, "")
		fs, _ := one["followups"].([]any)
		if one["phone"] != "13900139000" || one["source"] != "展会" || len(fs) != 1 {
			t.Fatalf("customer = %v", one)
		}
		e.want("GET", "/api/v1/customers/999", tok, nil, 404, baobei.ENOTFOUND)

		if _, _, err := e.S.SetTags(e.Ctx, storetest.T0, e.Zhangsan, baobei.CustomerRef{Number: id}, []string{"高意向"}, nil); err != nil {
			t.Fatal(err)
		}
		tagged := e.want("GET", "/api/v1/customers?tag=高意向", tok, nil, 200, "")["customers"].([]any)
		if len(tagged) != 1 || fmt.Sprint(tagged[0].(map[string]any)["tags"]) != "[高意向]" {
			t.Fatalf("tag filter = %v", tagged)
		}
		mine := e.want("GET", "/api/v1/customers?owner=lisi", tok, nil, 200, "")
		if n := len(mine["customers"].([]any)); n != 3 {
			t.Fatalf("lisi's customers = %d", n)
		}
		var seen []float64
		cursor := ""
		for page := 0; page < 10; page++ {
			out := e.want("GET", "/api/v1/customers?team=sales1&limit=2&cursor="+cursor, tok, nil, 200, "")
			for _, c := range out["customers"].([]any) {
				seen = append(seen, c.(map[string]any)["id"].(float64))
			}
			if cursor = out["next_cursor"].(string); cursor == "" {
				break
			}
		}
		if len(seen) != 5 || !slices.IsSorted(seen) {
			t.Fatalf("paged ids = %v", seen)
		}
		since := e.want("GET", "/api/v1/customers?updated_since=2026-11-23T10:30:00%2B08:00", tok, nil, 200, "")
		if got := since["customers"].([]any); len(got) != 1 || got[0].(map[string]any)["id"].(float64) != float64(id) {
			t.Fatalf("updated since the follow-up's hour = %v", got)
		}
		if got := e.want("GET", "/api/v1/customers?stage=需求确认&status=owned", tok, nil, 200, "")["customers"].([]any); len(got) != 1 {
			t.Fatalf("stage and status filter = %v", got)
		}
		e.clock.T = storetest.T0.Add(31 * 24 * time.Hour) // the protections ended: they read as pool
		if owned := e.want("GET", "/api/v1/customers?status=owned", tok, nil, 200, "")["customers"].([]any); len(owned) != 0 {
			t.Fatalf("owned after the protections ended = %v", owned)
		}
		if pool := e.want("GET", "/api/v1/customers?status=pool", tok, nil, 200, "")["customers"].([]any); len(pool) != 4 ||
			pool[0].(map[string]any)["status"] != "pool" {
			t.Fatalf("pool after the protections ended = %v", pool)
		}
		e.want("GET", "/api/v1/customers?status=gone", tok, nil, 422, baobei.EINVALID)
		e.want("GET", "/api/v1/customers?limit=500", tok, nil, 422, baobei.EINVALID)
		e.want("GET", "/api/v1/customers?updated_since=yesterday", tok, nil, 422, baobei.EINVALID)
		e.want("GET", "/api/v1/customers?team=nope", tok, nil, 422, baobei.EINVALID)
	})
}

func TestAPIStatsAndImports(t *testing.T) {
	each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, api.Config{Rate: 100, Burst: 100})
		tok := e.token(baobei.ScopeStatsRead, baobei.ScopeCustomersWrite)
		e.Report(t, storetest.T0, e.Zhangsan, "13800000001", "一")
		e.Report(t, storetest.T0, e.Sunqi, "13800000002", "二")
		all := e.want("GET", "/api/v1/stats?from=2026-11-23&to=2026-11-29", tok, nil, 200, "")
		team := e.want("GET", "/api/v1/stats?team=销售一组&from=2026-11-23&to=2026-11-29", tok, nil, 200, "")
		if all["stats"].(map[string]any)["new_reports"] != 2.0 || team["stats"].(map[string]any)["new_reports"] != 1.0 {
			t.Fatalf("stats = %v / %v", all, team)
		}
		want, err := e.S.Stats(e.Ctx, baobei.Scope{}, time.Date(2026, 11, 23, 0, 0, 0, 0, baobei.DefaultPolicy().Loc), time.Date(2026, 11, 30, 0, 0, 0, 0, baobei.DefaultPolicy().Loc))
		if err != nil || want.NewReports != 2 {
			t.Fatalf("store stats = %+v, %v", want, err)
		}
		e.want("GET", "/api/v1/stats?from=2026-12-01&to=2026-11-01", tok, nil, 422, baobei.EINVALID)

		csv := "姓名,手机,来源\n新客,13700000001,官网\n重复,13800000001,\n坏,123,\n"
		dry := e.want("POST", "/api/v1/imports?dry_run=true", tok, upload(t, "a.csv", csv), 200, "")
		if s := dry["summary"].(map[string]any); s["imported"] != 1.0 || s["duplicates"] != 1.0 || s["invalid"] != 1.0 {
			t.Fatalf("dry run = %v", dry)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM customers"); n != 2 {
			t.Fatalf("a dry run wrote: %d customers", n)
		}
		got := e.want("POST", "/api/v1/imports", tok, upload(t, "a.csv", csv), 200, "")
		rows := got["rows"].([]any)
		if len(rows) != 3 || rows[0].(map[string]any)["customer_id"] == nil || rows[1].(map[string]any)["key"] != "手机号" {
			t.Fatalf("import = %v", got)
		}
		e.want("POST", "/api/v1/imports", tok, upload(t, "a.txt", csv), 422, baobei.EINVALID)
	})
}

func TestAPIRateLimit(t *testing.T) {
	e := newEnv(t, storetest.Backends(t)[0], api.Config{Rate: 0.001, Burst: 3})
	tok, other := e.token(baobei.ScopeCustomersRead), e.token(baobei.ScopeCustomersRead)
	for range 3 {
		e.want("GET", "/api/v1/customers", tok, nil, 200, "")
	}
	e.want("GET", "/api/v1/customers", tok, nil, 429, api.ERATE)
	e.want("GET", "/api/v1/customers", other, nil, 200, "") // per token
}

// The OpenAPI document lists exactly the routes under /api/v1.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t, storetest.Backends(t)[0], api.Config{Rate: 1, Burst: 1})
	doc := e.want("GET", "/api/v1/openapi.json", "", nil, 200, "")
	var documented, served []string
	for path, ops := range doc["paths"].(map[string]any) {
		for method := range ops.(map[string]any) {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	for _, r := range e.engine.Routes() {
		if p, ok := strings.CutPrefix(r.Path, "/api/v1"); ok {
			served = append(served, r.Method+" "+strings.ReplaceAll(p, ":id", "{id}"))
		}
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Fatalf("documented %v\nserved     %v", documented, served)
	}
}

type multipartBody struct {
	buf   bytes.Buffer
	ctype string
}

func upload(t *testing.T, name, content string) *multipartBody {
	b := &multipartBody{}
	w := multipart.NewWriter(&b.buf)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(content))
	w.Close()
	b.ctype = w.FormDataContentType()
	return b
}

// 导出's links: the first open within 10 minutes gets the xlsx of the
// asker's scope, phones masked by chat's rule; a second open or a late one
// gets 410.
func TestDownloadLinks(t *testing.T) {
	each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, api.Config{Rate: 100, Burst: 100})
		e.Report(t, storetest.T0, e.Zhangsan, "13800000001", "张的客户")
		e.Report(t, storetest.T0, e.Lisi, "13800000002", "李的客户")
		e.Report(t, storetest.T0, e.Sunqi, "13800000003", "孙的客户")
		get := func(token string) (int, [][]string) {
			page := httptest.NewRecorder()
			e.engine.ServeHTTP(page, httptest.NewRequest("GET", "/dl/"+token, nil)) // a preview fetch: spends nothing
			if page.Code != 200 || !strings.Contains(page.Body.String(), "<form method=\"post\"") {
				t.Fatalf("the link's page = %d %s", page.Code, page.Body.String())
			}
			req := httptest.NewRequest("POST", "/dl/"+token, nil)
			w := httptest.NewRecorder()
			e.engine.ServeHTTP(w, req)
			if w.Code != 200 {
				return w.Code, nil
			}
			f, err := excelize.OpenReader(w.Body)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := f.GetRows(f.GetSheetName(0))
			if err != nil {
				t.Fatal(err)
			}
			return 200, rows[1:]
		}
		link := func(u *baobei.User, scope baobei.Scope) string {
			tok, err := e.S.CreateLink(e.Ctx, storetest.T0, u, baobei.LinkExport, scope)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		own := link(e.Zhangsan, baobei.ScopeOf(e.Zhangsan))
		if code, rows := get(own); code != 200 || len(rows) != 1 || rows[0][1] != "13800000001" {
			t.Fatalf("own export = %d %v", code, rows)
		}
		if code, _ := get(own); code != 410 {
			t.Fatalf("a second open = %d, want 410", code)
		}
		if code, rows := get(link(e.Wangjl, baobei.ScopeOf(e.Wangjl))); code != 200 || len(rows) != 2 {
			t.Fatalf("team export = %d %v", code, rows)
		}
		// A rep's view of everyone's: others' phones masked, no WeChat.
		code, rows := get(link(e.Zhangsan, baobei.Scope{}))
		phones := map[string]string{}
		for _, r := range rows {
			phones[r[0]] = r[1]
		}
		if code != 200 || phones["张的客户"] != "13800000001" || phones["李的客户"] != baobei.MaskPhone("13800000002") {
			t.Fatalf("masking = %d %v", code, phones)
		}
		late := link(e.Admin, baobei.Scope{})
		e.clock.T = storetest.T0.Add(11 * time.Minute)
		if code, _ := get(late); code != 410 {
			t.Fatalf("an expired link = %d, want 410", code)
		}
		if code, _ := get("nonsense"); code != 410 {
			t.Fatalf("an unknown link = %d", code)
		}
	})
}
