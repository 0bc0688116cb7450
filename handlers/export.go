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
	if h.publicURL == "" {
		return nil, baobei.Errorf(baobei.EINVALID, "导出需要服务的外网地址：请管理员在 baobei.yaml 设置 public_url: https://crm.example.com（或环境变量 BAOBEI_PUBLIC_URL）后重启，再发「导出」。也可以在服务器上运行 baobei export。")
	}
	scope := baobei.ScopeOf(req.Actor)
	token, err := req.Svc.CreateDownload(ctx, req.Now, req.Actor, scope)
	if err != nil {
		return nil, err
	}
	what := "全部客户"
	switch {
	case scope.UserID != nil:
		what = "你名下的客户"
	case scope.TeamID != nil:
		what = "本团队的客户"
	}
	text := fmt.Sprintf("%s的导出链接（10 分钟内有效，只能下载一次）：\n%s/dl/%s\n过期或用过后请重新发「导出」。", what, h.publicURL, token)
	return &bot.Reply{Text: text, Masked: "已生成导出链接，只发给你本人。"}, nil
}
