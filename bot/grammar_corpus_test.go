package bot

import (
	"maps"
	"testing"
)

// corpus holds messages the way reps type them on a phone: full-width
// colons after the command word, fields in brackets, amounts with thousands
// separators and units, multi-line forms, mentions, trailing punctuation
// and emoji. Every one must parse to exactly the fields given (now is
// Monday 2026-11-23 10:00, Shanghai).
var corpus = []struct {
	in   string
	name string
	want fields
}{
	// 报备: the command word and its punctuation
	{"报备：13800138000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备:13800138000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备：张先生 13800138000", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备：张先生，13800138000", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备，张先生，138 0013 8000。", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"【报备】13800138000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"[报备] 张先生 13800138000", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备 13800138000 张先生。", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备 13800138000 张先生！！", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备 13800138000 张先生😀", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备 13800138000 张先生 👍", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备 13800138000 “张先生”", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备 13800138000 - 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备 138-0013-8000 张先生~", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备 +86 138 0013 8000 王女士", CmdReport, fields{"phone": "13800138000", "name": "王女士"}},
	{"报备 (+86)138-0013-8000 王女士", CmdReport, fields{"phone": "13800138000", "name": "王女士"}},
	{"报备 １３８００１３８０００ 王女士", CmdReport, fields{"phone": "13800138000", "name": "王女士"}},
	{"报备 13800138000 Tom", CmdReport, fields{"phone": "13800138000", "name": "Tom"}},
	{"报备 13800138000 张先生（老客户介绍）", CmdReport,
		fields{"phone": "13800138000", "name": "张先生", "demand": "老客户介绍", "note": "老客户介绍"}},
	// mentions, as WeCom and DingTalk deliver them
	{"@报备助手 报备 13800138000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"@报备助手\u2005报备 13800138000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"＠报备助手　报备 13800138000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"@报备助手\u00a0报备 13800138000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"@报备助手 @王经理 报备 13800138000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"\u200b@报备助手\u200b 报备 13800138000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"@报备助手 我的客户", CmdMine, fields{}},
	{"@报备助手\u2005待办", CmdTodo, fields{}},
	{"@报备助手 查询 #3", CmdQuery, fields{"ref": "#3", "number": "3"}},
	// 报备: fields
	{"报备 13800138000 张先生 来源：抖音", CmdReport, fields{"phone": "13800138000", "name": "张先生", "source": "抖音"}},
	{"报备 13800138000 张先生 来源：抖音。", CmdReport, fields{"phone": "13800138000", "name": "张先生", "source": "抖音"}},
	{"报备 13800138000 张先生 【来源：抖音】", CmdReport, fields{"phone": "13800138000", "name": "张先生", "source": "抖音"}},
	{"报备 13800138000 张先生【来源:抖音】【需求:沙发】", CmdReport,
		fields{"phone": "13800138000", "name": "张先生", "source": "抖音", "demand": "沙发"}},
	{"报备 13800138000 张先生 (来源:小红书)", CmdReport, fields{"phone": "13800138000", "name": "张先生", "source": "小红书"}},
	{"报备 13800138000 张先生 （来源：小红书）", CmdReport, fields{"phone": "13800138000", "name": "张先生", "source": "小红书"}},
	{"报备 13800138000 张先生 [来源]抖音", CmdReport, fields{"phone": "13800138000", "name": "张先生", "source": "抖音"}},
	{"报备 13800138000 张先生 来源:「抖音」", CmdReport, fields{"phone": "13800138000", "name": "张先生", "source": "抖音"}},
	{"报备 13800138000 张先生 渠道：朋友介绍", CmdReport, fields{"phone": "13800138000", "name": "张先生", "source": "朋友介绍"}},
	{"报备 13800138000 张先生 需求：三人沙发、茶几", CmdReport,
		fields{"phone": "13800138000", "name": "张先生", "demand": "三人沙发 茶几", "note": "茶几"}},
	{"报备 13800138000 张先生 等级：a", CmdReport, fields{"phone": "13800138000", "name": "张先生", "grade": "A"}},
	{"报备 13800138000 张先生 等级：Ａ！", CmdReport, fields{"phone": "13800138000", "name": "张先生", "grade": "A"}},
	{"报备 13800138000 张先生 级别:B", CmdReport, fields{"phone": "13800138000", "name": "张先生", "grade": "B"}},
	{"报备 13800138000 张先生 公司：杭州明远家居有限公司", CmdReport,
		fields{"phone": "13800138000", "name": "张先生", "company": "杭州明远家居有限公司"}},
	{"报备 13800138000 张先生 公司：明远家居（杭州）有限公司", CmdReport,
		fields{"phone": "13800138000", "name": "张先生", "company": "明远家居（杭州）有限公司"}},
	{"报备 13800138000 张先生 微信：zhang_wx", CmdReport, fields{"phone": "13800138000", "name": "张先生", "wechat": "zhang_wx"}},
	{"报备 13800138000 张先生 微信号：zhang_wx。", CmdReport, fields{"phone": "13800138000", "name": "张先生", "wechat": "zhang_wx"}},
	{"报备 13800138000 张先生 WX:zhang_wx", CmdReport, fields{"phone": "13800138000", "name": "张先生", "wechat": "zhang_wx"}},
	{"报备 13800138000 张先生 备注：周末有空", CmdReport,
		fields{"phone": "13800138000", "name": "张先生", "demand": "周末有空", "note": "周末有空"}},
	{"报备 13800138000 张先生 需求:沙发 备注:急", CmdReport,
		fields{"phone": "13800138000", "name": "张先生", "demand": "沙发 急", "note": "急"}},
	{"报备 13800138000 张先生 想要沙发", CmdReport,
		fields{"phone": "13800138000", "name": "张先生", "demand": "想要沙发", "note": "想要沙发"}},
	{"报备 13800138000 张先生 原因:老客户", CmdReport,
		fields{"phone": "13800138000", "name": "张先生", "demand": "原因:老客户", "note": "原因:老客户"}},
	{"报备 手机号：13800138000 客户：张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备 联系电话：138-0013-8000，联系人：李女士", CmdReport, fields{"phone": "13800138000", "name": "李女士"}},
	{"报备 称呼:王总 电话:13800138000", CmdReport, fields{"phone": "13800138000", "name": "王总"}},
	// 报备: multi-line forms
	{"报备\n客户：张先生\n电话：13800138000\n来源：抖音\n需求：三人沙发 要现货", CmdReport,
		fields{"phone": "13800138000", "name": "张先生", "source": "抖音", "demand": "三人沙发 要现货"}},
	{"报备\n姓名：王总\n手机：138 0013 8000\n公司：杭州明远家居有限公司\n等级：A", CmdReport,
		fields{"phone": "13800138000", "name": "王总", "company": "杭州明远家居有限公司", "grade": "A"}},
	{"报备：\n张先生\n13800138000\n抖音来的，想看沙发", CmdReport,
		fields{"phone": "13800138000", "name": "张先生", "demand": "抖音来的 想看沙发", "note": "抖音来的 想看沙发"}},
	{"【报备】\n客户姓名：李女士\n联系方式：13800138000\n客户来源：朋友介绍\n客户需求：全屋定制", CmdReport,
		fields{"phone": "13800138000", "name": "李女士", "source": "朋友介绍", "demand": "全屋定制"}},
	{"报备\r\n客户：张先生\r\n电话：13800138000\r\n", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备\n客户： 张先生 \n电话： 13800138000\n备注： 下周到店", CmdReport,
		fields{"phone": "13800138000", "name": "张先生", "demand": "下周到店", "note": "下周到店"}},
	{"报备\n联系人：陈总（采购）\n电话：13800138000", CmdReport, fields{"phone": "13800138000", "name": "陈总（采购）"}},

	// 跟进
	{"跟进：13800138000 电话沟通", CmdFollowUp, fields{"ref": "13800138000", "phone": "13800138000", "content": "电话沟通", "kind": "电话"}},
	{"跟进：#3 电话沟通，想看样品", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "电话沟通，想看样品", "kind": "电话"}},
	{"跟进:张先生 到店看了样品", CmdFollowUp, fields{"ref": "张先生", "content": "到店看了样品", "kind": "到店"}},
	{"【跟进】#3 电话沟通", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "电话沟通", "kind": "电话"}},
	{"@报备助手 跟进 #3 电话沟通👍", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "电话沟通👍", "kind": "电话"}},
	{"跟进 #3 电话沟通 下次：周五", CmdFollowUp,
		fields{"ref": "#3", "number": "3", "content": "电话沟通", "next_at": "2026-11-27T09:00:00+08:00", "kind": "电话"}},
	{"跟进 #3 电话沟通 下次：周五 下午3点", CmdFollowUp,
		fields{"ref": "#3", "number": "3", "content": "电话沟通", "next_at": "2026-11-27T15:00:00+08:00", "kind": "电话"}},
	{"跟进 #3 电话沟通 下次：明天下午", CmdFollowUp,
		fields{"ref": "#3", "number": "3", "content": "电话沟通", "next_at": "2026-11-24T14:00:00+08:00", "kind": "电话"}},
	{"跟进 #3 电话沟通 下次:明天 下午", CmdFollowUp,
		fields{"ref": "#3", "number": "3", "content": "电话沟通", "next_at": "2026-11-24T14:00:00+08:00", "kind": "电话"}},
	{"跟进 #3 电话沟通 下次:后天。", CmdFollowUp,
		fields{"ref": "#3", "number": "3", "content": "电话沟通", "next_at": "2026-11-25T09:00:00+08:00", "kind": "电话"}},
	{"跟进 #3 电话沟通【下次：周五】", CmdFollowUp,
		fields{"ref": "#3", "number": "3", "content": "电话沟通", "next_at": "2026-11-27T09:00:00+08:00", "kind": "电话"}},
	{"跟进 #3 电话沟通 阶段：需求确认", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "电话沟通", "kind": "电话", "stage": "需求确认"}},
	{"跟进 #3 电话沟通 阶段：已联系。", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "电话沟通", "kind": "电话", "stage": "已联系"}},
	{"跟进 #3 报了价 阶段:报价 金额：12,800元", CmdFollowUp,
		fields{"ref": "#3", "number": "3", "content": "报了价", "stage": "报价", "amount": "12800"}},
	{"跟进 #3 报了价 阶段:报价 金额：1.5万", CmdFollowUp,
		fields{"ref": "#3", "number": "3", "content": "报了价", "stage": "报价", "amount": "15000"}},
	{"跟进 #3 报了价 阶段:报价 金额：8k", CmdFollowUp,
		fields{"ref": "#3", "number": "3", "content": "报了价", "stage": "报价", "amount": "8000"}},
	{"跟进 #3 电话沟通 备注：要发票", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "电话沟通 要发票", "kind": "电话"}},
	{"跟进 #3 内容：电话沟通，想看样品。", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "电话沟通，想看样品。", "kind": "电话"}},
	{"跟进 #3 电话沟通 来源:抖音", CmdFollowUp,
		fields{"ref": "#3", "number": "3", "content": "电话沟通", "ignored": "来源:抖音", "kind": "电话"}},
	{"跟进\n客户：#3\n跟进内容：电话沟通，想看样品\n下次跟进：周五 14:00\n阶段：需求确认", CmdFollowUp,
		fields{"ref": "#3", "number": "3", "content": "电话沟通，想看样品", "next_at": "2026-11-27T14:00:00+08:00", "stage": "需求确认", "kind": "电话"}},
	{"跟进 13800138000\n内容：到店看样品\n下次：下周三 上午10点", CmdFollowUp,
		fields{"ref": "13800138000", "phone": "13800138000", "content": "到店看样品", "next_at": "2026-12-02T10:00:00+08:00", "kind": "到店"}},
	{"跟进 #3 客户说周末来！", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "客户说周末来！"}},

	// 成交
	{"成交：#3 金额：12800", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3 金额：12,800", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3 金额：12,800元", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3 金额：¥12,800.00", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3 金额：1,280,000", CmdWon, fields{"ref": "#3", "number": "3", "amount": "1280000"}},
	{"成交 #3 金额：1.28万元", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3 金额：3万", CmdWon, fields{"ref": "#3", "number": "3", "amount": "30000"}},
	{"成交 #3 金额：12.8k", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3 金额：12.8K", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3 金额：12800块", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3 金额：12800元。", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3 金额：12800 🎉", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3 12,800元", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3 ￥12800", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3 8k", CmdWon, fields{"ref": "#3", "number": "3", "amount": "8000"}},
	{"成交 #3 1.2w", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12000"}},
	{"成交 #3 人民币12800元", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3 成交金额：12800", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3【金额：12800】", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交！#3 12800", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 13800138000 金额:12800", CmdWon, fields{"ref": "13800138000", "phone": "13800138000", "amount": "12800"}},

	// 流失、释放
	{"流失：#3 原因：预算不足", CmdLost, fields{"ref": "#3", "number": "3", "reason": "预算不足"}},
	{"流失 #3 原因：预算不足。", CmdLost, fields{"ref": "#3", "number": "3", "reason": "预算不足"}},
	{"流失 #3 预算不够，去别家了😢", CmdLost, fields{"ref": "#3", "number": "3", "reason": "预算不够，去别家了😢"}},
	{"流失 #3 流失原因：选了别家", CmdLost, fields{"ref": "#3", "number": "3", "reason": "选了别家"}},
	{"流失\n客户：#3\n原因：预算不足 暂时不考虑", CmdLost, fields{"ref": "#3", "number": "3", "reason": "预算不足 暂时不考虑"}},
	{"释放：#3 原因：客户已找别家", CmdRelease, fields{"ref": "#3", "number": "3", "reason": "客户已找别家"}},
	{"释放 #3。", CmdRelease, fields{"ref": "#3", "number": "3"}},

	// 查询、领取、锁定
	{"查询：13800138000", CmdQuery, fields{"ref": "13800138000", "phone": "13800138000"}},
	{"查询：张先生", CmdQuery, fields{"ref": "张先生"}},
	{"查询 张先生？", CmdQuery, fields{"ref": "张先生"}},
	{"查询 #3 在吗", CmdQuery, fields{"ref": "#3", "number": "3", "ignored": "在吗"}},
	{"查询 #3 来源:抖音", CmdQuery, fields{"ref": "#3", "number": "3", "ignored": "来源:抖音"}},
	{"查 138 0013 8000", CmdQuery, fields{"ref": "138 0013 8000", "phone": "13800138000"}},
	{"领取：#3", CmdClaim, fields{"ref": "#3", "number": "3"}},
	{"领取 #3！", CmdClaim, fields{"ref": "#3", "number": "3"}},
	{"领取 ＃３。", CmdClaim, fields{"ref": "＃３", "number": "3"}},
	{"锁定 #3 重点客户", CmdLock, fields{"ref": "#3", "number": "3", "ignored": "重点客户"}},
	{"解锁：#3", CmdUnlock, fields{"ref": "#3", "number": "3"}},

	// 转移、交接、延期、审批
	{"转移：#3 @李四", CmdTransfer, fields{"ref": "#3", "number": "3", "target": "李四"}},
	{"转移 #3 ＠李四 原因：休假", CmdTransfer, fields{"ref": "#3", "number": "3", "target": "李四", "reason": "休假"}},
	{"@报备助手 转移 #3 @李四", CmdTransfer, fields{"ref": "#3", "number": "3", "target": "李四"}},
	{"交接：@张三 @李四", CmdHandover, fields{"ref": "张三", "target": "李四"}},
	{"延期：#3 15天 原因：等装修完工", CmdExtend, fields{"ref": "#3", "number": "3", "days": "15", "reason": "等装修完工"}},
	{"同意：A12", CmdApprove, fields{"ref": "A12", "number": "12"}},
	{"同意 A12 好的", CmdApprove, fields{"ref": "A12", "number": "12", "ignored": "好的"}},
	{"驳回：A12 原因：信息不全。", CmdReject, fields{"ref": "A12", "number": "12", "reason": "信息不全"}},

	// 无参数命令
	{"我的客户。", CmdMine, fields{}},
	{"我的客户 全部", CmdMine, fields{"ignored": "全部"}},
	{"待办 今天的", CmdTodo, fields{"ignored": "今天的"}},
	{"公海！", CmdPool, fields{}},
	{"帮助？", CmdHelp, fields{}},
	{"统计 本周", CmdStats, fields{"ignored": "本周"}},
	// keys without a colon, other separators
	{"报备 张先生 13800138000 来源 抖音", CmdReport, fields{"phone": "13800138000", "name": "张先生", "source": "抖音"}},
	{"报备 13800138000 张先生 来源=抖音", CmdReport, fields{"phone": "13800138000", "name": "张先生", "source": "抖音"}},
	{"报备 张先生/13800138000", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备 13800138000/张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备 13800138000 张 先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
	{"报备 13800138000 张先生 （抖音）", CmdReport, fields{"phone": "13800138000", "name": "张先生", "demand": "抖音", "note": "抖音"}},
	{"报备 13800138000 张先生、来源：抖音、需求：沙发", CmdReport,
		fields{"phone": "13800138000", "name": "张先生", "source": "抖音", "demand": "沙发"}},
	{"跟进 #3 电话沟通 下次 周五", CmdFollowUp,
		fields{"ref": "#3", "number": "3", "content": "电话沟通", "next_at": "2026-11-27T09:00:00+08:00", "kind": "电话"}},
	{"跟进 #3 电话沟通 下次周五", CmdFollowUp,
		fields{"ref": "#3", "number": "3", "content": "电话沟通", "next_at": "2026-11-27T09:00:00+08:00", "kind": "电话"}},
	{"跟进 #3 下次再联系", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "下次再联系"}},
	{"跟进 #3 金额太高了", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "金额太高了"}},
	{"成交 #3 金额 12800", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3 金额12800", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3 ¥ 12,800", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"成交 #3，12800元", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800"}},
	{"延期 #3 15 天", CmdExtend, fields{"ref": "#3", "number": "3", "days": "15"}},
	{"延期 #3 十五天 原因:装修", CmdExtend, fields{"ref": "#3", "number": "3", "days": "15", "reason": "装修"}},
	{"转移 #3 给 @李四", CmdTransfer, fields{"ref": "#3", "number": "3", "target": "李四"}},
	{"查询 张先生 13800138000", CmdQuery, fields{"ref": "13800138000", "phone": "13800138000", "ignored": "张先生"}},
	{"审批。", CmdApprovals, fields{}},
	{"我的申请？", CmdRequests, fields{}},
	{"跟进 #3 客户换号了 电话:13900139000", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "客户换号了 电话:13900139000"}},
	{"跟进 #3 客户：很满意", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "客户：很满意"}},
	{"跟进 电话：138 0013 8000 到店看样品", CmdFollowUp,
		fields{"ref": "138 0013 8000", "phone": "13800138000", "content": "到店看样品", "kind": "到店"}},
	{"跟进 #3\n下次：周五 带样品过去", CmdFollowUp,
		fields{"ref": "#3", "number": "3", "content": "带样品过去", "next_at": "2026-11-27T09:00:00+08:00"}},
	{"查询 电话：13800138000", CmdQuery, fields{"ref": "13800138000", "phone": "13800138000"}},
	{"查询\n客户：张先生", CmdQuery, fields{"ref": "张先生"}},
}

func TestParseCorpus(t *testing.T) {
	if len(corpus) < 100 {
		t.Fatalf("corpus has %d messages, want at least 100", len(corpus))
	}
	failed := 0
	for _, tt := range corpus {
		c, err := parse(tt.in)
		switch {
		case err != nil:
			t.Errorf("Parse(%q): %v", tt.in, err)
		case c.Name != tt.name:
			t.Errorf("Parse(%q).Name = %s, want %s", tt.in, c.Name, tt.name)
		case !maps.Equal(c.Fields(shanghai), tt.want):
			t.Errorf("Parse(%q) = %v,\n want %v", tt.in, c.Fields(shanghai), tt.want)
		default:
			continue
		}
		failed++
	}
	t.Logf("corpus: %d of %d parsed as expected", len(corpus)-failed, len(corpus))
}
