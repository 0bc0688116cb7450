package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/store/storetest"
)

// numbers are the headline numbers of a period, as every surface shows them.
type numbers struct {
	New, Won        int
	WonCents        int64
	Lost            int
	PoolIn, PoolOut int
}

// statsLine is the 【本期】 line of Stats.Text (统计 and the weekly summary).
var statsLine = regexp.MustCompile(`【本期】新报备 (\d+) · 成交 (\d+) 单 ¥([0-9.]+) · 流失 (\d+) · 入公海 (\d+) · 领取 (\d+)`)

func atoiT(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

// yuanCents reads an amount as FormatCents writes it ("12800", "128.5").
func yuanCents(t *testing.T, s string) int64 {
	t.Helper()
	whole, frac, _ := strings.Cut(s, ".")
	y, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || len(frac) > 2 {
		t.Fatalf("%q is not an amount", s)
	}
	c := int64(0)
	if frac != "" {
		f, err := strconv.ParseInt((frac + "0")[:2], 10, 64)
		if err != nil {
			t.Fatalf("%q is not an amount", s)
		}
		c = f
	}
	return y*100 + c
}

// textNumbers parses the numbers of a 统计 reply or a weekly summary.
func textNumbers(t *testing.T, text string) numbers {
	t.Helper()
	m := statsLine.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no 【本期】 line in %q", text)
	}
	return numbers{New: atoiT(t, m[1]), Won: atoiT(t, m[2]), WonCents: yuanCents(t, m[3]), Lost: atoiT(t, m[4]),
		PoolIn: atoiT(t, m[5]), PoolOut: atoiT(t, m[6])}
}

// apiNumbers is GET /api/v1/stats for a team and dates (to inclusive); it
// also answers the period the API says it counted.
func apiNumbers(t *testing.T, base, token, team string, from, to time.Time, loc *time.Location) (numbers, time.Time, time.Time) {
	t.Helper()
	q := url.Values{"team": {team}, "from": {from.In(loc).Format("2006-01-02")}, "to": {to.In(loc).Format("2006-01-02")}}
	code, body := apiCall(t, "GET", base+"/api/v1/stats?"+q.Encode(), token, "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /api/v1/stats?%s: %d %v", q.Encode(), code, body)
	}
	raw, _ := json.Marshal(body["stats"])
	var st baobei.Stats
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatalf("stats = %s: %v", raw, err)
	}
	var f, e time.Time
	if err := f.UnmarshalText([]byte(body["from"].(string))); err != nil {
		t.Fatal(err)
	}
	if err := e.UnmarshalText([]byte(body["to"].(string))); err != nil {
		t.Fatal(err)
	}
	return numbers{New: st.NewReports, Won: st.WonCount, WonCents: st.WonCents, Lost: st.Lost, PoolIn: st.PoolIn, PoolOut: st.PoolOut}, f, e
}

var (
	dashLink = regexp.MustCompile(`(http://\S+)/dash/open/(\S+)`)
	dashNums = map[string]*regexp.Regexp{
		"new": regexp.MustCompile(`<b id="new">(\d+)</b>`), "won": regexp.MustCompile(`<b id="won">(\d+)</b>`),
		"lost": regexp.MustCompile(`<b id="lost">(\d+)</b>`), "amount": regexp.MustCompile(`id="won-amount">([0-9.]+)<`),
		"pool": regexp.MustCompile(`<b id="pool">(\d+) / (\d+)</b>`),
	}
	noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
)

// dashLogin sends 看板 as user, follows the link as a phone would (GET shows
// a button, POST spends the link) and returns the session cookie.
func dashLogin(t *testing.T, c *consoleClient, base, user string) *http.Cookie {
	t.Helper()
	reply := c.say(user, "看板")
	m := dashLink.FindStringSubmatch(reply)
	if m == nil || m[1] != base {
		t.Fatalf("看板 answered %q, want a link under %s", reply, base)
	}
	link := base + "/dash/open/" + m[2]
	if code, page := get(t, link); code != http.StatusOK || !strings.Contains(page, "打开看板") {
		t.Fatalf("GET %s = %d %q", link, code, page)
	}
	resp, err := noRedirect.Post(link, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "baobei_dash" && resp.StatusCode == http.StatusSeeOther {
			return ck
		}
	}
	t.Fatalf("POST %s = %d, cookies %v", link, resp.StatusCode, resp.Cookies())
	return nil
}

// dashNumbers reads the overview's cards for a period.
func dashNumbers(t *testing.T, base string, ck *http.Cookie, period string) numbers {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/dash/?period="+period, nil)
	req.AddCookie(ck)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	page := string(b)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "销售一组") {
		t.Fatalf("GET /dash/?period=%s = %d %q", period, resp.StatusCode, page)
	}
	find := func(key string) []string {
		m := dashNums[key].FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("the overview (%s) has no %s: %q", period, key, page)
		}
		return m[1:]
	}
	pool := find("pool")
	return numbers{New: atoiT(t, find("new")[0]), Won: atoiT(t, find("won")[0]), WonCents: yuanCents(t, find("amount")[0]),
		Lost: atoiT(t, find("lost")[0]), PoolIn: atoiT(t, pool[0]), PoolOut: atoiT(t, pool[1])}
}

// agree fails unless every surface shows want.
func agree(t *testing.T, what string, want numbers, got map[string]numbers) {
	t.Helper()
	for surface, n := range got {
		if n != want {
			t.Errorf("%s: %s shows %+v, want %+v (all: %+v)", what, surface, n, want, got)
		}
	}
}

// customerRef is the #N of a 报备 reply.
var customerRef = regexp.MustCompile(`#(\d+)`)

func reportID(t *testing.T, c *consoleClient, user, text string) string {
	t.Helper()
	reply := c.say(user, text)
	m := customerRef.FindStringSubmatch(reply)
	if m == nil || !strings.Contains(reply, "报备成功") {
		t.Fatalf("%s %q answered %q", user, text, reply)
	}
	return "#" + m[1]
}

// Issue 15, the same numbers everywhere: a week of business in the console
// (reports, follow-ups moving stages, two wins, a loss, a release and a
// claim, and another team's business beside it), then 统计 in chat, GET
// /api/v1/stats and the dashboard agree on this week; on Monday 09:00 the
// weekly summary in the team's chat, the dashboard's last week and the
// API's last week agree too, and none of them counts Monday's new report.
func TestNumbersEverywhere(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dsn := testDSN(t, b)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			base := "http://" + ln.Addr().String()
			path := writeConfig(t, "public_url: "+base+"\n")
			out, err := tokenCLI(t, path, dsn, "create", "--name", "报表", "--scopes", baobei.ScopeStatsRead)
			m := regexp.MustCompile(`(?m)^(bb_[0-9a-f]+)$`).FindStringSubmatch(out)
			if err != nil || m == nil {
				t.Fatalf("token create: %q %v", out, err)
			}
			token := m[1]
			cfg, err := loadConfig("serve", []string{"--config", path, "--db", dsn, "--addr", ln.Addr().String()})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.WeCom.Configured() || cfg.DingTalk.Configured() {
				t.Fatal("a platform is configured: the console clock cannot move")
			}
			a, err := newApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- a.run(ctx, ln) }()
			defer func() {
				http.DefaultClient.CloseIdleConnections()
				cancel()
				select {
				case err := <-done:
					if err != nil {
						t.Errorf("run returned %v", err)
					}
				case <-time.After(30 * time.Second):
					t.Error("the service did not stop within 30 s")
				}
			}()
			c := &consoleClient{t: t, srv: &httptest.Server{URL: base}, app: a}
			p := cfg.Policy
			// moveTo advances the console clock to at (which must be ahead),
			// running the jobs that come due on the way.
			moveTo := func(at time.Time) {
				t.Helper()
				c.advance((at.Sub(a.clock.Now()) + time.Second).String())
			}

			// Monday 10:00 of next week: the week's business starts.
			now := a.clock.Now()
			days := (8 - int(now.In(p.Loc).Weekday())) % 7
			if days == 0 {
				days = 7
			}
			monday := p.DayStart(now).AddDate(0, 0, days)
			day := func(n, hour int) time.Time { return monday.AddDate(0, 0, n).Add(time.Duration(hour) * time.Hour) }
			moveTo(day(0, 10))

			// Monday: three reports in 销售一组, one in 销售二组.
			a1 := reportID(t, c, "zhangsan", "报备 13800138001 张先生 来源:抖音")
			a2 := reportID(t, c, "zhangsan", "报备 13800138002 李女士")
			a3 := reportID(t, c, "lisi", "报备 13800138003 王先生")
			b1 := reportID(t, c, "sunqi", "报备 13800138004 孙总")
			wantHas(t, c.say("lisi", "报备 13800138001 张总"), "张三") // a duplicate is not a new report
			// Tuesday: a follow-up moves a stage; two more reports.
			moveTo(day(1, 10))
			wantHas(t, c.say("zhangsan", "跟进 "+a1+" 电话沟通，想看样品 阶段:已联系"), "已记录跟进", "已联系")
			a5 := reportID(t, c, "zhaowu", "报备 13800138005 赵总")
			a6 := reportID(t, c, "lisi", "报备 13800138006 钱女士")
			// Wednesday: the stage moves again; a win in each team.
			moveTo(day(2, 10))
			wantHas(t, c.say("zhangsan", "跟进 "+a1+" 微信发了方案 阶段:需求确认"), "已记录跟进", "需求确认")
			wantHas(t, c.say("zhangsan", "成交 "+a2+" 金额:12800"), "12800")
			wantHas(t, c.say("sunqi", "成交 "+b1+" 金额:5000"), "5000")
			// Thursday: a loss; the manager releases zhaowu's customer.
			moveTo(day(3, 10))
			wantHas(t, c.say("lisi", "流失 "+a3+" 原因:预算不足"), a3)
			wantHas(t, c.say("wangjl", "释放 "+a5+" 原因:客户已找别家"), "释放到公海")
			// Friday: lisi claims the released one, sunqi (销售二组) the lost
			// one, and lisi wins a deal.
			moveTo(day(4, 10))
			wantHas(t, c.say("zhaowu", "领取 "+a5), "天内不能重新领取") // the former owner's cool-down
			wantHas(t, c.say("lisi", "领取 "+a5), "领取成功")
			wantHas(t, c.say("sunqi", "领取 "+a3), "领取成功")
			wantHas(t, c.say("lisi", "成交 "+a6+" 金额:7000"), "7000")
			moveTo(day(4, 11)) // the manager looks an hour later

			// This week, on four surfaces.
			week := numbers{New: 5, Won: 2, WonCents: 19800_00, Lost: 1, PoolIn: 2, PoolOut: 1}
			stat := c.say("wangjl", "统计")
			wantHas(t, stat, "销售一组本周统计（"+p.Date(monday)+"起）", "已联系 0", "需求确认 1", "已成交 2", "预算不足 1")
			apiCode, from, to := apiNumbers(t, base, token, "sales1", monday, day(4, 0), p.Loc)
			if !from.Equal(monday) || !to.Equal(day(5, 0)) {
				t.Errorf("the API counted [%v, %v), want [%v, %v)", from, to, monday, day(5, 0))
			}
			apiName, _, _ := apiNumbers(t, base, token, "销售一组", monday, day(4, 0), p.Loc)
			ck := dashLogin(t, c, base, "wangjl")
			agree(t, "this week, 销售一组", week, map[string]numbers{
				"统计": textNumbers(t, stat), "API team=sales1": apiCode, "API team=销售一组": apiName,
				"dashboard": dashNumbers(t, base, ck, "this_week"),
			})
			// 销售二组's week counts only its own: the won deal and the claim.
			other := numbers{New: 1, Won: 1, WonCents: 5000_00, PoolOut: 1}
			api2, _, _ := apiNumbers(t, base, token, "sales2", monday, day(4, 0), p.Loc)
			agree(t, "this week, 销售二组", other, map[string]numbers{"统计": textNumbers(t, c.say("chenjl", "统计")), "API": api2})

			// Next Monday: a report at 08:00 belongs to the new week; at 09:00
			// the summary of last week goes to each team's chat.
			moveTo(day(7, 8))
			reportID(t, c, "zhangsan", "报备 13800138007 周先生")
			moveTo(day(7, 9).Add(5 * time.Minute))
			title := "销售一组 上周统计（" + p.Date(monday) + "–" + p.Date(day(6, 0)) + "）"
			summary := waitInbox(t, c, "chat=sales1", func(o bot.Out) bool { return strings.Contains(o.Text, title) })
			for _, o := range c.inbox("chat=sales1") {
				if o.Text != summary.Text && strings.Contains(o.Text, title) {
					t.Errorf("sales1 got the summary twice: %q", o.Text)
				}
			}
			wantHas(t, summary.Text, "需求确认 1", "已成交 2", "预算不足 1")
			lastAPI, from, to := apiNumbers(t, base, token, "sales1", monday, day(6, 0), p.Loc)
			if !from.Equal(monday) || !to.Equal(day(7, 0)) {
				t.Errorf("the API counted [%v, %v), want last week [%v, %v)", from, to, monday, day(7, 0))
			}
			ck = dashLogin(t, c, base, "wangjl") // the Friday session has expired
			agree(t, "last week, 销售一组", week, map[string]numbers{
				"weekly summary": textNumbers(t, summary.Text), "API": lastAPI, "dashboard last_week": dashNumbers(t, base, ck, "last_week"),
			})
			// The new week so far: Monday's report, and nothing else.
			monday2 := numbers{New: 1}
			today, _, _ := apiNumbers(t, base, token, "sales1", day(7, 0), day(7, 0), p.Loc)
			agree(t, "this week (Monday), 销售一组", monday2, map[string]numbers{
				"统计": textNumbers(t, c.say("wangjl", "统计")), "API": today, "dashboard": dashNumbers(t, base, ck, "this_week"),
			})
			if n := c.count("SELECT COUNT(*) FROM outbox WHERE to_chat = 'sales2' AND payload LIKE ?", "%销售二组 上周统计（"+p.Date(monday)+"%"); n != 1 {
				t.Errorf("sales2 got %d summaries of the week, want 1", n)
			}
		})
	}
}
