package dash_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/store/storetest"

	"github.com/chromedp/chromedp"
)

// browser starts Debian's Chromium headless, or skips (fails under CI=true,
// where the test command installs it).
func browser(t *testing.T) context.Context {
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is missing: the test command installs Debian's chromium package (apt-get install chromium)")
		}
		t.Skip("no chromium: apt-get install chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(412, 915)) // a phone's width, as inside WeCom's browser
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // starts the browser; no timeout on this first call
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// artifacts is where screenshots go: $BAOBEI_ARTIFACTS, else a folder in
// the temp dir, named in the log.
func artifacts(t *testing.T) string {
	dir := os.Getenv("BAOBEI_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "baobei-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func (e *env) link(u *baobei.User) string {
	e.t.Helper()
	tok, err := e.S.CreateLink(e.Ctx, e.clock.Now(), u, baobei.LinkDash, baobei.ScopeOf(u))
	if err != nil {
		e.t.Fatal(err)
	}
	return "/dash/open/" + tok
}

// page drives one browser tab.
type page struct {
	t   *testing.T
	ctx context.Context
	dir string
}

func (p page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatal(err)
	}
}

func (p page) text(css string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		p.t.Fatal(err)
	}
	return s
}

func (p page) shot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatal(err)
	}
	path := filepath.Join(p.dir, "dash-"+name+".png")
	p.t.Logf("screenshot: %s", path)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// open follows a 看板 link and taps its button.
func (p page) open(url string) {
	p.do(chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("#go")), chromedp.Click(chromedp.CSS("#go")))
}

// The browser test: a manager opens a 看板 link, the overview's
// headline numbers are 统计's, the people page drills down to a rep, a rep
// cannot open another team's page, a used link is refused; screenshots of
// each page are saved.
func TestDashInBrowser(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, storetest.Backends(t)[0])
	srv := httptest.NewServer(e.engine)
	t.Cleanup(srv.Close)
	mgr := page{t, ctx, artifacts(t)}
	link := srv.URL + e.link(e.Wangjl)
	mgr.open(link)
	mgr.do(chromedp.WaitVisible(chromedp.CSS("#new")))
	news, won := mgr.text("#new"), mgr.text("#won")
	mgr.shot("overview")
	// 统计 for the manager: the same period (this week) and scope.
	p := baobei.DefaultPolicy()
	now := e.clock.Now()
	monday := p.DayStart(now).AddDate(0, 0, -((int(now.In(p.Loc).Weekday()) + 6) % 7))
	st, err := e.S.Stats(e.Ctx, baobei.ScopeOf(e.Wangjl), monday, now)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`新报备 (\d+) · 成交 (\d+) 单`).FindStringSubmatch(st.Text("统计"))
	if m == nil || news != m[1] || won != m[2] || news != "3" {
		t.Fatalf("overview new %q won %q, 统计 says %q", news, won, m)
	}

	mgr.do(chromedp.Navigate(srv.URL+"/dash/people"), chromedp.WaitVisible(chromedp.CSS("#people")))
	mgr.shot("people")
	mgr.do(chromedp.Click(`//table[@id="people"]//a[text()="李四"]`), chromedp.WaitVisible(chromedp.CSS("#new")))
	if got := mgr.text("#new"); got != "1" {
		t.Fatalf("drill-down to 李四: new = %q, want 1", got)
	}
	mgr.shot("drilldown")
	for _, pg := range []struct{ path, table string }{{"/dash/risk", "#risk"}, {"/dash/forecast", "#forecast-month"},
		{"/dash/channels", "#channels"}, {"/dash/cycle", "#cycle-source"}, {"/dash/customers", "#customers"}, {"/dash/customers/1", "#trail"}} {
		mgr.do(chromedp.Navigate(srv.URL+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.table)))
		mgr.shot(strings.ReplaceAll(strings.TrimPrefix(pg.path, "/dash/"), "/", "-"))
	}

	// Another browser profile: no session.
	other, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(other); err != nil { // opens the tab for the context's life
		t.Fatal(err)
	}
	rep := page{t, other, mgr.dir}
	rep.open(link) // used already
	rep.do(chromedp.WaitVisible(chromedp.CSS("#message")))
	if got := rep.text("#message"); !regexp.MustCompile("链接已失效").MatchString(got) {
		t.Fatalf("a used link says %q", got)
	}
	rep.shot("used-link")
	rep.open(srv.URL + e.link(e.Lisi))
	rep.do(chromedp.WaitVisible(chromedp.CSS("#new")), chromedp.Navigate(srv.URL+"/dash/?team="+strconv.FormatInt(*e.Sunqi.TeamID, 10)),
		chromedp.WaitVisible(chromedp.CSS("#message")))
	if got := rep.text("#message"); !regexp.MustCompile("只能查看你自己团队").MatchString(got) {
		t.Fatalf("another team's page for a rep says %q", got)
	}
	rep.shot("forbidden")
}
