package dash_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/cards"
	"baobei/dash"
	"baobei/store/storetest"

	"github.com/gin-gonic/gin"
)

type env struct {
	*storetest.Fixture
	t      *testing.T
	engine *gin.Engine
	clock  *storetest.Clock
}

func newEnv(t *testing.T, b storetest.Backend) *env {
	p := baobei.DefaultPolicy()
	f := storetest.Seed(t, b, p)
	signer, err := cards.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	e := &env{Fixture: f, t: t, engine: gin.New(), clock: &storetest.Clock{T: storetest.T0.Add(2 * time.Hour)}}
	dash.New(f.S, e.clock, p, signer, "https://crm.example.com", nil, slog.New(slog.NewTextHandler(testWriter{t}, nil))).Mount(e.engine)
	// Some business: 张三 and 李四 (销售一组), 孙七 (销售二组).
	e.Report(t, storetest.T0, e.Zhangsan, "13800000001", "张的客户")
	e.Report(t, storetest.T0, e.Zhangsan, "13800000002", "张的客户二")
	e.Report(t, storetest.T0, e.Lisi, "13800000003", "李的客户")
	e.Report(t, storetest.T0, e.Sunqi, "13800000004", "孙的客户")
	return e
}

func (e *env) serve(method, path, cookie string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, req)
	return w
}

// login opens a 看板 link for u and returns the session cookie.
func (e *env) login(u *baobei.User) string {
	e.t.Helper()
	tok, err := e.S.CreateLink(e.Ctx, e.clock.Now(), u, baobei.LinkDash, baobei.ScopeOf(u))
	if err != nil {
		e.t.Fatal(err)
	}
	if w := e.serve("GET", "/dash/open/"+tok, ""); w.Code != 200 || !strings.Contains(w.Body.String(), "打开看板") {
		e.t.Fatalf("the link's page = %d", w.Code)
	}
	w := e.serve("POST", "/dash/open/"+tok, "")
	ck := w.Header().Get("Set-Cookie")
	if w.Code != http.StatusSeeOther || !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") || !strings.Contains(ck, "Secure") ||
		!strings.Contains(ck, "Max-Age=43200") {
		e.t.Fatalf("opening the link = %d, cookie %q", w.Code, ck)
	}
	if again := e.serve("POST", "/dash/open/"+tok, ""); again.Code != http.StatusGone || !strings.Contains(again.Body.String(), "看板") {
		e.t.Fatalf("a used link = %d %s", again.Code, again.Body.String())
	}
	return strings.SplitN(ck, ";", 2)[0]
}

func (e *env) want(path, cookie string, status int, parts ...string) string {
	e.t.Helper()
	w := e.serve("GET", path, cookie)
	if w.Code != status {
		e.t.Fatalf("GET %s = %d, want %d: %s", path, w.Code, status, w.Body.String())
	}
	for _, p := range parts {
		if !strings.Contains(w.Body.String(), p) {
			e.t.Errorf("GET %s lacks %q", path, p)
		}
	}
	return w.Body.String()
}

var number = regexp.MustCompile(`id="new">(\d+)<`)

func TestDashScopeAndLinks(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			e.want("/dash/", "", http.StatusUnauthorized, "看板")
			e.want("/dash/", "baobei_dash=forged.token", http.StatusUnauthorized)

			mgr := e.login(e.Wangjl)
			page := e.want("/dash/", mgr, 200, "销售一组", "<svg")
			if m := number.FindStringSubmatch(page); m == nil || m[1] != "3" {
				t.Fatalf("the manager's new reports = %v, want 3 (his team's)", m)
			}
			e.want("/dash/people", mgr, 200, "张三", "李四")
			two := itoa(*e.Sunqi.TeamID)
			e.want("/dash/?team="+two, mgr, http.StatusForbidden, "只能查看你自己团队")
			e.want("/dash/?rep="+itoa(e.Sunqi.ID), mgr, http.StatusForbidden)
			e.want("/dash/?rep="+itoa(e.Lisi.ID), mgr, 200, "李四")

			rep := e.login(e.Lisi)
			if m := number.FindStringSubmatch(e.want("/dash/", rep, 200)); m == nil || m[1] != "1" {
				t.Fatalf("the rep's new reports = %v, want 1 (her own)", m)
			}
			e.want("/dash/?team="+two, rep, http.StatusForbidden)
			e.want("/dash/?rep="+itoa(e.Zhangsan.ID), rep, http.StatusForbidden)
			e.want("/dash/customers/3", rep, 200, "李的客户", "13800000003")
			e.want("/dash/customers/1", rep, http.StatusForbidden) // 张三's

			admin := e.login(e.Admin)
			if m := number.FindStringSubmatch(e.want("/dash/", admin, 200, "全公司", "销售二组")); m == nil || m[1] != "4" {
				t.Fatalf("the admin's new reports = %v", m)
			}
			e.want("/dash/?team="+two, admin, 200, "孙七")
			e.want("/dash/?period=custom&from=2026-11-01&to=2026-10-01", admin, http.StatusBadRequest)
			e.want("/dash/?period=nonsense", admin, http.StatusBadRequest)

			late, err := e.S.CreateLink(e.Ctx, e.clock.Now(), e.Admin, baobei.LinkDash, baobei.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			e.clock.T = e.clock.T.Add(11 * time.Minute)
			if w := e.serve("POST", "/dash/open/"+late, ""); w.Code != http.StatusGone {
				t.Fatalf("an expired link = %d", w.Code)
			}
			e.clock.T = e.clock.T.Add(13 * time.Hour)
			e.want("/dash/", admin, http.StatusUnauthorized, "过期")
		})
	}
}

func TestDashCSV(t *testing.T) {
	e := newEnv(t, storetest.Backends(t)[0])
	mgr := e.login(e.Wangjl)
	w := e.serve("GET", "/dash/people?format=csv&sort=held", mgr)
	body := strings.TrimPrefix(w.Body.String(), "\ufeff")
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") || !strings.HasPrefix(body, "成员,持有客户") ||
		!strings.Contains(body, "\n张三,2,") || strings.Contains(body, "孙七") {
		t.Fatalf("people CSV = %d %q", w.Code, body)
	}
	e.clock.T = storetest.T0.Add(24 * 24 * time.Hour) // protections end within 7 days, and all are stale
	mgr = e.login(e.Wangjl)
	w = e.serve("GET", "/dash/risk?format=csv", mgr)
	if rows := strings.Count(w.Body.String(), "\n"); w.Code != 200 || rows != 4 || !strings.Contains(w.Body.String(), "保护期快到") {
		t.Fatalf("risk CSV = %d %q", w.Code, w.Body.String())
	}
	e.want("/dash/risk", mgr, 200, "张的客户", "保护期快到", "/dash/customers/1")
	// A name that a spreadsheet would run as a formula is written as text.
	if _, err := e.S.DB().Exec("UPDATE customers SET name = '=HYPERLINK(\"https://evil\")' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if w := e.serve("GET", "/dash/risk?format=csv", mgr); !strings.Contains(w.Body.String(), "'=HYPERLINK") {
		t.Fatalf("a formula in the CSV: %q", w.Body.String())
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestDashChannelsCycleCustomers(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			r, err := e.S.Report(e.Ctx, storetest.T0, e.Lisi, baobei.CustomerDraft{Phone: "13800000005", Name: "抖音客户", Source: "抖音"})
			if err != nil {
				t.Fatal(err)
			}
			ref := baobei.CustomerRef{Number: r.Customer.ID}
			if _, err := e.S.FollowUp(e.Ctx, storetest.T0.Add(24*time.Hour), e.Lisi, ref, baobei.FollowUpDraft{Content: "电话", Stage: baobei.StageNeeds}); err != nil {
				t.Fatal(err)
			}
			amount := int64(1280000)
			if _, err := e.S.FollowUp(e.Ctx, storetest.T0.Add(72*time.Hour), e.Lisi, ref, baobei.FollowUpDraft{Content: "成交", Stage: baobei.StageWon, AmountCents: &amount}); err != nil {
				t.Fatal(err)
			}
			quote, next := int64(1000000), time.Date(2026, 12, 10, 10, 0, 0, 0, baobei.DefaultPolicy().Loc)
			if _, err := e.S.FollowUp(e.Ctx, storetest.T0.Add(time.Hour), e.Zhangsan, baobei.CustomerRef{Number: 1},
				baobei.FollowUpDraft{Content: "报价", Stage: baobei.StageQuoted, AmountCents: &quote, NextAt: &next}); err != nil {
				t.Fatal(err)
			}
			e.clock.T = storetest.T0.Add(73 * time.Hour)
			admin := e.login(e.Admin)
			fc := e.want("/dash/forecast", admin, 200, "报价 60%")
			for _, want := range []string{"<td>2026-11</td><td>0</td><td>0</td><td>12800</td>", "<td>2026-12</td><td>1</td><td>6000</td><td>0</td>",
				"<td>张三</td><td>1</td><td>6000</td><td>0</td>", "<td>李四</td><td>0</td><td>0</td><td>12800</td>"} {
				if !strings.Contains(fc, want) {
					t.Errorf("forecast lacks %q", want)
				}
			}
			page := e.want("/dash/channels", admin, 200, "抖音", "12800", "100%")
			if !strings.Contains(page, "<td>3.0</td>") {
				t.Errorf("channels lacks 3.0 days to win: %s", page)
			}
			w := e.serve("GET", "/dash/channels?format=csv", admin)
			if !strings.Contains(w.Body.String(), "抖音,1,1,1,100%,12800,3.0") {
				t.Errorf("channels CSV = %q", w.Body.String())
			}
			cycle := e.want("/dash/cycle", admin, 200, "李四")
			for _, want := range []string{"<td>抖音</td><td>1</td><td>3.0</td>", "<td>新线索</td><td>0.0</td><td>2</td>", "<td>需求确认</td><td>2.0</td>"} {
				if !strings.Contains(cycle, want) {
					t.Errorf("cycle lacks %q", want)
				}
			}
			for path, want := range map[string]string{"/dash/?format=csv": "已成交,1,1,", "/dash/cycle?format=csv": "来源,抖音,1,3.0,3.0",
				"/dash/forecast?format=csv": "月份,2026-12,1,6000,0", "/dash/customers?format=csv&source=抖音": "5,抖音客户,13800000005,李四,已成交,,抖音"} {
				if w := e.serve("GET", path, admin); w.Code != 200 || !strings.Contains(w.Body.String(), want) {
					t.Errorf("%s = %d %q, want %q in it", path, w.Code, w.Body.String(), want)
				}
			}
			e.want("/dash/customers/5", admin, 200, "报备", "成交", "12800")
			e.want("/dash/customers?q=抖音客户", admin, 200, "#5 抖音客户", "13800000005")
			list := e.want("/dash/customers?stage=已成交", admin, 200, "抖音客户")
			if strings.Contains(list, "张的客户") {
				t.Error("the stage filter let other stages through")
			}
			mgr := e.login(e.Chenjl) // 销售二组: 孙七's only
			other := e.want("/dash/customers", mgr, 200, "孙的客户")
			if strings.Contains(other, "张的客户") || strings.Contains(other, "抖音客户") {
				t.Error("a manager's customer list shows another team's customers")
			}
		})
	}
}

// testWriter sends the dashboard's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
