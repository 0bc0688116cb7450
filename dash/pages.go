package dash

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"baobei"
	"baobei/store"

	"github.com/gin-gonic/gin"
)

// view is what every page is about: the viewer, the scope they asked for
// and may see, and the period.
type view struct {
	Viewer    *baobei.User
	Scope     baobei.Scope
	ScopeName string
	Teams     []baobei.Team // the team picker, for admins
	TeamID    int64
	Period    string
	From, To  time.Time
	Query     string // period and team, for links between pages
}

// periods are the picker's choices, in order.
var periods = []struct{ Key, Label string }{
	{"this_week", "本周"}, {"last_week", "上周"}, {"this_month", "本月"}, {"last_30", "近 30 天"}, {"custom", "自定义"},
}

// view reads the scope and the period; a scope beyond the viewer's is 403.
func (d *Dash) view(c *gin.Context) (*view, bool) {
	u, now := viewer(c), d.clock.Now()
	v := &view{Viewer: u, Scope: baobei.ScopeOf(u), Period: c.DefaultQuery("period", "this_week")}
	if c.Query("from") != "" && c.Query("to") != "" { // dates picked: they win over the choice
		v.Period = "custom"
	}
	teams, err := d.store.Teams(c.Request.Context())
	if d.refused(c, err) {
		return nil, false
	}
	if t := c.Query("team"); t != "" {
		id, err := strconv.ParseInt(t, 10, 64)
		switch {
		case err != nil:
			d.deny(c, http.StatusBadRequest, "团队参数无效。")
			return nil, false
		case u.Role == baobei.RoleAdmin:
			v.Scope = baobei.Scope{TeamID: &id}
		case u.TeamID == nil || *u.TeamID != id:
			d.deny(c, http.StatusForbidden, "只能查看你自己团队的数据。")
			return nil, false
		}
		v.TeamID = id
	}
	if r := c.Query("rep"); r != "" {
		id, err := strconv.ParseInt(r, 10, 64)
		rep, uerr := d.store.UserByID(c.Request.Context(), id)
		if err != nil || uerr != nil || !(u.ID == id || u.CanManage(rep.TeamID)) {
			d.deny(c, http.StatusForbidden, "只能查看你自己或本团队同事的数据。")
			return nil, false
		}
		v.Scope, v.ScopeName = baobei.Scope{UserID: &id}, rep.Name
	}
	v.ScopeName = scopeName(v, teams)
	if u.Role == baobei.RoleAdmin {
		v.Teams = teams
	}
	if v.From, v.To, err = d.period(c, v.Period, now); err != nil {
		d.deny(c, http.StatusBadRequest, err.Error())
		return nil, false
	}
	q := url.Values{"period": {v.Period}}
	if v.TeamID != 0 {
		q.Set("team", strconv.FormatInt(v.TeamID, 10))
	}
	if r := c.Query("rep"); r != "" { // a drill-down stays on the rep across pages and downloads
		q.Set("rep", r)
	}
	if v.Period == "custom" {
		q.Set("from", c.Query("from"))
		q.Set("to", c.Query("to"))
	}
	v.Query = q.Encode()
	return v, true
}

func scopeName(v *view, teams []baobei.Team) string {
	switch {
	case v.ScopeName != "":
		return v.ScopeName
	case v.Scope.UserID != nil:
		return v.Viewer.Name
	case v.Scope.TeamID != nil:
		for _, t := range teams {
			if t.ID == *v.Scope.TeamID {
				return t.Name
			}
		}
		return "团队"
	}
	return "全公司"
}

// period is [from, to) of a picker choice; custom reads from and to
// (dates, to inclusive).
func (d *Dash) period(c *gin.Context, key string, now time.Time) (time.Time, time.Time, error) {
	p := d.policy
	today, monday, until := p.DayStart(now), p.WeekStart(now), baobei.Until(now)
	switch key {
	case "this_week":
		return monday, until, nil
	case "last_week":
		return monday.AddDate(0, 0, -7), monday, nil
	case "this_month":
		return today.AddDate(0, 0, 1-today.In(p.Loc).Day()), until, nil
	case "last_30":
		return now.AddDate(0, 0, -30), until, nil
	case "custom":
		from, err1 := time.ParseInLocation("2006-01-02", c.Query("from"), p.Loc)
		to, err2 := time.ParseInLocation("2006-01-02", c.Query("to"), p.Loc)
		if err1 != nil || err2 != nil || to.Before(from) {
			return now, now, fmt.Errorf("自定义时间要写开始和结束日期，例如 from=2026-11-01&to=2026-11-30。")
		}
		return from, to.AddDate(0, 0, 1), nil
	}
	return now, now, fmt.Errorf("没有“%s”这个时间段。", key)
}

func (v *view) data(page string) map[string]any {
	return map[string]any{"V": v, "Page": page, "Periods": periods}
}

// overview: the funnel, the period's numbers and the 12-week trend.
func (d *Dash) overview(c *gin.Context) {
	v, ok := d.view(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	st, err := d.store.Stats(ctx, v.Scope, v.From, v.To)
	if d.refused(c, err) {
		return
	}
	trend, err := d.store.Trend(ctx, v.Scope, d.policy.WeekStart(v.To.Add(-time.Second)).AddDate(0, 0, -7*11), 12)
	if d.refused(c, err) {
		return
	}
	funnel := st.Funnel()
	if c.Query("format") == "csv" {
		rows := [][]string{{"阶段", "当前", "到达", "转化"}}
		for _, f := range funnel {
			conv := ""
			if f.Conversion >= 0 {
				conv = itoa(f.Conversion) + "%"
			}
			rows = append(rows, []string{string(f.Stage), itoa(f.Now), itoa(f.Reach), conv})
		}
		d.csv(c, "漏斗", rows)
		return
	}
	labels, values := make([]string, len(funnel)), make([]float64, len(funnel))
	for i, f := range funnel {
		labels[i], values[i] = string(f.Stage), float64(f.Now)
	}
	weeks, news, wons := make([]string, len(trend)), make([]float64, len(trend)), make([]float64, len(trend))
	for i, w := range trend {
		weeks[i], news[i], wons[i] = w.Start.In(d.policy.Loc).Format("1/2"), float64(w.New), float64(w.Won)
	}
	bar, err := BarSVG("漏斗（当前人数）", labels, values, d.font)
	if d.refused(c, err) {
		return
	}
	line, err := LineSVG("近 12 周新增与成交", weeks, []Series{{"新增", news}, {"成交", wons}}, d.font)
	if d.refused(c, err) {
		return
	}
	data := v.data("overview")
	data["S"], data["Funnel"], data["Trend"], data["FunnelSVG"], data["TrendSVG"] = st, funnel, trend, bar, line
	d.render(c, "overview", data)
}

// people: the ranking, sortable by any column; CSV with format=csv.
func (d *Dash) people(c *gin.Context) {
	v, ok := d.view(c)
	if !ok {
		return
	}
	ps, err := d.store.People(c.Request.Context(), v.Scope, v.From, v.To, d.clock.Now())
	if d.refused(c, err) {
		return
	}
	key := c.DefaultQuery("sort", "won")
	by := map[string]func(baobei.PersonRow) int64{
		"held": func(p baobei.PersonRow) int64 { return int64(p.Held) }, "followups": func(p baobei.PersonRow) int64 { return int64(p.FollowUps) },
		"visits": func(p baobei.PersonRow) int64 { return int64(p.Visits) }, "won": func(p baobei.PersonRow) int64 { return int64(p.WonCount) },
		"amount": func(p baobei.PersonRow) int64 { return p.WonCents }, "overdue": func(p baobei.PersonRow) int64 { return int64(p.Overdue) },
		"stale": func(p baobei.PersonRow) int64 { return int64(p.Stale) },
	}
	if f, ok := by[key]; ok {
		slices.SortStableFunc(ps, func(a, b baobei.PersonRow) int { return int(f(b) - f(a)) })
	}
	if c.Query("format") == "csv" {
		rows := [][]string{{"成员", "持有客户", "跟进", "拜访", "成交单数", "成交金额", "逾期", "久未跟进"}}
		for _, p := range ps {
			rows = append(rows, []string{p.Name, itoa(p.Held), itoa(p.FollowUps), itoa(p.Visits), itoa(p.WonCount), baobei.FormatCents(p.WonCents), itoa(p.Overdue), itoa(p.Stale)})
		}
		d.csv(c, "排行", rows)
		return
	}
	data := v.data("people")
	data["People"], data["Sort"] = ps, key
	d.render(c, "people", data)
}

// risk: customers whose protection ends within 7 days, overdue or stale,
// and the requests waiting for the viewer.
func (d *Dash) risk(c *gin.Context) {
	v, ok := d.view(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	rows, err := d.store.AtRisk(ctx, v.Scope, d.clock.Now())
	if d.refused(c, err) {
		return
	}
	if c.Query("format") == "csv" {
		out := [][]string{{"编号", "客户", "负责人", "阶段", "保护期至", "下次跟进", "原因"}}
		for _, r := range rows {
			out = append(out, []string{itoa(int(r.ID)), r.Name, r.OwnerName, string(r.Stage), when(r.ProtectedUntil, d.policy), when(r.NextFollowupAt, d.policy), reasons(r)})
		}
		d.csv(c, "风险客户", out)
		return
	}
	approvals, err := d.store.PendingApprovals(ctx, v.Viewer)
	if d.refused(c, err) {
		return
	}
	data := v.data("risk")
	data["Rows"], data["Approvals"] = rows, approvals
	d.render(c, "risk", data)
}

// customer: one customer and its timeline, if the viewer may see it.
func (d *Dash) customer(c *gin.Context) {
	u, now := viewer(c), d.clock.Now()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		d.deny(c, http.StatusNotFound, "没有这个客户。")
		return
	}
	ctx := c.Request.Context()
	cu, err := d.store.Customer(ctx, id)
	if d.refused(c, err) {
		return
	}
	if !u.SeesFull(cu, now) {
		d.deny(c, http.StatusForbidden, "这个客户不在你的范围内。")
		return
	}
	fs, _, err := d.store.FollowUps(ctx, id, 200)
	if d.refused(c, err) {
		return
	}
	trail, err := d.store.AuditTrail(ctx, id)
	if d.refused(c, err) {
		return
	}
	d.render(c, "customer", map[string]any{"V": &view{Viewer: u}, "Page": "customer", "C": cu, "FollowUps": fs, "Trail": trail})
}

func (d *Dash) csv(c *gin.Context, name string, rows [][]string) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename*=UTF-8''%s.csv", url.PathEscape(name)))
	c.Writer.WriteString("\ufeff") // Excel reads UTF-8 with a BOM
	w := csv.NewWriter(c.Writer)
	for _, r := range rows {
		for i := range r {
			r[i] = baobei.SafeCell(r[i])
		}
	}
	w.WriteAll(rows)
}

func itoa(n int) string { return strconv.Itoa(n) }

func when(t *time.Time, p baobei.Policy) string {
	if t == nil {
		return ""
	}
	return p.DateTime(*t)
}

func reasons(r baobei.RiskRow) string {
	var out []string
	for _, x := range []struct {
		on   bool
		what string
	}{{r.Expiring, "保护期快到"}, {r.Overdue, "跟进逾期"}, {r.Stale, "久未跟进"}} {
		if x.on {
			out = append(out, x.what)
		}
	}
	return strings.Join(out, "、")
}

// channels: the period's leads by source, with conversion and time to win.
func (d *Dash) channels(c *gin.Context) {
	v, ok := d.view(c)
	if !ok {
		return
	}
	rows, err := d.store.Channels(c.Request.Context(), v.Scope, v.From, v.To)
	if d.refused(c, err) {
		return
	}
	if c.Query("format") == "csv" {
		out := [][]string{{"来源", "线索", "已联系", "成交", "转化率", "成交金额", "成交天数中位数"}}
		for _, r := range rows {
			out = append(out, []string{r.Source, itoa(r.Leads), itoa(r.Contacted), itoa(r.Won), pct(r.Won, r.Leads), baobei.FormatCents(r.WonCents),
				days(r.MedianDaysToWin)})
		}
		d.csv(c, "渠道", out)
		return
	}
	data := v.data("channels")
	data["Rows"] = rows
	d.render(c, "channels", data)
}

// cycle: days from report to won by source and rep, and where deals stall.
func (d *Dash) cycle(c *gin.Context) {
	v, ok := d.view(c)
	if !ok {
		return
	}
	bySource, byRep, stages, err := d.store.Cycle(c.Request.Context(), v.Scope, v.From, v.To)
	if d.refused(c, err) {
		return
	}
	if c.Query("format") == "csv" {
		rows := [][]string{{"按", "名称", "成交", "中位天数", "75%天数"}}
		for _, g := range []struct {
			by   string
			rows []baobei.CycleRow
		}{{"来源", bySource}, {"成员", byRep}} {
			for _, r := range g.rows {
				rows = append(rows, []string{g.by, r.Key, itoa(r.Won), days(r.Median), days(r.P75)})
			}
		}
		for _, st := range stages {
			rows = append(rows, []string{"阶段停留", string(st.Stage), itoa(st.N), days(st.Median), ""})
		}
		d.csv(c, "周期", rows)
		return
	}
	data := v.data("cycle")
	data["BySource"], data["ByRep"], data["Stages"] = bySource, byRep, stages
	d.render(c, "cycle", data)
}

// customers: search and filters within the viewer's scope, 50 a page;
// phones as chat shows them to the viewer.
func (d *Dash) customers(c *gin.Context) {
	v, ok := d.view(c)
	if !ok {
		return
	}
	now := d.clock.Now()
	f := store.CustomerFilter{Stage: c.Query("stage"), Grade: c.Query("grade"), Source: c.Query("source"), Search: c.Query("q"), Tag: c.Query("tag"),
		OwnerID: v.Scope.UserID, TeamID: v.Scope.TeamID, Limit: 50, Now: now}
	if after, err := strconv.ParseInt(c.DefaultQuery("after", "0"), 10, 64); err == nil {
		f.After = after
	}
	cs, err := d.store.ListCustomers(c.Request.Context(), f)
	if d.refused(c, err) {
		return
	}
	for i := range cs {
		if !v.Viewer.SeesFull(&cs[i], now) {
			cs[i].Phone = baobei.MaskPhone(cs[i].Phone)
		}
	}
	if c.Query("format") == "csv" {
		rows := [][]string{{"编号", "客户", "电话", "负责人", "阶段", "等级", "来源"}}
		for _, cu := range cs {
			rows = append(rows, []string{itoa(int(cu.ID)), cu.Name, cu.Phone, cu.OwnerName, string(cu.Stage), cu.Grade, cu.Source})
		}
		d.csv(c, "客户", rows)
		return
	}
	next := ""
	if len(cs) == f.Limit {
		q := c.Request.URL.Query()
		q.Set("after", strconv.FormatInt(cs[len(cs)-1].ID, 10))
		next = "?" + q.Encode()
	}
	data := v.data("customers")
	q := c.Request.URL.Query()
	q.Set("format", "csv")
	data["Customers"], data["Next"], data["F"], data["Stages"], data["CSV"] = cs, next, f, baobei.Stages, q.Encode()
	d.render(c, "customers", data)
}

// forecast: expected revenue of the open deals by month and rep, next to
// what was won.
func (d *Dash) forecast(c *gin.Context) {
	v, ok := d.view(c)
	if !ok {
		return
	}
	byMonth, byRep, err := d.store.Forecast(c.Request.Context(), v.Scope, v.From, v.To, d.clock.Now())
	if d.refused(c, err) {
		return
	}
	if c.Query("format") == "csv" {
		rows := [][]string{{"按", "名称", "客户", "预计", "已成交"}}
		for _, g := range []struct {
			by   string
			rows []baobei.ForecastRow
		}{{"月份", byMonth}, {"成员", byRep}} {
			for _, r := range g.rows {
				rows = append(rows, []string{g.by, r.Key, itoa(r.Deals), baobei.FormatCents(r.ExpectedCents), baobei.FormatCents(r.WonCents)})
			}
		}
		d.csv(c, "预测", rows)
		return
	}
	data := v.data("forecast")
	data["ByMonth"], data["ByRep"], data["Probability"] = byMonth, byRep, d.policy.WinProbability
	d.render(c, "forecast", data)
}

func days(d float64) string { return strconv.FormatFloat(d, 'f', 1, 64) }
