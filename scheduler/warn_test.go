package scheduler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/scheduler"
	"baobei/store/storetest"
)

// Issue 12 item 9: one warning window, policy.warn_days. The hourly job
// warns what a release rule takes within it, and the text names it and
// never counts more days left than it.
func TestWarningWindowIsThePolicys(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		for _, days := range []int{3, 5} {
			t.Run(fmt.Sprintf("%s/%d", b.Name, days), func(t *testing.T) {
				p := baobei.DefaultPolicy()
				p.WarnDays = days
				f := storetest.Seed(t, b, p)
				day, window := 24*time.Hour, time.Duration(days)*24*time.Hour
				// Protection ends half an hour past the window of the run at T0.
				f.Report(t, storetest.T0.Add(window+30*time.Minute-30*day), f.Zhangsan, "13800000001", "到期客户")
				followUp(t, f, f.Zhangsan, 1, storetest.T0.Add(-day))
				// No follow-up: the idle rule (15 days) fires half an hour past the window.
				f.Report(t, storetest.T0.Add(window+30*time.Minute-15*day), f.Zhangsan, "13800000002", "闲置客户")
				// Protection ends in two hours.
				f.Report(t, storetest.T0.Add(2*time.Hour-30*day), f.Zhangsan, "13800000003", "将到期客户")
				followUp(t, f, f.Zhangsan, 3, storetest.T0.Add(-day))

				s := scheduler.New(f.S, clockAt{storetest.T0}, slog.New(slog.NewTextHandler(io.Discard, nil)), scheduler.Jobs(f.S, p, nil)...)
				if err := s.RunDue(context.Background(), storetest.T0.Add(-time.Hour), storetest.T0.Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
				texts := warnings(t, f)
				all := strings.Join(texts, "\n")
				for _, want := range []string{
					fmt.Sprintf("（%d 天内）", days),
					fmt.Sprintf("#1 到期客户 · 新线索 · 还剩 %d 天", days),
					fmt.Sprintf("#2 闲置客户 · 新线索 · 还剩 %d 天", days),
					"#3 将到期客户 · 新线索 · 还剩 1 天",
				} {
					if !strings.Contains(all, want) {
						t.Errorf("warnings lack %q:\n%s", want, all)
					}
				}
				for _, m := range regexp.MustCompile(`还剩 (\d+) 天`).FindAllStringSubmatch(all, -1) {
					if n, _ := strconv.Atoi(m[1]); n > days {
						t.Errorf("%s: more than warn_days %d:\n%s", m[0], days, all)
					}
				}
				for _, id := range []string{"#1 到期客户", "#2 闲置客户", "#3 将到期客户"} {
					if n := strings.Count(all, id); n != 1 {
						t.Errorf("%s warned %d times:\n%s", id, n, all)
					}
				}
			})
		}
	}
}

// warnings are the expiry warnings queued, oldest first.
func warnings(t *testing.T, f *storetest.Fixture) []string {
	t.Helper()
	var payloads []string
	if err := f.S.DB().Select(&payloads, "SELECT payload FROM outbox WHERE payload LIKE '%即将退回公海%' ORDER BY id"); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, p := range payloads {
		var n baobei.Notice
		if err := json.Unmarshal([]byte(p), &n); err != nil {
			t.Fatal(err)
		}
		texts = append(texts, n.Text)
	}
	return texts
}
