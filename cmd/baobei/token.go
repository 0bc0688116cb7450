package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"baobei"
	"baobei/store"
)

const tokenUsage = "用法：baobei token create --name 官网表单 --scopes leads:write | list | revoke 编号（另可加 --config、--db）"

// tokenCmd runs `baobei token create|list|revoke` against the configured
// database: the HTTP API's bearer tokens.
func tokenCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", tokenUsage)
	}
	action, args := args[0], args[1:]
	var name, scopes string
	cfg, err := loadConfig("token "+action, args, func(fl *flag.FlagSet) {
		if action == "create" {
			fl.StringVar(&name, "name", "", "who uses the token (shown in lists and audit rows)")
			fl.StringVar(&scopes, "scopes", "", "comma-separated scopes: "+strings.Join(baobei.Scopes, ","))
		}
	})
	if err != nil {
		return err
	}
	s, err := store.Open(ctx, cfg.DB, cfg.Policy)
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
		if len(cfg.args) != 1 {
			return fmt.Errorf("请给出 token 编号，例如 baobei token revoke T1。%s", tokenUsage)
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(cfg.args[0]), "T"), 10, 64)
		if err != nil {
			return fmt.Errorf("token 编号“%s”不是数字；用 baobei token list 查看编号", cfg.args[0])
		}
		if err := s.RevokeToken(ctx, time.Now(), id); err != nil {
			return err
		}
		fmt.Fprintf(out, "已吊销 token T%d：立即失效。\n", id)
		return nil
	}
	return fmt.Errorf("未知操作“%s”。%s", action, tokenUsage)
}
