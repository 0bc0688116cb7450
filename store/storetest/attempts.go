package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"baobei"
)

var attemptTests = []struct {
	name string
	fn   func(*testing.T, Backend)
}{
	{"AttemptsGatheredConcurrent", testAttemptsConcurrent},
	{"AttemptsWindow", testAttemptsWindow},
}

// attemptUnit is a unit in which u reports phone at now, refused or not.
func attemptUnit(u *baobei.User, id, phone string, now time.Time) baobei.Unit {
	return baobei.Unit{Claim: baobei.MessageClaim{Platform: "wecom", ID: id},
		Do: func(ctx context.Context, svc baobei.Service) ([]baobei.Notice, error) {
			_, err := svc.Report(ctx, now, u, baobei.CustomerDraft{Phone: phone, Name: "抢单"})
			if be := (*baobei.Error)(nil); errors.As(err, &be) {
				return []baobei.Notice{{ToUser: u.UID, Text: "拒绝：" + be.Message}}, nil
			}
			return nil, err
		}}
}

// Texts are the texts queued for uid that contain part, oldest first.
func (f *Fixture) Texts(t testing.TB, uid, part string) []string {
	t.Helper()
	var payloads []string
	if err := f.S.DB().Select(&payloads, "SELECT payload FROM outbox WHERE to_user = ? ORDER BY id", uid); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range payloads {
		var n baobei.Notice
		if err := json.Unmarshal([]byte(p), &n); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(n.Text, part) {
			out = append(out, n.Text)
		}
	}
	return out
}

func (f *Fixture) queueDue(t testing.TB, now time.Time) int {
	t.Helper()
	n, err := f.S.QueueDue(f.Ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Issue 12 item 8: 29 reps try a held customer at once, each in a unit of
// its own. The owner is told once at once; at the end of the hour one
// notice lists the other 28, however many replicas flush at that moment.
func testAttemptsConcurrent(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	const n = 29
	users := make([]*baobei.User, n)
	for i := range users {
		users[i] = registerRep(t, f, i)
	}
	first := T0.Add(time.Minute)
	for i, err := range atOnce(n, func(i int) error {
		rs, err := f.S.RunUnits(f.Ctx, first, []baobei.Unit{attemptUnit(users[i], users[i].UID, "13800138000", first)})
		if err == nil && rs[0].Err != nil {
			err = rs[0].Err
		}
		return err
	}) {
		if err != nil {
			t.Fatalf("rep %d: %v", i, err)
		}
	}
	if got := f.Texts(t, "zhangsan", "尝试报备"); len(got) != 1 || !strings.Contains(got[0], "刚才尝试报备你的客户 #1") {
		t.Fatalf("owner told at once: %q, want one notice", got)
	}
	if got := f.Count(t, "SELECT COUNT(*) FROM report_attempts WHERE customer_id = ? AND sent_at IS NULL", c.ID); got != n-1 {
		t.Fatalf("waiting attempts = %d, want %d", got, n-1)
	}
	if q := f.queueDue(t, first.Add(baobei.AttemptWindow-time.Second)); q != 0 {
		t.Fatalf("queued %d before the hour ended", q)
	}
	queued, each := 0, make([]int, 4)
	for i, err := range atOnce(len(each), func(i int) error { // four replicas' pushers at the same instant
		var err error
		each[i], err = f.S.QueueDue(f.Ctx, first.Add(baobei.AttemptWindow))
		return err
	}) {
		if err != nil {
			t.Fatal(err)
		}
		queued += each[i]
	}
	got := f.Texts(t, "zhangsan", "尝试报备")
	if queued != 1 || len(got) != 2 || !strings.Contains(got[1], "等 28 人也尝试报备你的客户 #1 张先生") {
		t.Fatalf("queued %d; owner's notices: %q", queued, got)
	}
	if f.Count(t, "SELECT COUNT(*) FROM report_attempts WHERE sent_at IS NULL") != 0 || f.queueDue(t, first.Add(2*time.Hour)) != 0 {
		t.Fatal("attempts left to send after the flush")
	}
}

// The window opens at the first attempt and lasts an hour; each person is
// named once; after the hour the next attempt is told at once again; an
// owner who lost the customer meanwhile is not told of the waiting ones.
func testAttemptsWindow(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	try := func(u *baobei.User, at time.Duration) {
		t.Helper()
		_, err := f.S.Report(f.Ctx, T0.Add(at), u, baobei.CustomerDraft{Phone: "13800138000", Name: "张总"})
		wantCode(t, err, baobei.ECONFLICT)
	}
	try(f.Lisi, 0)
	try(f.Zhaowu, 10*time.Minute)
	try(f.Sunqi, 30*time.Minute)
	try(f.Zhaowu, 40*time.Minute)
	try(f.Zhangsan, 50*time.Minute) // the owner's own report is no attempt
	if q := f.queueDue(t, T0.Add(59*time.Minute)); q != 0 {
		t.Fatalf("queued %d within the hour", q)
	}
	if q := f.queueDue(t, T0.Add(time.Hour)); q != 1 {
		t.Fatalf("queued %d at the end of the hour, want 1", q)
	}
	got := f.Texts(t, "zhangsan", "尝试报备")
	if len(got) != 2 || !strings.Contains(got[0], "李四 刚才尝试报备") || !strings.Contains(got[1], "过去一小时 赵五、孙七也尝试报备你的客户 #1") {
		t.Fatalf("owner's notices = %q", got)
	}
	try(f.Sunqi, time.Hour+5*time.Minute) // a new window
	try(f.Lisi, time.Hour+10*time.Minute)
	if got := f.Texts(t, "zhangsan", "尝试报备"); len(got) != 3 || !strings.Contains(got[2], "孙七 刚才尝试报备") {
		t.Fatalf("after the hour the next attempt is told at once: %q", got)
	}
	if _, err := f.S.Release(f.Ctx, T0.Add(time.Hour+20*time.Minute), f.Zhangsan, baobei.CustomerRef{Number: c.ID}, "不要了"); err != nil {
		t.Fatal(err)
	}
	if q := f.queueDue(t, T0.Add(3*time.Hour)); q != 0 || len(f.Texts(t, "zhangsan", "尝试报备")) != 3 {
		t.Fatalf("queued %d for an owner who released the customer", q)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM report_attempts WHERE sent_at IS NULL"); n != 0 {
		t.Fatalf("%d attempts still waiting", n)
	}
}
