package api

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"baobei"
	"baobei/handlers"
	"baobei/importer"
	"baobei/store"

	"github.com/gin-gonic/gin"
)

// customerIn is a customer as a lead or a report posts it.
type customerIn struct {
	Name    string            `json:"name"`
	Phone   string            `json:"phone"`
	Company string            `json:"company"`
	Wechat  string            `json:"wechat"`
	Source  string            `json:"source"`
	Demand  string            `json:"demand"`
	Grade   string            `json:"grade"`
	Region  string            `json:"region"`
	City    string            `json:"city"`
	Address string            `json:"address"`
	Fields  map[string]string `json:"fields"` // policy.fields values by key
}

// leadColumns reads a posted customer with the importer's checks, which
// are the chat's: one normalisation and one set of limits.
var leadColumns = func() importer.Columns {
	c, err := importer.ReadHeader([]string{"姓名", "手机", "公司", "微信", "来源", "需求", "等级", "地区"})
	if err != nil {
		panic(err)
	}
	return c
}()

// draft checks in and answers 422 naming the field when it is bad.
func (a *API) draft(c *gin.Context, in customerIn) (baobei.CustomerDraft, bool) {
	var where []string
	for _, s := range []string{in.Region, in.City, in.Address} {
		if s = strings.TrimSpace(s); s != "" {
			where = append(where, s)
		}
	}
	row, bad := leadColumns.Row(c.Request.Context(), 0, []string{in.Name, in.Phone, in.Company, in.Wechat, in.Source, in.Demand, in.Grade, strings.Join(where, " ")},
		a.clock.Now(), a.policy, nil, nil)
	if bad != nil {
		invalid(c, string(bad.Column)+bad.Reason)
		return row.Draft, false
	}
	var ok bool
	row.Draft.Custom, ok = a.fields(c, in.Fields)
	return row.Draft, ok
}

// fields checks posted custom field values by their policy.fields type,
// or answers 422 naming the field.
func (a *API) fields(c *gin.Context, in map[string]string) (map[string]string, bool) {
	var out map[string]string
	for k, v := range in {
		if strings.TrimSpace(v) == "" {
			continue
		}
		f, ok := baobei.FieldOf(k)
		if !ok {
			invalid(c, fmt.Sprintf("fields.%s 不是配置的字段（policy.fields：%s）。", k, strings.Join(baobei.FieldKeys(), " ")))
			return nil, false
		}
		val, err := f.Parse(v, a.clock.Now(), a.policy.Loc, a.policy.FieldMaxRunes)
		if err != nil {
			invalid(c, "fields."+err.Message)
			return nil, false
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = val
	}
	return out, true
}

// postLead: a lead from another system, deduplicated, then assigned.
func (a *API) postLead(c *gin.Context) {
	var in customerIn
	if !bind(c, &in) {
		return
	}
	d, ok := a.draft(c, in)
	if !ok {
		return
	}
	key := c.GetHeader("Idempotency-Key")
	if len(key) > 200 {
		invalid(c, "Idempotency-Key 最长 200 个字符。")
		return
	}
	t, now := token(c), a.clock.Now()
	res, err := a.store.AddLead(c.Request.Context(), now, baobei.LeadDraft{CustomerDraft: d, Via: "api:" + t.Name, TokenID: t.ID, IdemKey: key},
		handlers.LeadCards(a.signer, a.policy, now))
	if err != nil {
		a.fail(c, err)
		return
	}
	out := gin.H{"customer_id": res.Customer.ID, "status": "pool", "replayed": res.Replayed}
	if res.Rep != nil {
		out["status"], out["owner"] = "assigned", baobei.UserJSON{UID: res.Rep.UID, Name: res.Rep.Name}
	}
	if res.Team != nil {
		out["team"] = res.Team.Name
	}
	status := http.StatusCreated
	if res.Replayed {
		status = http.StatusOK
	}
	c.JSON(status, out)
}

// postReport: a 报备 on behalf of a rep, with the chat's rules.
func (a *API) postReport(c *gin.Context) {
	var in struct {
		customerIn
		Rep string `json:"rep"`
	}
	if !bind(c, &in) {
		return
	}
	rep, ok := a.user(c, in.Rep)
	if !ok {
		return
	}
	d, ok := a.draft(c, in.customerIn)
	if !ok {
		return
	}
	now := a.clock.Now()
	res, err := handlers.ReportAs(c.Request.Context(), a.store, now, rep, d, a.policy, handlers.ApprovalCards(a.signer, a.policy, now))
	if err != nil {
		a.fail(c, err)
		return
	}
	out := gin.H{"customer_id": res.Customer.ID, "status": "owned", "took_over": res.Took}
	if res.Approval != nil {
		out["status"], out["approval_id"] = "pending", res.Approval.ID
	}
	c.JSON(http.StatusCreated, out)
}

// user finds the rep a request acts for (uid or name), or answers 422.
func (a *API) user(c *gin.Context, ref string) (*baobei.User, bool) {
	if strings.TrimSpace(ref) == "" {
		invalid(c, "rep 必填：代表哪位成员操作（账号或姓名）。")
		return nil, false
	}
	u, err := a.store.FindUser(c.Request.Context(), ref)
	switch baobei.ErrorCode(err) {
	case baobei.ENOTFOUND:
		invalid(c, "rep “"+ref+"”不在组织里：写成员的账号（uid）或姓名。")
		return nil, false
	case baobei.EAMBIGUOUS:
		invalid(c, "rep “"+ref+"”有重名：请写成员的账号（uid）。")
		return nil, false
	}
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	return u, true
}

// customerOut is a customer as the API shows it, with its follow-ups on
// GET /customers/{id}.
type customerOut struct {
	*baobei.CustomerJSON
	FollowUps []followUpOut `json:"followups,omitempty"`
}

type followUpOut struct {
	ID        int64               `json:"id"`
	Rep       string              `json:"rep"`
	Kind      baobei.FollowUpKind `json:"kind"`
	Content   string              `json:"content"`
	StageFrom baobei.Stage        `json:"stage_from"`
	StageTo   baobei.Stage        `json:"stage_to"`
	NextAt    *time.Time          `json:"next_at"`
	CreatedAt time.Time           `json:"created_at"`
}

func (a *API) customerOut(cu *baobei.Customer) customerOut {
	return customerOut{CustomerJSON: baobei.CustomerJSONOf(cu, a.clock.Now())}
}

// listCustomers: one page, filtered; next_cursor is "" on the last page.
func (a *API) listCustomers(c *gin.Context) {
	f := store.CustomerFilter{Stage: c.Query("stage"), Status: baobei.Status(c.Query("status")), Source: c.Query("source"), Tag: c.Query("tag"),
		Limit: 50, Now: a.clock.Now()}
	if !slices.Contains([]baobei.Status{"", baobei.StatusOwned, baobei.StatusPool, baobei.StatusWon, baobei.StatusPending}, f.Status) {
		invalid(c, "status 只能是 owned、pool、won 或 pending。")
		return
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			invalid(c, "limit 是 1 到 200。")
			return
		}
		f.Limit = n
	}
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			invalid(c, "cursor 无效：用上一页的 next_cursor。")
			return
		}
		f.After = n
	}
	if v := c.Query("owner"); v != "" {
		u, ok := a.user(c, v)
		if !ok {
			return
		}
		f.OwnerID = &u.ID
	}
	if v := c.Query("team"); v != "" {
		id, ok := a.team(c, v)
		if !ok {
			return
		}
		f.TeamID = &id
	}
	var ok bool
	if f.UpdatedSince, ok = rfc3339(c, "updated_since", c.Query("updated_since")); !ok {
		return
	}
	cs, err := a.store.ListCustomers(c.Request.Context(), f)
	if err != nil {
		a.fail(c, err)
		return
	}
	ids := make([]int64, len(cs))
	for i := range cs {
		ids[i] = cs[i].ID
	}
	tags, err := a.store.TagsOf(c.Request.Context(), ids)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := make([]customerOut, len(cs))
	for i := range cs {
		out[i] = a.customerOut(&cs[i])
		out[i].Tags = tags[cs[i].ID]
	}
	next := ""
	if len(cs) == f.Limit {
		next = strconv.FormatInt(cs[len(cs)-1].ID, 10)
	}
	c.JSON(http.StatusOK, gin.H{"customers": out, "next_cursor": next})
}

// team finds a team by code or name, or answers 422.
func (a *API) team(c *gin.Context, ref string) (int64, bool) {
	ts, err := a.store.Teams(c)
	if err != nil {
		a.fail(c, err)
		return 0, false
	}
	for _, t := range ts {
		if t.Code == ref || t.Name == ref {
			return t.ID, true
		}
	}
	invalid(c, "没有团队“"+ref+"”（写团队的 code 或名称）。")
	return 0, false
}

// getCustomer: one customer with its follow-ups, newest first (50).
func (a *API) getCustomer(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	cu, err := a.store.Customer(c.Request.Context(), id)
	if err != nil {
		a.fail(c, err)
		return
	}
	fs, _, err := a.store.FollowUps(c.Request.Context(), id, 50)
	if err != nil {
		a.fail(c, err)
		return
	}
	tags, err := a.store.TagsOf(c.Request.Context(), []int64{id})
	if err != nil {
		a.fail(c, err)
		return
	}
	vals, err := a.store.FieldsOf(c.Request.Context(), []int64{id})
	if err != nil {
		a.fail(c, err)
		return
	}
	out := a.customerOut(cu)
	out.Tags, out.Fields = tags[id], vals[id]
	out.FollowUps = make([]followUpOut, len(fs))
	for i, f := range fs {
		out.FollowUps[i] = followUpOut{ID: f.ID, Rep: f.UserName, Kind: f.Kind, Content: f.Content, StageFrom: f.StageFrom,
			StageTo: f.StageTo, NextAt: f.NextAt, CreatedAt: f.CreatedAt}
	}
	c.JSON(http.StatusOK, out)
}

// postFollowUp: a 跟进 by a rep, with the chat's rules.
func (a *API) postFollowUp(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	var in struct {
		Rep     string            `json:"rep"`
		Content string            `json:"content"`
		Kind    string            `json:"kind"`
		Stage   string            `json:"stage"`
		NextAt  string            `json:"next_at"`
		Amount  *float64          `json:"amount"` // yuan
		Reason  string            `json:"reason"`
		Grade   string            `json:"grade"`
		Fields  map[string]string `json:"fields"`
	}
	if !bind(c, &in) {
		return
	}
	rep, ok := a.user(c, in.Rep)
	if !ok {
		return
	}
	f, ok := a.followUpDraft(c, in.Content, in.Kind, in.Stage, in.NextAt, in.Amount, in.Reason, in.Grade)
	if !ok {
		return
	}
	if f.Custom, ok = a.fields(c, in.Fields); !ok {
		return
	}
	cu, err := a.store.FollowUp(c.Request.Context(), a.clock.Now(), rep, baobei.CustomerRef{Number: id}, f)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"customer": a.customerOut(cu.Customer), "stage_from": cu.StageFrom})
}

func (a *API) followUpDraft(c *gin.Context, content, kind, stage, next string, amount *float64, reason, grade string) (baobei.FollowUpDraft, bool) {
	f := baobei.FollowUpDraft{Content: strings.TrimSpace(content), Reason: strings.TrimSpace(reason)}
	switch {
	case f.Content == "":
		invalid(c, "content 必填：跟进内容。")
		return f, false
	case baobei.RuneLen(f.Content) > a.policy.ContentMaxRunes:
		invalid(c, fmt.Sprintf("content 太长（最多 %d 个字）。", a.policy.ContentMaxRunes))
		return f, false
	}
	if kind != "" {
		k, ok := baobei.KindOf(kind)
		if !ok {
			invalid(c, "kind 只能是 电话、微信、拜访、到店、其他。")
			return f, false
		}
		f.Kind = k
	}
	if stage != "" {
		st, ok := baobei.ParseStage(stage)
		if !ok {
			invalid(c, "stage “"+stage+"”不认识。")
			return f, false
		}
		f.Stage, f.StageExplicit = st, true
	}
	if grade != "" {
		g, ok := baobei.ParseGrade(grade)
		if !ok {
			invalid(c, "grade 只能是 A、B 或 C。")
			return f, false
		}
		f.Grade = g
	}
	if amount != nil {
		if *amount < 0 || *amount > 1e10 {
			invalid(c, "amount 是 0 到 100 亿之间的金额（元）。")
			return f, false
		}
		cents := int64(*amount*100 + 0.5)
		f.AmountCents = &cents
	}
	var ok bool
	f.NextAt, ok = rfc3339(c, "next_at", next)
	return f, ok
}

// stats: the numbers of 统计 for a team (or all) over [from, to) — dates
// in the configured time zone, to inclusive; default this week.
func (a *API) stats(c *gin.Context) {
	var scope baobei.Scope
	if v := c.Query("team"); v != "" {
		id, ok := a.team(c, v)
		if !ok {
			return
		}
		scope.TeamID = &id
	}
	now := a.clock.Now()
	from, to := a.policy.WeekStart(now), baobei.Until(now)
	for _, p := range []struct {
		name string
		dst  *time.Time
		end  bool
	}{{"from", &from, false}, {"to", &to, true}} {
		v := c.Query(p.name)
		if v == "" {
			continue
		}
		d, err := time.ParseInLocation("2006-01-02", v, a.policy.Loc)
		if err != nil {
			invalid(c, p.name+" 要写日期，例如 2026-12-01。")
			return
		}
		if p.end {
			d = d.AddDate(0, 0, 1)
		}
		*p.dst = d
	}
	if !from.Before(to) {
		invalid(c, "from 要早于 to。")
		return
	}
	st, err := a.store.Stats(c.Request.Context(), scope, from, to)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"from": from, "to": to, "stats": st})
}

// maxUpload bounds an imported file.
const maxUpload = 64 << 20

// postImport: a sheet (multipart field file, .xlsx or .csv) imported like
// baobei import; dry_run=true writes nothing; owner gives rows without one
// to that member. The answer is the summary and every row's outcome.
func (a *API) postImport(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxUpload)
	fh, err := c.FormFile("file")
	if err != nil {
		invalid(c, "要用 multipart 字段 file 上传 .xlsx 或 .csv 文件（最大 64 MB）。")
		return
	}
	ext := strings.ToLower(filepath.Ext(fh.Filename))
	if ext != ".xlsx" && ext != ".csv" {
		invalid(c, "只支持 .xlsx 和 .csv 文件。")
		return
	}
	opts := importer.Options{DryRun: c.Query("dry_run") == "true"}
	if v := c.Query("owner"); v != "" {
		var ok bool
		if opts.Owner, ok = a.user(c, v); !ok {
			return
		}
	}
	dir, err := os.MkdirTemp("", "baobei-import-")
	if err != nil {
		a.fail(c, err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "upload"+ext)
	if err := c.SaveUploadedFile(fh, path); err != nil {
		a.fail(c, err)
		return
	}
	src, err := importer.Open(path, c.Query("sheet"))
	if err != nil {
		invalid(c, err.Error())
		return
	}
	defer src.Close()
	var rows []gin.H
	sum, err := importer.Run(c.Request.Context(), a.store, src, a.clock.Now(), a.policy, opts, func(r baobei.ImportResult) error {
		rows = append(rows, importRow(r))
		return nil
	})
	var bad importer.FileError
	if errors.As(err, &bad) {
		invalid(c, bad.Error())
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"summary": gin.H{"rows": sum.Rows, "imported": sum.Imported, "duplicates": sum.Duplicates,
		"invalid": sum.Invalid, "unknown_columns": sum.Unknown, "dry_run": opts.DryRun}, "rows": rows})
}

func importRow(r baobei.ImportResult) gin.H {
	h := gin.H{"line": r.Line, "status": r.Status}
	for k, v := range map[string]string{"owner": r.Owner, "key": r.Key, "column": r.Column, "reason": r.Reason} {
		if v != "" {
			h[k] = v
		}
	}
	if r.CustomerID != 0 {
		h["customer_id"] = r.CustomerID
	}
	if r.DupOfLine != 0 {
		h["duplicate_of_line"] = r.DupOfLine
	}
	return h
}
