package handlers

import (
	"context"
	"fmt"

	"baobei"
	"baobei/bot"
)

// Export handles 导出: a one-time link to an xlsx of what the asker may
// export — their own customers, their team's, or everyone's.
func (h *Handlers) Export(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	return h.link(ctx, req, baobei.LinkExport, "/dl/", "的导出链接（10 分钟内有效，只能下载一次）", "baobei export")
}

// Dashboard handles 看板: a one-time link that signs the asker in to the
// dashboard of what they may see (12 hours).
func (h *Handlers) Dashboard(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	return h.link(ctx, req, baobei.LinkDash, "/dash/open/", "的看板链接（10 分钟内有效，只能打开一次；打开后 12 小时内免登录）", "「统计」")
}

// link makes a one-time link of kind under public_url + path; from a group
// it goes privately. Without public_url the reply says how to set it and
// what works meanwhile.
func (h *Handlers) link(ctx context.Context, req *bot.Request, kind, path, what, meanwhile string) (*bot.Reply, error) {
	word := baobei.LinkCommand(kind)
	if h.publicURL == "" {
		return nil, baobei.Errorf(baobei.EINVALID, "「%s」需要服务的外网地址：请管理员在 baobei.yaml 设置 public_url: https://crm.example.com（或环境变量 BAOBEI_PUBLIC_URL）后重启，再发「%s」。现在可以先用 %s。", word, word, meanwhile)
	}
	scope := baobei.ScopeOf(req.Actor)
	token, err := req.Svc.CreateLink(ctx, req.Now, req.Actor, kind, scope)
	if err != nil {
		return nil, err
	}
	whose := "全部客户"
	switch {
	case scope.UserID != nil:
		whose = "你名下的客户"
	case scope.TeamID != nil:
		whose = "本团队的客户"
	}
	text := fmt.Sprintf("%s%s：\n%s%s%s\n过期或用过后请重新发「%s」。", whose, what, h.publicURL, path, token, word)
	return &bot.Reply{Text: text, Masked: "已生成链接，只发给你本人。"}, nil
}
