package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/store"
)

const webhookUsage = "用法：baobei webhook add --url URL --events customer.won,customer.reported | list | remove 编号 | test 编号（另可加 --config、--db）"

// webhookCmd runs `baobei webhook add|list|remove|test` against the
// configured database.
func webhookCmd(ctx context.Context, args []string, out io.Writer) error {
	var url, events string
	action, cfg, s, err := openAction(ctx, "webhook", webhookUsage, args, func(action string, fl *flag.FlagSet) {
		if action == "add" {
			fl.StringVar(&url, "url", "", "where deliveries are posted (http:// or https://)")
			fl.StringVar(&events, "events", "", "comma-separated events: "+strings.Join(baobei.WebhookEvents, ","))
		}
	})
	if err != nil {
		return err
	}
	defer s.Close()
	switch action {
	case "add":
		return webhookAdd(ctx, s, url, events, out)
	case "list":
		return webhookList(ctx, s, cfg.Policy, out)
	case "remove", "test":
		id, err := numberArg(cfg.args, "W", "webhook", action, webhookUsage)
		if err != nil {
			return err
		}
		if action == "remove" {
			if err := s.RemoveWebhook(ctx, time.Now(), id); err != nil {
				return err
			}
			fmt.Fprintf(out, "已删除 webhook W%d，不再投递；尚未投递的事件已作废（保留在 outbox，状态 dead）。\n", id)
			return nil
		}
		return webhookTest(ctx, s, id, out)
	}
	return fmt.Errorf("未知操作“%s”。%s", action, webhookUsage)
}

func webhookAdd(ctx context.Context, s *store.Store, url, events string, out io.Writer) error {
	evs, err := baobei.ParseWebhookEvents(events)
	if err != nil {
		return err
	}
	w, err := s.AddWebhook(ctx, time.Now(), url, evs)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "已添加 webhook W%d：%s（事件 %s）\n签名密钥（只显示这一次，请保存到接收方）：%s\n发送测试事件：baobei webhook test %d\n",
		w.ID, w.URL, w.Events, w.Secret, w.ID)
	return nil
}

func webhookList(ctx context.Context, s *store.Store, p baobei.Policy, out io.Writer) error {
	ws, err := s.Webhooks(ctx)
	if err != nil {
		return err
	}
	failing, err := s.WebhookFailures(ctx)
	if err != nil {
		return err
	}
	if len(ws) == 0 {
		fmt.Fprintln(out, "还没有 webhook。添加：baobei webhook add --url https://… --events customer.won")
	}
	for _, w := range ws {
		fmt.Fprintf(out, "W%d %s 事件 %s 添加于 %s\n", w.ID, baobei.ShownURL(w.URL), w.Events, p.DateTime(w.CreatedAt))
		for _, f := range failing {
			if f.ID == w.ID {
				fmt.Fprintf(out, "  ✗ %d 条待投递，已尝试 %d 次：%s\n", f.Pending, f.Attempts, f.LastError)
			}
		}
	}
	return nil
}

// webhookTest posts a signed webhook.test event now, outside the outbox.
func webhookTest(ctx context.Context, s *store.Store, id int64, out io.Writer) error {
	w, err := s.Webhook(ctx, id)
	if err == nil && !w.Active {
		err = baobei.Errorf(baobei.ENOTFOUND, "webhook W%d 已删除。用 baobei webhook list 查看编号。", id)
	}
	if err != nil {
		return err
	}
	b := make([]byte, 12)
	rand.Read(b)
	now := time.Now()
	body, err := json.Marshal(baobei.WebhookEvent{ID: "evt_test_" + hex.EncodeToString(b), Type: baobei.EventWebhookTest, CreatedAt: now.UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	code, err := bot.PostWebhook(ctx, nil, w, body, now)
	if err != nil {
		return fmt.Errorf("W%d 测试失败：%v。请检查接收方的地址和服务，再重试", id, bot.StripURLQueries(err))
	}
	fmt.Fprintf(out, "W%d 测试成功：HTTP %d，用时 %s。\n", id, code, time.Since(now).Round(time.Millisecond))
	return nil
}
