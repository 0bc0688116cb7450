package dash_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/cards"
	"baobei/dash"
	"baobei/store"
	"baobei/store/storetest"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"
)

// BenchmarkDash times the dashboard's Overview (this week, last 30 days)
// and People pages for a manager whose team of 50 reps holds 10,000
// customers with a year of history: ≈ 300,000 follow-ups, the audit rows
// the store writes for reports, takeovers, claims, wins, losses and
// expiries, visits and first contacts (BENCH_DASH_CUSTOMERS and
// BENCH_DASH_FOLLOWUPS to change). Each page is requested through the gin
// engine 2 times to warm up and then BENCH_DASH_N (20) times; the metrics
// are p50 and p95 in ms, per page and per store call. The seed's multi-row
// INSERT rate is the yardstick. BENCH_DB names a database to keep (seeded
// on first use) for EXPLAIN afterwards; by default a throw-away one is used.
func BenchmarkDash(b *testing.B) {
	if storetest.MySQLDSN() == "" {
		b.Skip("BAOBEI_TEST_MYSQL_DSN not set")
	}
	nCustomers, nFollowUps, n := 10_000, 300_000, 20
	fmt.Sscan(os.Getenv("BENCH_DASH_CUSTOMERS"), &nCustomers)
	fmt.Sscan(os.Getenv("BENCH_DASH_FOLLOWUPS"), &nFollowUps)
	fmt.Sscan(os.Getenv("BENCH_DASH_N"), &n)
	dsn := os.Getenv("BENCH_DB")
	if dsn == "" {
		var drop func()
		var err error
		if dsn, drop, err = storetest.CreateMySQL(); err != nil {
			b.Fatal(err)
		}
		defer drop()
	}
	p := baobei.DefaultPolicy()
	ctx := context.Background()
	s, err := store.OpenPool(ctx, dsn, p, store.Pool{MaxOpen: 16})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 18, 15, 0, 0, 0, p.Loc) // a Wednesday afternoon
	org := baobei.Org{Teams: []baobei.OrgTeam{{Code: "bench", Name: "销售一部", Chat: "bench-chat",
		Members: []baobei.OrgMember{{ID: "bench-mgr", Name: "王经理", Role: baobei.RoleManager}}}},
		Admins: []baobei.OrgMember{{ID: "bench-admin", Name: "管理员"}}}
	for i := 1; i <= 50; i++ {
		org.Teams[0].Members = append(org.Teams[0].Members, baobei.OrgMember{ID: fmt.Sprintf("bench-rep%02d", i), Name: fmt.Sprintf("销售%02d", i)})
	}
	if err := s.SyncOrg(ctx, org, now.AddDate(-2, 0, 0)); err != nil {
		b.Fatal(err)
	}
	mgr, err := s.UserByUID(ctx, "bench-mgr")
	if err != nil {
		b.Fatal(err)
	}
	var have int
	if err := s.DB().Get(&have, "SELECT COUNT(*) FROM customers"); err != nil {
		b.Fatal(err)
	}
	if have == 0 {
		var reps []int64
		if err := s.DB().Select(&reps, "SELECT id FROM users WHERE uid LIKE 'bench-rep%' ORDER BY id"); err != nil {
			b.Fatal(err)
		}
		sd := &seeder{b: b, db: s.DB()}
		sd.seed(p, reps, nCustomers, nFollowUps, now)
		b.Logf("seed: %d rows in %.1f s of multi-row INSERTs (%d-row statements): %.0f rows/s", sd.rows, sd.spent.Seconds(), seedBatch,
			float64(sd.rows)/sd.spent.Seconds())
		b.ReportMetric(float64(sd.rows)/sd.spent.Seconds(), "seed-rows/s")
		if _, err := s.DB().Exec("ANALYZE TABLE customers, followups, audit_events, visits, first_contacts, users"); err != nil {
			b.Fatal(err)
		}
	} else {
		b.Logf("seed: reusing BENCH_DB (%d customers)", have)
	}

	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	signer, err := cards.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		b.Fatal(err)
	}
	font, _ := os.ReadFile("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf") // as chart_font finds it; nil: the library's font
	dash.New(s, &storetest.Clock{T: now}, p, signer, "https://crm.example.com", font, slog.New(slog.NewTextHandler(io.Discard, nil))).Mount(engine)
	serve := func(method, path, cookie string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, req)
		return w
	}
	tok, err := s.CreateLink(ctx, now, mgr, baobei.LinkDash, baobei.ScopeOf(mgr))
	if err != nil {
		b.Fatal(err)
	}
	serve("GET", "/dash/open/"+tok, "")
	w := serve("POST", "/dash/open/"+tok, "")
	if w.Code != http.StatusSeeOther {
		b.Fatalf("opening the link = %d", w.Code)
	}
	cookie := strings.SplitN(w.Header().Get("Set-Cookie"), ";", 2)[0]

	b.ResetTimer()
	for range b.N {
		b.Logf("font: %v; %d requests per page after 2 warm-ups", font != nil, n)
		pages := []struct{ name, path, want string }{
			{"overview-week", "/dash/", "<svg"},
			{"overview-30d", "/dash/?period=last_30", "<svg"},
			{"people", "/dash/people", "销售01"},
		}
		for _, pg := range pages {
			ms := timeIt(n, func() {
				w := serve("GET", pg.path, cookie)
				if w.Code != 200 || !strings.Contains(w.Body.String(), pg.want) {
					b.Fatalf("GET %s = %d: %.300s", pg.path, w.Code, w.Body.String())
				}
			})
			report(b, pg.name, ms)
		}
		// What the pages spend their time on: the store calls alone.
		scope := baobei.ScopeOf(mgr)
		monday := p.DayStart(now).AddDate(0, 0, -((int(now.In(p.Loc).Weekday()) + 6) % 7))
		calls := []struct {
			name string
			fn   func() error
		}{
			{"store.Stats-week", func() error { _, err := s.Stats(ctx, scope, monday, now); return err }},
			{"store.Stats-30d", func() error { _, err := s.Stats(ctx, scope, now.AddDate(0, 0, -30), now); return err }},
			{"store.Trend", func() error { _, err := s.Trend(ctx, scope, monday.AddDate(0, 0, -77), 12); return err }},
			{"store.People-week", func() error { _, err := s.People(ctx, scope, monday, now, now); return err }},
		}
		stages := []string{"新线索", "已联系", "需求确认", "报价", "签约", "已成交"}
		weeks := make([]string, 12)
		news, wons := make([]float64, 12), make([]float64, 12)
		for i := range weeks {
			weeks[i], news[i], wons[i] = monday.AddDate(0, 0, 7*(i-11)).Format("1/2"), float64(170+i), float64(20+i)
		}
		calls = append(calls, struct {
			name string
			fn   func() error
		}{"charts", func() error { // the overview's two SVGs, without the store
			if _, err := dash.BarSVG("漏斗（当前人数）", stages, []float64{2900, 2000, 1600, 900, 700, 1000}, font); err != nil {
				return err
			}
			_, err := dash.LineSVG("近 12 周新增与成交", weeks, []dash.Series{{Name: "新增", Values: news}, {Name: "成交", Values: wons}}, font)
			return err
		}})
		for _, c := range calls {
			ms := timeIt(n, func() {
				if err := c.fn(); err != nil {
					b.Fatal(err)
				}
			})
			report(b, c.name, ms)
		}
	}
}

// timeIt runs fn twice to warm up, then n times, and returns the times in ms, sorted.
func timeIt(n int, fn func()) []float64 {
	fn()
	fn()
	ms := make([]float64, n)
	for i := range ms {
		start := time.Now()
		fn()
		ms[i] = float64(time.Since(start).Microseconds()) / 1000
	}
	slices.Sort(ms)
	return ms
}

func report(b *testing.B, name string, ms []float64) {
	p50, p95 := ms[(len(ms)-1)/2], ms[min(len(ms)-1, (len(ms)*95+99)/100-1)]
	b.Logf("%-18s p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms", name, p50, p95, ms[len(ms)-1])
	b.ReportMetric(p50, name+"-p50-ms")
	b.ReportMetric(p95, name+"-p95-ms")
}

const seedBatch = 1000

// seeder writes rows with multi-row INSERTs and keeps the yardstick.
type seeder struct {
	b     *testing.B
	db    *sqlx.DB
	rows  int
	spent time.Duration
}

func (sd *seeder) insert(table, cols string, rows [][]any) {
	n := strings.Count(cols, ",") + 1
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	for start := 0; start < len(rows); start += seedBatch {
		chunk := rows[start:min(start+seedBatch, len(rows))]
		args := make([]any, 0, n*len(chunk))
		for _, r := range chunk {
			if len(r) != n {
				sd.b.Fatalf("%s: %d values for %d columns", table, len(r), n)
			}
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)), ", ")
		t0 := time.Now()
		if _, err := sd.db.Exec(q, args...); err != nil {
			sd.b.Fatalf("seed %s: %v", table, err)
		}
		sd.spent += time.Since(t0)
		sd.rows += len(chunk)
	}
}

type seedCustomer struct {
	id, owner    int64 // owner: the current one, or the last one for a pool customer
	reported     time.Time
	status       baobei.Status
	stage        baobei.Stage
	wonAt, outAt time.Time // when won; when it went to the pool
	amount       int64
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// seed writes the team's history as the store would have written it:
// customers reported over the last 395 days (ids in report order), 10% won,
// 10% in the pool (lost or expired), the rest held with protections ending
// from 5 days ago to 30 days ahead (3% locked) and next follow-ups from 7
// days ago to 14 days ahead; follow-ups spread evenly over the year, each on
// a customer reported before it, by its owner; audit rows for every report
// (3% takeovers), claim, win and release; visits and first contacts.
func (sd *seeder) seed(p baobei.Policy, reps []int64, nCustomers, nFollowUps int, now time.Time) {
	r := rand.New(rand.NewPCG(15, 200))
	u := func(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
	between := func(a, z time.Time) time.Time { return a.Add(time.Duration(r.Int64N(int64(z.Sub(a)) + 1))) }
	nullable := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return u(t)
	}
	first := now.AddDate(0, 0, -395)
	sources := []string{"抖音", "官网", "转介绍", "展会", "百度", "小红书", ""}
	grades := []string{"", "A", "B", "B", "C", "C"}
	held := []baobei.Stage{baobei.StageNew, baobei.StageNew, baobei.StageNew, baobei.StageContacted, baobei.StageContacted,
		baobei.StageNeeds, baobei.StageNeeds, baobei.StageQuoted, baobei.StageSigning}
	reasons := []string{"预算不足", "选了竞品", "联系不上", "需求取消"}
	cs := make([]seedCustomer, nCustomers)
	var rows, audit, contacts [][]any
	for i := range cs {
		c := &cs[i]
		c.id = int64(i + 1)
		c.owner = reps[r.IntN(len(reps))]
		c.reported = u(first.Add(time.Duration(int64(now.Add(-time.Hour).Sub(first)) * int64(i) / int64(nCustomers))))
		owner, prev := any(c.owner), any(nil)
		protected := c.reported.Add(p.Protection())
		var released, lastFollowUp, next time.Time
		var lost, why string
		locked := 0
		switch x := r.Float64(); {
		case x < 0.10 && c.reported.Before(now.AddDate(0, 0, -3)):
			c.status, c.stage = baobei.StatusWon, baobei.StageWon
			c.wonAt = u(between(c.reported.Add(24*time.Hour), earlier(now.Add(-time.Hour), c.reported.AddDate(0, 0, 90))))
			c.amount = (5_000 + r.Int64N(195_000)) * 100
			lastFollowUp = c.wonAt
		case x < 0.20 && c.reported.Before(now.AddDate(0, 0, -3)):
			c.status, owner, prev = baobei.StatusPool, nil, c.owner
			c.outAt = u(between(c.reported.Add(24*time.Hour), earlier(now.Add(-time.Hour), c.reported.Add(p.Protection()))))
			released = c.outAt
			if r.IntN(2) == 0 {
				c.stage, lost, why = baobei.StageLost, pick(r, reasons...), baobei.ReleaseLost
			} else {
				c.stage, why = pick(r, held...), baobei.ReleaseExpired
			}
			if r.IntN(3) > 0 {
				lastFollowUp = between(c.reported, c.outAt)
			}
		default:
			c.status, c.stage = baobei.StatusOwned, pick(r, held...)
			protected = u(between(now.AddDate(0, 0, -5), now.AddDate(0, 0, 30)))
			if r.IntN(100) < 3 {
				locked = 1
			}
			if r.IntN(10) > 0 {
				lastFollowUp = u(between(later(c.reported, now.AddDate(0, 0, -20)), now.Add(-time.Hour)))
			}
			if r.IntN(10) < 6 {
				next = u(between(now.AddDate(0, 0, -7), now.AddDate(0, 0, 14)))
			}
		}
		activity := c.reported
		if !lastFollowUp.IsZero() && lastFollowUp.After(activity) {
			activity = lastFollowUp
		}
		rows = append(rows, []any{fmt.Sprintf("客户%05d", i), fmt.Sprintf("139%08d", i), pick(r, sources...), pick(r, grades...), c.stage, c.status,
			owner, u(protected), c.owner, c.reported, nullable(lastFollowUp), nullable(next), c.amount, lost, prev, nullable(released), why,
			c.reported, u(activity), locked})
		detail, from := "new", any(nil)
		if r.IntN(100) < 3 {
			detail, from = store.DetailTakeover, reps[r.IntN(len(reps))]
		}
		audit = append(audit, []any{c.id, c.owner, store.ActReport, from, c.owner, c.reported, detail})
		contacted := any(nil)
		if r.IntN(100) < 85 {
			contacted = u(c.reported.Add(time.Duration(r.IntN(48*60)) * time.Minute))
		}
		contacts = append(contacts, []any{c.id, c.owner, c.reported, c.reported.Add(24 * time.Hour), c.reported.Add(48 * time.Hour), contacted})
		switch {
		case c.status == baobei.StatusWon:
			audit = append(audit, []any{c.id, c.owner, store.ActWon, c.owner, c.owner, c.wonAt, baobei.FormatCents(c.amount)})
		case why == baobei.ReleaseLost:
			audit = append(audit, []any{c.id, c.owner, store.ActRelease, c.owner, nil, c.outAt, why + ": " + lost})
		case why == baobei.ReleaseExpired:
			audit = append(audit, []any{c.id, nil, store.ActRelease, c.owner, nil, c.outAt, why})
		}
		if r.IntN(100) < 5 { // a grade change
			audit = append(audit, []any{c.id, c.owner, store.ActGrade, c.owner, c.owner, u(between(c.reported, now)), "C→B"})
		}
	}
	// Claims from the pool: other rows of the trail, spread over the year.
	for range nCustomers / 10 {
		c := cs[r.IntN(len(cs))]
		audit = append(audit, []any{c.id, c.owner, store.ActClaim, nil, c.owner, u(between(later(c.reported, now.AddDate(-1, 0, 0)), now)), ""})
	}
	sort.SliceStable(audit, func(i, j int) bool { return audit[i][5].(time.Time).Before(audit[j][5].(time.Time)) }) // ids in time order, as written
	sd.insert("customers", `name, phone, source, grade, stage, status, owner_id, protected_until, reporter_id, reported_at, last_followup_at,
		next_followup_at, amount_cents, lost_reason, prev_owner_id, released_at, release_reason, owned_since, last_activity, locked`, rows)
	sd.insert("audit_events", "customer_id, actor_id, action, from_owner, to_owner, at, detail", audit)
	sd.insert("first_contacts", "customer_id, user_id, started_at, due_at, escalate_at, contacted_at", contacts)

	// A year of follow-ups, evenly over the days, each on a customer
	// reported before it (and not yet won or released), in time order.
	yearAgo := now.AddDate(-1, 0, 0)
	kinds := baobei.FollowUpKinds
	texts := []string{"电话沟通，客户想看样品", "微信发了报价单", "客户在比较两家，下周再约", "上门拜访，见了采购负责人", "客户到店看了样品"}
	times := make([]time.Time, nFollowUps)
	for i := range times {
		times[i] = u(between(yearAgo, now.Add(-time.Minute)))
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	rows = rows[:0]
	for _, at := range times {
		k := sort.Search(len(cs), func(i int) bool { return cs[i].reported.After(at) })
		var c seedCustomer
		for try := 0; try < 8; try++ {
			c = cs[r.IntN(max(k, 1))]
			if (c.wonAt.IsZero() || !c.wonAt.Before(at)) && (c.outAt.IsZero() || !c.outAt.Before(at)) {
				break
			}
		}
		from, to := c.stage, c.stage
		if r.IntN(100) < 5 {
			from, to = pick(r, held...), pick(r, held...)
		}
		next := any(nil)
		if r.IntN(2) == 0 {
			next = u(at.Add(time.Duration(1+r.IntN(7)) * 24 * time.Hour))
		}
		rows = append(rows, []any{c.id, c.owner, pick(r, kinds...), pick(r, texts...), from, to, next, at})
	}
	sd.insert("followups", "customer_id, user_id, kind, content, stage_from, stage_to, next_at, created_at", rows)

	// Visits: about one for every 20 follow-ups, mostly reported.
	rows = rows[:0]
	for range nFollowUps / 20 {
		at := u(between(yearAgo, now.AddDate(0, 0, 7)))
		k := sort.Search(len(cs), func(i int) bool { return cs[i].reported.After(at) })
		c := cs[r.IntN(max(k, 1))]
		status, checkin, reported := "reported", any(u(at)), any(u(at.Add(3*time.Hour)))
		switch x := r.IntN(100); {
		case at.After(now):
			status, checkin, reported = "planned", nil, nil
		case x < 10:
			status, checkin, reported = "missed", nil, nil
		case x < 15:
			status, checkin, reported = "cancelled", nil, nil
		}
		if reported != nil && reported.(time.Time).After(now) {
			status, reported = "checked_in", nil
		}
		rows = append(rows, []any{c.id, c.owner, at, status, checkin, reported, "", u(at.AddDate(0, 0, -2))})
	}
	sd.insert("visits", "customer_id, user_id, planned_at, status, checkin_at, reported_at, report, created_at", rows)
}
