package scheduler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/scheduler"
	"baobei/store/storetest"
)

// Issue 12, items 11 and 12: the weekly summary covers Monday to Sunday and
// says so (11月23日–11月29日), counts nothing of the new week, and names a
// next step.
func TestWeeklySummaryWeek(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := storetest.Seed(t, b, baobei.DefaultPolicy())
			p := f.S.Policy()
			slot := time.Date(2026, 11, 30, 9, 0, 0, 0, p.Loc)                    // Monday 09:00
			f.Report(t, storetest.T0, f.Zhangsan, "13800138000", "张先生")           // Monday 11月23日 10:00
			f.Report(t, slot.Add(-2*time.Hour), f.Zhangsan, "13900139000", "李女士") // the new week
			ns, err := scheduler.WeeklySummary(context.Background(), f.S, slot, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			var text string
			for _, n := range ns {
				if n.ToChat == "sales1" {
					text = n.Text
				}
			}
			for _, want := range []string{"销售一组 上周统计（11月23日–11月29日）", "新报备 1 ", "发「待办」"} {
				if !strings.Contains(text, want) {
					t.Errorf("summary %q lacks %q", text, want)
				}
			}
		})
	}
}
