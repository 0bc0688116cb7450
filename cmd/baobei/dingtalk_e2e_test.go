package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"baobei/bot/dingtalk"
	"baobei/bot/dingtalk/dingtalktest"
	"baobei/store/storetest"
)

// The service wired to a fake DingTalk on 127.0.0.1: messages arrive over
// the stream, replies leave through the session webhook, approvals are
// decided by tapping the card.
func TestDingTalkReportAndApprovalCard(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fake := dingtalktest.Start()
			defer fake.Close()
			cfg := defaultConfig()
			cfg.DingTalk = dingtalk.Config{ClientID: fake.ClientID, ClientSecret: fake.ClientSecret, CardTemplateID: "tpl.schema", APIBase: fake.URL}
			cfg.secret = testSecret
			if err := cfg.finish(); err != nil {
				t.Fatal(err)
			}
			a, err := wire(context.Background(), cfg, b.Open(t, cfg.Policy), slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			a.ding.SessionBase = fake.URL // the fake's session webhooks are on 127.0.0.1
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go a.stream(ctx)
			if err := fake.WaitConnections(1, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			push := func(fr dingtalktest.Frame) {
				t.Helper()
				if ack, err := fake.PushAndWait(fr, 5*time.Second); err != nil || ack.Code != 200 {
					t.Fatalf("ACK %+v %v", ack, err)
				}
				if err := errors.Join(a.worker.Drain(ctx), a.pusher.Flush(ctx)); err != nil {
					t.Fatal(err)
				}
			}
			sent := func() string {
				var all []string
				for _, c := range fake.Calls("/robot/sendBySession") {
					all = append(all, jsonOf(c.Body))
				}
				return strings.Join(all, "\n")
			}

			frame := dingtalktest.BotFrame(fake.Text("zhangsan", "张三", "报备 13800138000 张先生"))
			push(frame)
			push(frame) // DingTalk redelivers when the ACK is late: one effect
			wantHas(t, sent(), "报备成功", "#1")
			if n := strings.Count(sent(), "报备成功"); n != 1 {
				t.Fatalf("replies to one redelivered message = %d", n)
			}

			push(dingtalktest.BotFrame(fake.Text("zhangsan", "张三", "报备 13900139000 王总 等级:A")))
			wantHas(t, sent(), "已提交报备审批 A1")
			cards := fake.Calls("/v1.0/card/instances/createAndDeliver")
			if len(cards) != 1 {
				t.Fatalf("approval cards = %d", len(cards))
			}
			params := cards[0].Body["cardData"].(map[string]any)["cardParamMap"].(map[string]any)
			outTrack := cards[0].Body["outTrackId"].(string)
			push(dingtalktest.CardFrame(dingtalktest.Tap{OutTrackID: outTrack, UserID: "wangjl", Action: params["btn_1_action"].(string)}))
			updates := fake.Calls("/v1.0/card/instances")
			if len(updates) != 1 || !strings.Contains(jsonOf(updates[0].Body), `"status":"已同意"`) {
				t.Fatalf("card updates = %+v", updates)
			}
			wantHas(t, sent(), "A1", "已同意")
		})
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
