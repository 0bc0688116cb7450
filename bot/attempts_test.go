package bot_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/store/storetest"
)

// Issue 12 item 8 as the owner receives it: one push for the first refused
// report at once, and at the end of the hour one for the others, sent by
// whichever pusher runs then (here a new one, as after a restart).
func TestPusherSendsGatheredAttempts(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := storetest.Seed(t, b, baobei.DefaultPolicy())
			f.Report(t, storetest.T0, f.Zhangsan, "13800138000", "张先生")
			at := storetest.T0.Add(time.Minute)
			for _, u := range []*baobei.User{f.Lisi, f.Zhaowu, f.Sunqi} {
				if _, err := f.S.Report(f.Ctx, at, u, baobei.CustomerDraft{Phone: "13800138000", Name: "张总"}); baobei.ErrorCode(err) != baobei.ECONFLICT {
					t.Fatalf("report by %s: %v", u.UID, err)
				}
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			flush := func(now time.Time) []string {
				t.Helper()
				a := &flaky{}
				if err := bot.NewPusher(f.S, a, &fixedClock{t: now}, log, 0).Flush(f.Ctx); err != nil {
					t.Fatal(err)
				}
				var texts []string
				for _, o := range a.sent {
					texts = append(texts, o.Text)
				}
				return texts
			}
			if got := flush(at.Add(59 * time.Minute)); len(got) != 1 || !strings.Contains(got[0], "李四 刚才尝试报备你的客户 #1") {
				t.Fatalf("within the hour: %q, want the first attempt only", got)
			}
			if got := flush(at.Add(time.Hour)); len(got) != 1 || !strings.Contains(got[0], "赵五、孙七也尝试报备你的客户 #1 张先生") {
				t.Fatalf("at the end of the hour: %q, want the gathered notice", got)
			}
			if got := flush(at.Add(2 * time.Hour)); len(got) != 0 {
				t.Fatalf("sent again: %q", got)
			}
		})
	}
}
