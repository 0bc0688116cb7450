package bot

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"baobei"
)

// Spec is one chat command: everything the parser, 帮助, the unknown-command
// suggestion, the role check and the dispatch know of it. Adding a command
// is adding a Spec to Commands, its method to Handlers, the handler and, if
// it changes state, its store method.
type Spec struct {
	Name    string        // CmdReport …: what the console parse API and the logs call it
	Words   []string      // Words[0] is how help and replies name it; the rest are aliases
	Roles   []baobei.Role // who may use it; none means everyone
	Example string        // one correct use, shown in help and in every refusal of bad input
	Summary string        // one line of 帮助
	Detail  string        // 帮助 <word>: the full explanation
	Keys    string        // the field keys it reads; other keys are reported as ignored
	Run     func(Handlers, context.Context, *Request) (*Reply, error)

	parse argParser // reads the free tokens; nil: the command takes none
	noisy bool      // punctuation and emoji alone are text here (跟进 内容, 原因)
}

// Handlers answers the commands: one method per Spec.
type Handlers interface {
	Report(context.Context, *Request) (*Reply, error)
	FollowUp(context.Context, *Request) (*Reply, error)
	Grade(context.Context, *Request) (*Reply, error)
	Won(context.Context, *Request) (*Reply, error)
	Lost(context.Context, *Request) (*Reply, error)
	Mine(context.Context, *Request) (*Reply, error)
	Todo(context.Context, *Request) (*Reply, error)
	Query(context.Context, *Request) (*Reply, error)
	Pool(context.Context, *Request) (*Reply, error)
	Claim(context.Context, *Request) (*Reply, error)
	Release(context.Context, *Request) (*Reply, error)
	Transfer(context.Context, *Request) (*Reply, error)
	Handover(context.Context, *Request) (*Reply, error)
	Extend(context.Context, *Request) (*Reply, error)
	Approvals(context.Context, *Request) (*Reply, error)
	Requests(context.Context, *Request) (*Reply, error)
	Approve(context.Context, *Request) (*Reply, error)
	Reject(context.Context, *Request) (*Reply, error)
	Stats(context.Context, *Request) (*Reply, error)
	Lock(context.Context, *Request) (*Reply, error)
	Unlock(context.Context, *Request) (*Reply, error)
	Status(context.Context, *Request) (*Reply, error)
	Help(context.Context, *Request) (*Reply, error)
	FollowUps(context.Context, *Request) (*Reply, error)
	Amount(context.Context, *Request) (*Reply, error)
	Visit(context.Context, *Request) (*Reply, error)
	Visits(context.Context, *Request) (*Reply, error)
	CancelVisit(context.Context, *Request) (*Reply, error)
	CheckIn(context.Context, *Request) (*Reply, error)
	VisitReport(context.Context, *Request) (*Reply, error)
	VisitStats(context.Context, *Request) (*Reply, error)
	Assign(context.Context, *Request) (*Reply, error)
	Reassign(context.Context, *Request) (*Reply, error)
	Away(context.Context, *Request) (*Reply, error)
	Back(context.Context, *Request) (*Reply, error)
	Export(context.Context, *Request) (*Reply, error)
	Dashboard(context.Context, *Request) (*Reply, error)
	Tag(context.Context, *Request) (*Reply, error)
	Repurchase(context.Context, *Request) (*Reply, error)
	Churn(context.Context, *Request) (*Reply, error)
}

var (
	managers = []baobei.Role{baobei.RoleManager, baobei.RoleAdmin}
	admins   = []baobei.Role{baobei.RoleAdmin}
)

// Commands is the one table of chat commands, in the order 帮助 lists them.
var Commands = []Spec{
	{Name: CmdReport, Words: []string{"报备"}, Run: Handlers.Report,
		Example: "报备 13800138000 张先生 来源:抖音 需求:三人沙发",
		Summary: "登记新客户，先报先得",
		Detail:  "写客户的11位手机号和称呼，可加 来源、需求、公司、微信、等级、下次。同一手机号、微信或公司已有人报备时会被拒绝，并告诉你归属人；报备成功后客户归你，保护期内别人不能报备或领取。其余文字记入需求（备注）。",
		Keys:    "来源 需求 备注 公司 微信 等级 姓名 电话 阶段 下次 金额", parse: (*msg).report, noisy: true},
	{Name: CmdFollowUp, Words: []string{"跟进"}, Run: Handlers.FollowUp,
		Example: "跟进 #3 电话沟通，想看样品 下次:周五 阶段:需求确认",
		Summary: "记录跟进，可改阶段、等级、下次时间",
		Detail:  "写客户（手机号、编号 #3 或称呼）和跟进内容，可加 类型（电话、微信、拜访、到店、其他；内容以「电话」「微信」「上门」等开头时自动识别）、阶段、下次、等级、金额、原因。跟进会让保护期重新计算闲置时间；阶段往回改需写成「阶段:新线索」；进入某些阶段要带上必填项（默认报价和已成交要写金额、已流失要写原因），缺了回复会说明。",
		Keys:    "阶段 下次 金额 原因 内容 备注 等级 类型", parse: onCustomer((*msg).content), noisy: true},
	{Name: CmdGrade, Words: []string{"等级"}, Run: Handlers.Grade,
		Example: "等级 #3 A",
		Summary: "改客户等级（A、B、C）",
		Detail:  "负责人、其团队经理或管理员可改等级（A、B 或 C）；新等级的释放和提醒时间从此刻起生效。",
		Keys:    "等级", parse: (*msg).grade},
	{Name: CmdWon, Words: []string{"成交"}, Run: Handlers.Won,
		Example: "成交 #3 金额:12800",
		Summary: "登记成交和金额",
		Detail:  "写客户和成交金额（元，可写 1.28万、12,800），可加 商品 和 日期（购买那天，默认今天：日期:昨天、日期:11-25）。成交后客户一直归你，不再过期；这是第一次购买，之后的购买发「复购」。金额写错了请管理员发「改金额」更正。",
		Keys:    "金额 商品 日期", parse: onCustomer((*msg).wonAmount)},
	{Name: CmdRepurchase, Words: []string{"复购"}, Run: Handlers.Repurchase,
		Example: "复购 #3 金额:3000 商品:靠垫",
		Summary: "登记成交客户的再次购买",
		Detail:  "负责人、其团队经理或管理员给已成交的客户登记又一次购买：金额、商品和日期（默认今天）；「查询」显示购买次数、合计和最近一次。",
		Keys:    "金额 商品 日期", parse: onCustomer((*msg).wonAmount)},
	{Name: CmdLost, Words: []string{"流失"}, Run: Handlers.Lost,
		Example: "流失 #3 原因:预算不足",
		Summary: "登记流失，客户回到公海",
		Detail:  "写客户和流失原因；客户回到公海，其他人可领取，你在冷静期内不能再领回。",
		Keys:    "原因", parse: onCustomer((*msg).reason), noisy: true},
	{Name: CmdAmount, Words: []string{"改金额"}, Run: Handlers.Amount, Roles: admins,
		Example: "改金额 #3 金额:13800 原因:合同补签",
		Summary: "更正成交金额（管理员）",
		Detail:  "管理员写已成交的客户、正确金额和原因；旧金额、新金额和原因记入审计，负责人会收到通知。",
		Keys:    "金额 原因", parse: onCustomer((*msg).amount), noisy: true},
	{Name: CmdMine, Words: []string{"我的客户", "我的"}, Run: Handlers.Mine,
		Example: "我的客户",
		Summary: "列出你名下的客户",
		Detail:  "列出你名下的客户，每个带编号、阶段、保护期和下次跟进时间；用编号（#3）指明客户最快。加「标签:高意向」只列有这个标签的；配置了自定义字段时加「户型:三居」只列这个值的。",
		Keys:    "标签", parse: (*msg).keysOnly},
	{Name: CmdTodo, Words: []string{"待办"}, Run: Handlers.Todo,
		Example: "待办",
		Summary: "今天要跟进的和快到期的客户",
		Detail:  "列出今天到期的下次跟进和保护期快到期的客户，每条都写了该做什么。"},
	{Name: CmdTag, Words: []string{"标签"}, Run: Handlers.Tag,
		Example: "标签 #3 高意向 老客户介绍",
		Summary: "加标签，前加 - 去掉",
		Detail:  "负责人、其团队经理或管理员可加标签（每个 1 到 16 个字，最多 10 个），「标签 #3 -高意向」去掉；系统按消费打上的标签不能手动去掉。「我的客户 标签:高意向」只列有这个标签的客户，「查询」会显示标签。",
		parse:   onCustomer((*msg).tags), noisy: true},
	{Name: CmdQuery, Words: []string{"查询", "查"}, Run: Handlers.Query,
		Example: "查询 13800138000",
		Summary: "查一个客户的归属和进度",
		Detail:  "写手机号、编号或称呼。负责人、其团队经理和管理员看到完整信息和跟进记录，其他人看到打码的手机号、归属人和保护期，以及自己现在能做什么。",
		parse:   onPhoneOrCustomer((*msg).ignoreRest)},
	{Name: CmdFollowUps, Words: []string{"跟进记录"}, Run: Handlers.FollowUps,
		Example: "跟进记录 #3",
		Summary: "看一个客户的全部跟进",
		Detail:  "写手机号、编号或称呼；负责人、其团队经理和管理员可看，最新的在前。在群里发时记录私信给你。",
		parse:   onPhoneOrCustomer((*msg).ignoreRest)},
	{Name: CmdVisit, Words: []string{"拜访"}, Run: Handlers.Visit,
		Example: "拜访 #3 明天 14:00 目标:演示方案",
		Summary: "计划一次拜访（也用来改期）",
		Detail:  "写客户、时间，可加 目标、地址、同行:@同事（同事会收到邀请）。拜访前会提醒你；到了发「签到」或发位置，结束后发「拜访报告」。改期：拜访 V3 改到 周五 10:00。",
		Keys:    "目标 地址 同行", parse: (*msg).visitPlan},
	{Name: CmdVisits, Words: []string{"拜访计划"}, Run: Handlers.Visits,
		Example: "拜访计划",
		Summary: "本周的拜访，按天列出",
		Detail:  "列出你本周（含同行）的拜访，按天分组，A、B 级客户在前，每条带编号 V3 和状态。"},
	{Name: CmdVisitCancel, Words: []string{"取消拜访"}, Run: Handlers.CancelVisit,
		Example: "取消拜访 V3 原因:客户临时出差",
		Summary: "取消一次拜访（要写原因）",
		Detail:  "写拜访编号和原因；同行的同事会收到通知。",
		Keys:    "原因", parse: (*msg).visitCancel, noisy: true},
	{Name: CmdCheckIn, Words: []string{"签到"}, Run: Handlers.CheckIn,
		Example: "签到 V3 地址:杭州市西湖区文三路 100 号",
		Summary: "拜访签到（或直接发位置）",
		Detail:  "在计划时间前 2 小时到后 4 小时内签到；只有一个拜访时可不写编号。企业微信里直接发位置也算签到。",
		Keys:    "地址", parse: (*msg).checkIn, noisy: true},
	{Name: CmdVisitReport, Words: []string{"拜访报告"}, Run: Handlers.VisitReport,
		Example: "拜访报告 V3 参会:王总(决策人),李工(使用者) 痛点:交期长 预算:20万 下一步:周五前发方案",
		Summary: "拜访后 24 小时内交报告",
		Detail:  "写拜访编号和 参会、痛点、需求、预算、决策链、竞品、关注点、下一步（可多条，用；分开），可加 阶段；也可以一行一项。报告记为一次拜访跟进，带日期的下一步会成为下次跟进出现在待办里，客户资料保留最新的预算、决策链和竞品。",
		Keys:    "参会 痛点 需求 预算 决策链 竞品 关注点 下一步 阶段", parse: (*msg).visitReport, noisy: true},
	{Name: CmdVisitStats, Words: []string{"拜访统计"}, Run: Handlers.VisitStats, Roles: managers,
		Example: "拜访统计",
		Summary: "团队近 4 周的拜访",
		Detail:  "经理看本团队、管理员看全公司：近 4 周每周计划、完成、未去的拜访和报告及时率，以及每人合计、平均每单拜访次数和按等级的拜访数。"},
	{Name: CmdPool, Words: []string{"公海"}, Run: Handlers.Pool,
		Example: "公海",
		Summary: "看公海里可领取的客户",
		Detail:  "列出公海里的客户（手机号打码），用「领取 #编号」领取；每天可领取的个数和冷静期见回复。"},
	{Name: CmdClaim, Words: []string{"领取"}, Run: Handlers.Claim,
		Example: "领取 #3",
		Summary: "从公海领取客户",
		Detail:  "写公海客户的编号或手机号；领取后客户归你并重新开始保护期。每天可领取的个数有上限，你失去过的客户在冷静期内不能领回。",
		parse:   onCustomer((*msg).target)},
	{Name: CmdRelease, Words: []string{"释放"}, Run: Handlers.Release,
		Example: "释放 #3 原因:客户已找别家",
		Summary: "把客户放回公海",
		Detail:  "负责人、其团队经理或管理员可立即把客户放回公海，需写原因；别人释放时负责人会收到通知。",
		Keys:    "原因", parse: onCustomer((*msg).reason), noisy: true},
	{Name: CmdTransfer, Words: []string{"转移"}, Run: Handlers.Transfer,
		Example: "转移 #3 @李四 原因:休假",
		Summary: "把客户转给同事（销售发起需经理同意）",
		Detail:  "经理在本团队内、管理员在全公司直接转移；销售发起的转移要经理同意。接收人获得新的保护期并保留下次跟进时间，双方都会收到通知。",
		Keys:    "原因", parse: onCustomer((*msg).target)},
	{Name: CmdHandover, Words: []string{"交接"}, Run: Handlers.Handover, Roles: managers,
		Example: "交接 @张三 @李四",
		Summary: "把一个人的全部客户交给另一个人",
		Detail:  "先写交出的人，再写接收的人；交出人名下的客户全部转给接收人，保留下次跟进时间，双方都会收到清单。可以超过接收人的持有上限，回复会提醒。",
		parse:   (*msg).handover},
	{Name: CmdAssign, Words: []string{"分配"}, Run: Handlers.Assign, Roles: managers,
		Example: "分配 #3 @李四",
		Summary: "把公海客户分配给同事",
		Detail:  "经理分配给本团队同事、管理员分配给任何人；同事获得新的保护期并收到线索卡片。已有负责人的客户请用「转移」。新线索按 policy.assignment 自动分配，没人可分时进公海，由经理分配。",
		parse:   onCustomer((*msg).target)},
	{Name: CmdReassign, Words: []string{"转派"}, Run: Handlers.Reassign,
		Example: "转派 #3",
		Summary: "分配的线索转给同事",
		Detail:  "只有系统或经理分配给你的线索可以转派；系统按团队的分配规则另选一位同事，他会收到线索卡片。",
		parse:   onCustomer((*msg).ignoreRest)},
	{Name: CmdAway, Words: []string{"请假"}, Run: Handlers.Away,
		Example: "请假 3天",
		Summary: "请假期间不分配线索",
		Detail:  "写天数（1 到 90），从今天算起；经理可以替本团队同事请假：请假 @张三 3天。名下客户不受影响，到期自动恢复，提前回来发「销假」。",
		parse:   (*msg).away},
	{Name: CmdBack, Words: []string{"销假"}, Run: Handlers.Back,
		Example: "销假",
		Summary: "结束请假",
		Detail:  "结束你的请假；经理可以替本团队同事销假：销假 @张三。",
		parse:   (*msg).away},
	{Name: CmdExtend, Words: []string{"延期"}, Run: Handlers.Extend,
		Example: "延期 #3 15天 原因:等装修完工",
		Summary: "申请延长保护期（需审批）",
		Detail:  "负责人写客户、天数和原因；经理（或管理员）同意后保护期延长，期间不会因闲置被释放。发「我的申请」看进度。",
		Keys:    "原因", parse: onCustomer((*msg).days)},
	{Name: CmdApprovals, Words: []string{"审批"}, Run: Handlers.Approvals, Roles: managers,
		Example: "审批",
		Summary: "列出等你审批的申请",
		Detail:  "列出你可以审批的申请（报备、延期、转移），每条带编号；点卡片按钮或发「同意 A12」「驳回 A12 原因:…」处理。"},
	{Name: CmdRequests, Words: []string{"我的申请"}, Run: Handlers.Requests,
		Example: "我的申请",
		Summary: "看你提交的申请的进度",
		Detail:  "列出你提交的申请和结果：待审批、已同意或已驳回（带原因）。"},
	{Name: CmdApprove, Words: []string{"同意"}, Run: Handlers.Approve, Roles: managers,
		Example: "同意 A12",
		Summary: "同意一条申请",
		Detail:  "写审批编号（A12）。自己的申请不能自己审批。",
		parse:   (*msg).decision},
	{Name: CmdReject, Words: []string{"驳回"}, Run: Handlers.Reject, Roles: managers,
		Example: "驳回 A12 原因:信息不全",
		Summary: "驳回一条申请（要写原因）",
		Detail:  "写审批编号和原因，申请人会收到原因。",
		Keys:    "原因", parse: (*msg).decision, noisy: true},
	{Name: CmdExport, Words: []string{"导出"}, Run: Handlers.Export,
		Example: "导出",
		Summary: "导出 Excel",
		Detail:  "回复一个 10 分钟内有效、只能用一次的下载链接：销售导出自己名下的客户，经理导出本团队的，管理员导出全部；手机号按聊天里的规则显示。在群里发时链接私信给你。"},
	{Name: CmdDashboard, Words: []string{"看板", "仪表盘"}, Run: Handlers.Dashboard,
		Example: "看板",
		Summary: "网页看板链接",
		Detail:  "回复一个 10 分钟内有效、只能打开一次的链接，打开后 12 小时内免登录：销售看自己的，经理看本团队的，管理员看全公司并可切换团队。看板的数字和「统计」一致。"},
	{Name: CmdStats, Words: []string{"统计"}, Run: Handlers.Stats,
		Example: "统计",
		Summary: "本周的漏斗和跟进数",
		Detail:  "销售看自己的，经理看本团队的，管理员看全公司的：本周新增、跟进、成交和各阶段人数。"},
	{Name: CmdChurn, Words: []string{"流失预警"}, Run: Handlers.Churn, Roles: managers,
		Example: "流失预警",
		Summary: "团队里可能流失的成交客户",
		Detail:  "经理看本团队、管理员看全公司：按购买记录（每晚和每次购买时更新）进入「潜在流失」等需提醒分群的成交客户，最久没购买的在前，带负责人和 RFM。进入时负责人已收到回访提醒。"},
	{Name: CmdLock, Words: []string{"锁定"}, Run: Handlers.Lock, Roles: managers,
		Example: "锁定 #3",
		Summary: "锁定客户，不会被自动释放",
		Detail:  "经理（本团队）和管理员可锁定客户：锁定的客户一直留在负责人名下，不受释放规则影响；每个销售锁定的客户有上限。",
		parse:   onPhoneOrCustomer((*msg).ignoreRest)},
	{Name: CmdUnlock, Words: []string{"解锁"}, Run: Handlers.Unlock, Roles: managers,
		Example: "解锁 #3",
		Summary: "解除锁定",
		Detail:  "解锁后客户重新按保护期和闲置规则计算。",
		parse:   onPhoneOrCustomer((*msg).ignoreRest)},
	{Name: CmdStatus, Words: []string{"系统状态"}, Run: Handlers.Status, Roles: admins,
		Example: "系统状态",
		Summary: "待发消息、失败的推送和任务",
		Detail:  "管理员查看：待发送和发送失败的消息、待处理的平台消息、每个定时任务最近一次完成的时间和反复失败的任务。"},
	{Name: CmdHelp, Words: []string{"帮助", "help", "?"}, Run: Handlers.Help,
		Example: "帮助 报备",
		Summary: "看命令列表，或一个命令的详细用法",
		Detail:  "「帮助」列出你可用的命令；「帮助 报备」讲一个命令的完整用法。",
		parse:   (*msg).topic},
}

// argParser reads a command's free tokens and the keys it did not set.
type argParser func(m *msg, c *Command, items []item, lim limits) error

// afterRef reads what follows the customer (the item at ri).
type afterRef func(m *msg, c *Command, items []item, ri int, lim limits) error

// onCustomer reads the first free token as the customer, then the rest with
// then. A mention (@李四) names a person, never the customer.
func onCustomer(then afterRef) argParser {
	return func(m *msg, c *Command, items []item, lim limits) error {
		return m.customerThen(c, items, firstFree(items, func(s span) bool { return !m.isMention(s) }), lim, then)
	}
}

// onPhoneOrCustomer is onCustomer where a phone anywhere names the customer
// (查询 张先生 13800138000).
func onPhoneOrCustomer(then afterRef) argParser {
	return func(m *msg, c *Command, items []item, lim limits) error {
		ri := firstFree(items, func(s span) bool { return s.phone })
		if ri < 0 {
			ri = firstFree(items, func(s span) bool { return !m.isMention(s) })
		}
		return m.customerThen(c, items, ri, lim, then)
	}
}

func (m *msg) customerThen(c *Command, items []item, ri int, lim limits, then afterRef) error {
	if ri < 0 {
		return baobei.Errorf(baobei.EINVALID, "没有写是哪个客户。请写手机号、称呼或编号，例如：%s", examples[c.Name])
	}
	if err := m.setRef(c, items[ri].val, lim); err != nil {
		return err
	}
	return then(m, c, items, ri, lim)
}

// topic reads what 帮助 is asked about: a command word, or nothing.
func (m *msg) topic(c *Command, items []item, _ limits) error {
	ri := firstFree(items, func(span) bool { return true })
	if ri < 0 {
		return nil
	}
	w := asciiLower(m.text(m.trimValue(items[ri].val)))
	if s, ok := specByWord[w]; ok {
		c.Topic = s.Name
		m.ignoreFree(c, items, ri)
		return nil
	}
	if word, _ := closestCommand(w); word != "" {
		return baobei.Errorf(baobei.EINVALID, "没有「%s」这个命令，你是不是想看「帮助 %s」？发「帮助」查看全部命令。", m.raw(items[ri].val), word)
	}
	return baobei.Errorf(baobei.EINVALID, "没有「%s」这个命令。发「帮助」查看全部命令。", m.raw(items[ri].val))
}

// Allows reports whether a user of role r may use the command.
func (s *Spec) Allows(r baobei.Role) bool { return len(s.Roles) == 0 || slices.Contains(s.Roles, r) }

// WhoMay names the roles that may use the command (经理、管理员).
func (s *Spec) WhoMay() string {
	var ls []string
	for _, r := range s.Roles {
		ls = append(ls, r.Label())
	}
	return strings.Join(ls, "、")
}

// guard refuses a command that the actor's role may not use.
func (s *Spec) guard(actor *baobei.User) error {
	if s.Allows(actor.Role) {
		return nil
	}
	return baobei.Errorf(baobei.EFORBIDDEN, "「%s」仅%s可用。发「帮助」查看你可用的命令。", s.Words[0], s.WhoMay())
}

var (
	specs      = map[string]*Spec{} // by Name
	specByWord = map[string]*Spec{} // by every word, ASCII lower-cased
	// commands lists every command word, longest first so that 我的客户 wins over 我的.
	commands []struct{ word, name string }
	examples = map[string]string{}
	uses     = map[string]string{}
	helpLine string
)

func init() {
	var words []string
	for i := range Commands {
		s := &Commands[i]
		specs[s.Name], examples[s.Name], uses[s.Name] = s, s.Example, s.Keys
		for _, w := range s.Words {
			specByWord[asciiLower(w)] = s
			commands = append(commands, struct{ word, name string }{asciiLower(w), s.Name})
		}
		words = append(words, s.Words[0])
	}
	slices.SortStableFunc(commands, func(a, b struct{ word, name string }) int {
		return cmp.Compare(baobei.RuneLen(b.word), baobei.RuneLen(a.word))
	})
	helpLine = "可用命令：" + strings.Join(words, "、") + "。"
}

// SpecOf returns the spec of a command name, or nil.
func SpecOf(name string) *Spec { return specs[name] }

// CommandWord is the word of a command name as users type it (CmdMine → 我的客户).
func CommandWord(name string) string {
	if s := specs[name]; s != nil {
		return s.Words[0]
	}
	return name
}
