package handlers

import (
	"context"

	"baobei/bot"
)

// HelpText lists the commands with one example each.
const HelpText = `报备助手可用命令：
报备 13800138000 张先生 来源:抖音 需求:三人沙发
跟进 13800138000 电话沟通，想看样品 下次:周五 阶段:需求确认 等级:A
等级 #3 A（负责人或经理改等级）
成交 13800138000 金额:12800
流失 13800138000 原因:预算不足
我的客户 · 待办 · 查询 13800138000 · 跟进记录 #3
公海 · 领取 #3 · 释放 #3 原因:客户已找别家
转移 13800138000 @李四 · 交接 @张三 @李四（经理）
改金额 #3 金额:13800 原因:合同补签（管理员）
客户可用手机号、编号（#3）或称呼指明。`

// Help handles 帮助.
func (h *Handlers) Help(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	return bot.Text(HelpText), nil
}
