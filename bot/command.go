package bot

import (
	"strconv"
	"strings"
	"time"

	"baobei"
)

// Command names, as the console parse API reports them.
const (
	CmdReport      = "report"
	CmdFollowUp    = "followup"
	CmdWon         = "won"
	CmdLost        = "lost"
	CmdMine        = "mine"
	CmdTodo        = "todo"
	CmdQuery       = "query"
	CmdPool        = "pool"
	CmdClaim       = "claim"
	CmdTransfer    = "transfer"
	CmdHandover    = "handover"
	CmdHelp        = "help"
	CmdExtend      = "extend"       // 延期
	CmdApprovals   = "approvals"    // 审批: what I may decide
	CmdRequests    = "requests"     // 我的申请
	CmdApprove     = "approve"      // 同意 A12
	CmdReject      = "reject"       // 驳回 A12 原因:…
	CmdStats       = "stats"        // 统计
	CmdStatus      = "status"       // 系统状态 (admins)
	CmdLock        = "lock"         // 锁定 #3 (managers)
	CmdUnlock      = "unlock"       // 解锁 #3
	CmdRelease     = "release"      // 释放 #3 原因:… (owner, manager, admin)
	CmdGrade       = "grade"        // 等级 #3 A (owner, manager, admin)
	CmdFollowUps   = "followups"    // 跟进记录 #3: all follow-ups (who may see full details)
	CmdAmount      = "amount"       // 改金额 #3 金额:… 原因:… (admins)
	CmdVisit       = "visit"        // 拜访 #3 明天 14:00 目标:… / 拜访 V3 改到 …
	CmdVisits      = "visits"       // 拜访计划: this week's visits by day
	CmdVisitCancel = "visit_cancel" // 取消拜访 V3 原因:…
	CmdCheckIn     = "checkin"      // 签到 [V3] [地址:…], or a location message
	CmdVisitReport = "visit_report" // 拜访报告 V3 参会:… 痛点:… 下一步:…
	CmdVisitStats  = "visit_stats"  // 拜访统计 (managers): the team's last 4 weeks
	CmdAssign      = "assign"       // 分配 #3 @李四 (managers): a pool customer by hand
	CmdReassign    = "reassign"     // 转派 #3: an assigned lead handed on by its owner
	CmdAway        = "away"         // 请假 [@张三] 3天: no leads assigned meanwhile
	CmdBack        = "back"         // 销假 [@张三]
	CmdExport      = "export"       // 导出: a one-time download link (own, team or all customers)
	CmdDashboard   = "dashboard"    // 看板: a one-time link to the web dashboard
	CmdTag         = "tag"          // 标签 #3 高意向 -老客户
	CmdRepurchase  = "repurchase"   // 复购 #3 金额:3000 商品:靠垫
	CmdChurn       = "churn"        // 流失预警 (managers): the team's customers in remind segments
	CmdUnknown     = "unknown"
)

// Command is one parsed chat message. Parse fills only what the text holds.
type Command struct {
	Name string

	// Customer fields (报备).
	Phone, CustName, Company, Wechat, Source, Demand, Grade string

	Stage string // 阶段: value, validated against baobei.Stages
	// StageExplicit: 阶段 was written with a colon (阶段:新线索), which may
	// move the stage back in the funnel.
	StageExplicit bool
	Content       string              // 跟进 text, verbatim
	Kind          baobei.FollowUpKind // 类型:, or the word 跟进's text starts with; "" when neither
	NextAt        *time.Time          // 下次: resolved in the configured time zone
	Amount        *int64              // 金额: in cents (分)
	Reason        string              // 原因:
	Days          int                 // N天 (延期)
	Target        string              // @someone: the receiving user of 转移 / 交接 / 分配, the user of 请假 / 销假
	Ref           string              // how the customer (or, for 交接, the giving user) was named
	Number        int64               // Ref as a short customer number (#3, 3), or the approval number of 同意 / 驳回
	Topic         string              // 帮助 <word>: the name of the command asked about
	Visit         int64               // a visit number (V3)
	Goal, Address string              // 拜访 目标:, 地址: (also 签到's place)
	Report        baobei.VisitReport  // 拜访报告
	Tags          []string            // 标签: tags to add …
	RemoveTags    []string            // … and to remove (-高意向)
	Tag           string              // 标签: on 我的客户, only customers with it
	Items         string              // 商品: what a 成交 or 复购 bought
	BoughtAt      *time.Time          // 日期: when (nil: now)
	Custom        map[string]string   // policy.fields: values by key, as stored (面积:120)

	// Note is what a 报备 carried besides its fields (free text, 备注:, keys
	// 报备 does not use); it is kept in Demand too, and the reply shows it.
	Note string
	// Ignored is the text other commands did not use, as typed, for the
	// reply to say so: nothing the user wrote is dropped silently.
	Ignored []string
}

// Fields renders the command for the console parse API: only fields that are
// set, next_at in RFC 3339 with the zone's offset, amount in yuan.
func (c *Command) Fields(loc *time.Location) map[string]string {
	f := map[string]string{}
	put := func(k, v string) {
		if v != "" {
			f[k] = v
		}
	}
	put("phone", c.Phone)
	put("name", c.CustName)
	put("company", c.Company)
	put("wechat", c.Wechat)
	put("source", c.Source)
	put("demand", c.Demand)
	put("grade", c.Grade)
	put("stage", c.Stage)
	put("content", c.Content)
	put("kind", string(c.Kind))
	put("reason", c.Reason)
	put("target", c.Target)
	put("ref", c.Ref)
	put("note", c.Note)
	put("goal", c.Goal)
	put("address", c.Address)
	put("report", c.Report.Text())
	put("ignored", strings.Join(c.Ignored, " "))
	if c.NextAt != nil {
		f["next_at"] = c.NextAt.In(loc).Format(time.RFC3339)
	}
	if c.BoughtAt != nil {
		f["bought_at"] = c.BoughtAt.In(loc).Format(time.RFC3339)
	}
	if c.Amount != nil {
		f["amount"] = baobei.FormatCents(*c.Amount)
	}
	if c.Days > 0 {
		f["days"] = strconv.Itoa(c.Days)
	}
	if c.Visit > 0 {
		f["visit"] = "V" + strconv.FormatInt(c.Visit, 10)
	}
	if c.Number > 0 {
		f["number"] = strconv.FormatInt(c.Number, 10)
	}
	for k, v := range c.Custom {
		f["field:"+k] = v
	}
	return f
}
