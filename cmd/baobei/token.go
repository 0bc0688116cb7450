package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"baobei"
)

const tokenUsage = "用法：baobei token create --name 官网表单 --scopes leads:write | list | revoke 编号（另可加 --config、--db）"

// tokenCmd runs `baobei token create|list|revoke` against the configured
// database: the HTTP API's bearer tokens.
func tokenCmd(ctx context.Context, args []string, out io.Writer) error {
	var name, scopes string
	action, cfg, s, err := openAction(ctx, "token", tokenUsage, args, func(action string, fl *flag.FlagSet) {
		if action == "create" {
			fl.StringVar(&name, "name", "", "who uses the token (shown in lists and audit rows)")
			fl.StringVar(&scopes, "scopes", "", "comma-separated scopes: "+strings.Join(baobei.Scopes, ","))
		}
	})
	if err != nil {
		return err
	}
	defer s.Close()
	switch action {
	case "create":
		sc, err := baobei.ParseScopes(scopes)
		if err != nil {
			return err
		}
		t, plain, err := s.CreateToken(ctx, time.Now(), name, sc)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "已创建 token T%d「%s」（%s）。\n只显示这一次，请立即保存（系统只保存它的哈希）：\n%s\n用法：curl -H 'Authorization: Bearer %s' %s/api/v1/...\n",
			t.ID, t.Name, t.Scopes, plain, plain, "http://"+cfg.Addr)
		return nil
	case "list":
		ts, err := s.Tokens(ctx)
		if err != nil {
			return err
		}
		if len(ts) == 0 {
			fmt.Fprintln(out, "还没有 token。创建：baobei token create --name 官网表单 --scopes leads:write")
		}
		for _, t := range ts {
			state := "有效"
			if t.RevokedAt != nil {
				state = "已吊销 " + t.RevokedAt.In(cfg.Policy.Loc).Format("2006-01-02 15:04")
			}
			used := "从未使用"
			if t.LastUsedAt != nil {
				used = "最近使用 " + t.LastUsedAt.In(cfg.Policy.Loc).Format("2006-01-02 15:04")
			}
			fmt.Fprintf(out, "T%d\t%s\t%s…\t%s\t%s\t%s\n", t.ID, t.Name, t.Prefix, t.Scopes, used, state)
		}
		return nil
	case "revoke":
		id, err := numberArg(cfg.args, "T", "token", "revoke", tokenUsage)
		if err != nil {
			return err
		}
		if err := s.RevokeToken(ctx, time.Now(), id); err != nil {
			return err
		}
		fmt.Fprintf(out, "已吊销 token T%d：立即失效。\n", id)
		return nil
	}
	return fmt.Errorf("未知操作“%s”。%s", action, tokenUsage)
}
