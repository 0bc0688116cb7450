package handlers_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/cards"
	"baobei/handlers/handlertest"
	"baobei/store/storetest"
)

// assignTestPolicy sends leads from 杭州 to 销售一组 (round robin); any
// other region goes to the pool.
func assignTestPolicy() baobei.Policy {
	p := testPolicy()
	p.Assignment = baobei.AssignmentPolicy{Strategy: baobei.RoundRobin,
		Rules: []baobei.AssignRule{{Regions: []string{"杭州"}, Team: "sales1"}}}
	return p
}

// addLead posts a lead from outside chat (as the HTTP API does) and
// returns where it went.
func addLead(t *testing.T, b *handlertest.Bot, phone, name, region string) *baobei.AssignResult {
	t.Helper()
	r, err := b.S.AddLead(b.Ctx, b.Clock.T, baobei.LeadDraft{Via: "test",
		CustomerDraft: baobei.CustomerDraft{Name: name, Phone: phone, Region: region}}, nil)
	if err != nil {
		t.Fatalf("lead %s %s: %v", phone, region, err)
	}
	return r
}

// poolLead is a lead that matches no rule and stays in the pool.
func poolLead(t *testing.T, b *handlertest.Bot, phone, name string) *baobei.Customer {
	t.Helper()
	r := addLead(t, b, phone, name, "北京")
	if r.Rep != nil {
		t.Fatalf("a 北京 lead went to %s, want the pool", r.Rep.UID)
	}
	return r.Customer
}

func leadRep(r *baobei.AssignResult) string {
	if r.Rep == nil {
		return ""
	}
	return r.Rep.UID
}

// outbox is what is queued for a user (uid) or a group chat (chat).
func outbox(t *testing.T, b *handlertest.Bot, col, to string) []baobei.Notice {
	t.Helper()
	var payloads []string
	if err := b.S.DB().Select(&payloads, "SELECT payload FROM outbox WHERE "+col+" = ? ORDER BY id", to); err != nil {
		t.Fatal(err)
	}
	out := make([]baobei.Notice, len(payloads))
	for i, p := range payloads {
		if err := json.Unmarshal([]byte(p), &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// chatLines are the texts queued for a group chat that contain part.
func chatLines(t *testing.T, b *handlertest.Bot, chat, part string) []string {
	t.Helper()
	var out []string
	for _, n := range outbox(t, b, "to_chat", chat) {
		if strings.Contains(n.Text, part) {
			out = append(out, n.Text)
		}
	}
	return out
}

// leadCard is the card of the last notice queued for uid that contains
// part; the test fails without one.
func leadCard(t *testing.T, b *handlertest.Bot, uid, part string) *cards.Card {
	t.Helper()
	ns := outbox(t, b, "to_user", uid)
	for i := len(ns) - 1; i >= 0; i-- {
		if !strings.Contains(ns[i].Text, part) {
			continue
		}
		if len(ns[i].Card) == 0 {
			t.Fatalf("%s's notice %q has no card", uid, ns[i].Text)
		}
		o, err := bot.OutOf(ns[i])
		if err != nil {
			t.Fatal(err)
		}
		return o.Card
	}
	t.Fatalf("%s has no notice containing %q:\n%s", uid, part, b.Outbox(uid))
	return nil
}

func button(t *testing.T, c *cards.Card, label string) string {
	t.Helper()
	for _, btn := range c.Buttons {
		if btn.Label == label {
			return btn.Action
		}
	}
	t.Fatalf("card %q has no button %s: %+v", c.Title, label, c.Buttons)
	return ""
}

// tap taps a card button as uid.
func tap(b *handlertest.Bot, uid, action string) *bot.Result {
	return b.Dispatch(bot.Message{Platform: "console", UserID: uid, Action: action})
}

func ownerID(t *testing.T, b *handlertest.Bot, id int64) int64 {
	t.Helper()
	var owner *int64
	if err := b.S.DB().Get(&owner, b.S.DB().Rebind("SELECT owner_id FROM customers WHERE id = ?"), id); err != nil {
		t.Fatal(err)
	}
	if owner == nil {
		return 0
	}
	return *owner
}

func wantSay(t *testing.T, b *handlertest.Bot, user, text, code string, parts ...string) string {
	t.Helper()
	res := b.Send(user, "", text)
	if res.Code != code {
		t.Errorf("%s: %q: code %q, want %q (reply %q)", user, text, res.Code, code, res.Replies[0].Text)
	}
	wantIn(t, text, res.Replies[0].Text, parts...)
	return res.Replies[0].Text
}

// Issue 13: 分配 gives a pool customer to a rep by hand — managers to their
// team, admins to anyone; the rep gets a lead card and the team chat a line;
// a held customer is refused with the way to transfer it.
func TestAssignByHand(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			b := handlertest.New(t, be, assignTestPolicy())
			c := poolLead(t, b, "13900000001", "刘先生")
			n := c.ID
			cmd := fmt.Sprintf("分配 #%d @李四", n)

			b.Want("zhangsan", cmd, baobei.EFORBIDDEN) // reps may not
			b.Want("wangjl", fmt.Sprintf("分配 #%d", n), baobei.EINVALID)
			b.Want("wangjl", fmt.Sprintf("分配 #%d @孙七", n), baobei.EFORBIDDEN) // another team
			b.Want("wangjl", fmt.Sprintf("分配 #%d @nobody", n), baobei.ENOTFOUND)
			if got := ownerID(t, b, n); got != 0 {
				t.Fatalf("refused 分配 left #%d with owner %d", n, got)
			}
			if got := b.Outbox("lisi"); got != "" {
				t.Errorf("lisi was told before any 分配: %q", got)
			}

			wantSay(t, b, "wangjl", cmd, "", fmt.Sprintf("已将 #%d 刘先生 分配给 李四", n), "保护期至", "已通知 李四")
			if got := ownerID(t, b, n); got != b.Lisi.ID {
				t.Fatalf("#%d owner = %d after 分配, want lisi %d", n, got, b.Lisi.ID)
			}
			notices := b.Texts(t, "lisi", "分配给你一个新线索")
			if len(notices) != 1 || !strings.Contains(notices[0], fmt.Sprintf("王经理分配给你一个新线索 #%d 刘先生 13900000001", n)) {
				t.Fatalf("lisi's lead notices = %q", notices)
			}
			wantIn(t, "lead notice", notices[0], "保护期至", fmt.Sprintf("转派 #%d", n))
			card := leadCard(t, b, "lisi", "分配给你一个新线索")
			var labels []string
			for _, btn := range card.Buttons {
				labels = append(labels, btn.Label)
			}
			if !slices.Equal(labels, []string{"已联系", "转给同事"}) {
				t.Errorf("lead card buttons = %q, want 已联系 转给同事", labels)
			}
			if card.Title != fmt.Sprintf("新线索 #%d", n) {
				t.Errorf("lead card title = %q", card.Title)
			}
			if lines := chatLines(t, b, "sales1", fmt.Sprintf("#%d 刘先生", n)); len(lines) != 1 || !strings.Contains(lines[0], "已分配给 李四") {
				t.Errorf("sales1's lines about #%d = %q", n, lines)
			}
			if lines := chatLines(t, b, "sales2", fmt.Sprintf("#%d", n)); len(lines) != 0 {
				t.Errorf("sales2 heard of team 1's lead: %q", lines)
			}

			// Held now: 分配 again is refused (转移 is the way), by anyone.
			wantSay(t, b, "wangjl", fmt.Sprintf("分配 #%d @张三", n), baobei.EINVALID, "转移")
			b.Want("admin", fmt.Sprintf("分配 #%d @孙七", n), baobei.EINVALID)
			if got := ownerID(t, b, n); got != b.Lisi.ID {
				t.Errorf("#%d moved to %d by a refused 分配", n, got)
			}
			if got := len(b.Texts(t, "zhangsan", "分配给你")); got != 0 {
				t.Errorf("zhangsan got %d lead notices from a refused 分配", got)
			}

			// 给 between the customer and the @ is read too.
			c2 := poolLead(t, b, "13900000002", "周女士")
			wantSay(t, b, "wangjl", fmt.Sprintf("分配 #%d 给 @李四", c2.ID), "", "分配给 李四")
			if got := ownerID(t, b, c2.ID); got != b.Lisi.ID {
				t.Errorf("分配 #%d 给 @李四: owner %d", c2.ID, got)
			}

			// An admin gives to anyone, across teams.
			c3 := poolLead(t, b, "13900000003", "吴先生")
			wantSay(t, b, "admin", fmt.Sprintf("分配 #%d @孙七", c3.ID), "", "分配给 孙七")
			if got := ownerID(t, b, c3.ID); got != b.Sunqi.ID {
				t.Errorf("admin's 分配 #%d @孙七: owner %d", c3.ID, got)
			}
			if got := b.Texts(t, "sunqi", "管理员分配给你一个新线索"); len(got) != 1 {
				t.Errorf("sunqi's lead notices = %q", got)
			}
			if lines := chatLines(t, b, "sales2", "已分配给 孙七"); len(lines) != 1 {
				t.Errorf("sales2's lines = %q", lines)
			}
		})
	}
}

// Issue 13: the lead card's buttons run as the rep it was sent to: 已联系
// logs a follow-up, 转给同事 hands the lead on; anyone else is refused.
func TestAssignLeadCardButtons(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			b := handlertest.New(t, be, assignTestPolicy())
			c := poolLead(t, b, "13900000001", "刘先生")
			n := c.ID
			b.Want("wangjl", fmt.Sprintf("分配 #%d @李四", n), "")
			card := leadCard(t, b, "lisi", fmt.Sprintf("新线索 #%d", n))
			contacted := button(t, card, "已联系")
			hand := button(t, card, "转给同事")
			history := fmt.Sprintf("跟进记录 #%d", n)

			// Someone else's tap is refused and logs nothing.
			if res := tap(b, "zhangsan", contacted); res.Code != baobei.EFORBIDDEN {
				t.Errorf("zhangsan tapping lisi's 已联系: code %q (reply %q)", res.Code, res.Replies[0].Text)
			}
			if res := tap(b, "wangjl", hand); res.Code != baobei.EFORBIDDEN {
				t.Errorf("wangjl tapping lisi's 转给同事: code %q (reply %q)", res.Code, res.Replies[0].Text)
			}
			if got := b.Say("lisi", history); strings.Contains(got, "已联系客户") {
				t.Fatalf("a refused tap logged a follow-up: %q", got)
			}
			if got := ownerID(t, b, n); got != b.Lisi.ID {
				t.Fatalf("a refused 转给同事 moved #%d to %d", n, got)
			}
			if res := tap(b, "lisi", contacted[:len(contacted)-2]+"xx"); res.Code != baobei.EFORBIDDEN {
				t.Errorf("a forged token: code %q", res.Code)
			}

			if res := tap(b, "lisi", contacted); res.Code != "" {
				t.Fatalf("lisi tapping 已联系: code %q (reply %q)", res.Code, res.Replies[0].Text)
			}
			wantIn(t, history, b.Say("lisi", history), "已联系客户")
			wantIn(t, "查询", b.Say("lisi", fmt.Sprintf("查询 #%d", n)), "已联系客户")

			// 转给同事 is 转派: round robin after lisi is 赵五.
			res := tap(b, "lisi", hand)
			if res.Code != "" {
				t.Fatalf("lisi tapping 转给同事: code %q (reply %q)", res.Code, res.Replies[0].Text)
			}
			wantIn(t, "转给同事", res.Replies[0].Text, fmt.Sprintf("已把 #%d 刘先生 转派给 赵五", n))
			if got := ownerID(t, b, n); got != b.Zhaowu.ID {
				t.Errorf("#%d owner after 转给同事 = %d, want zhaowu %d", n, got, b.Zhaowu.ID)
			}
			if got := b.Texts(t, "zhaowu", fmt.Sprintf("李四分配给你一个新线索 #%d", n)); len(got) != 1 {
				t.Errorf("zhaowu's lead notices = %q", got)
			}
			// The card was lisi's: it no longer acts on a lead she gave away.
			if res := tap(b, "lisi", hand); res.Code == "" {
				t.Errorf("lisi's old 转给同事 worked again: %q", res.Replies[0].Text)
			}
		})
	}
}

// Issue 13: 转派 — only the owner, only a lead given to them by assignment;
// the team's strategy picks the next rep, who gets the lead card.
func TestReassign(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			b := handlertest.New(t, be, assignTestPolicy())
			r := addLead(t, b, "13900000001", "刘先生", "杭州")
			if leadRep(r) != "zhangsan" {
				t.Fatalf("the first 杭州 lead went to %q, want zhangsan", leadRep(r))
			}
			n := r.Customer.ID
			cmd := fmt.Sprintf("转派 #%d", n)
			if got := b.Texts(t, "zhangsan", fmt.Sprintf("系统分配给你一个新线索 #%d", n)); len(got) != 1 {
				t.Fatalf("zhangsan's lead notices = %q", got)
			}

			b.Want("zhangsan", fmt.Sprintf("等级 #%d A", n), "") // grades, visits and locks write audit rows; 转派 still works
			b.Want("wangjl", fmt.Sprintf("锁定 #%d", n), "")
			b.Want("wangjl", fmt.Sprintf("解锁 #%d", n), "")
			b.Want("lisi", cmd, baobei.EFORBIDDEN)   // not hers
			b.Want("wangjl", cmd, baobei.EFORBIDDEN) // not even the manager's: he 转移s
			if got := ownerID(t, b, n); got != b.Zhangsan.ID {
				t.Fatalf("a refused 转派 moved #%d to %d", n, got)
			}

			wantSay(t, b, "zhangsan", cmd, "", fmt.Sprintf("已把 #%d 刘先生 转派给 李四", n), "已通知 李四")
			if got := ownerID(t, b, n); got != b.Lisi.ID {
				t.Fatalf("#%d owner after 转派 = %d, want lisi", n, got)
			}
			if got := b.Texts(t, "lisi", fmt.Sprintf("张三分配给你一个新线索 #%d", n)); len(got) != 1 {
				t.Errorf("lisi's lead notices = %q\n%s", got, b.Outbox("lisi"))
			}
			leadCard(t, b, "lisi", fmt.Sprintf("新线索 #%d", n))
			if lines := chatLines(t, b, "sales1", "已分配给 李四"); len(lines) != 1 {
				t.Errorf("sales1's lines = %q", lines)
			}
			b.Want("zhangsan", cmd, baobei.EFORBIDDEN) // gone from him

			// 转派 never picks the one handing it on: with 赵五 away, lisi's
			// 转派 goes back to zhangsan, not to herself.
			b.Want("zhaowu", "请假 2天", "")
			wantSay(t, b, "lisi", cmd, "", "转派给 张三")

			// A customer the rep reported himself is not his to hand on.
			m := regexp.MustCompile(`报备成功：#(\d+)`).FindStringSubmatch(wantSay(t, b, "zhangsan", "报备 13800000009 自己报的", "", "报备成功"))
			if m == nil {
				t.Fatal("报备 did not say the customer's number")
			}
			mine, _ := strconv.ParseInt(m[1], 10, 64)
			own := fmt.Sprintf("转派 #%d", mine)
			wantSay(t, b, "zhangsan", own, baobei.EINVALID, "只有系统分配给你的线索可以转派")
			if got := ownerID(t, b, mine); got != b.Zhangsan.ID {
				t.Errorf("a refused 转派 moved the reported customer to %d", got)
			}
		})
	}
}

// Issue 13: 请假 / 销假 — a rep away gets no new leads; managers set their
// team's leave; days are 1 to 90.
func TestAway(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			b := handlertest.New(t, be, assignTestPolicy()) // T0 is Monday 2026-11-23 10:00
			// 3 days from today: Mon, Tue, Wed.
			wantSay(t, b, "lisi", "请假 3天", "", "李四 请假到 11月25日（含）", "「销假」")
			wantSay(t, b, "lisi", "请假 三天", "", "李四 请假到 11月25日")

			var got []string
			for i, phone := range []string{"13900000001", "13900000002", "13900000003"} {
				got = append(got, leadRep(addLead(t, b, phone, fmt.Sprintf("线索%d", i), "杭州")))
			}
			if !slices.Equal(got, []string{"zhangsan", "zhaowu", "zhangsan"}) {
				t.Errorf("leads while lisi is away went to %q, want zhangsan zhaowu zhangsan", got)
			}
			pool := poolLead(t, b, "13900000009", "公海客户")
			wantSay(t, b, "wangjl", fmt.Sprintf("分配 #%d @李四", pool.ID), baobei.EINVALID, "请假到 11月25日")

			b.Want("zhaowu", "请假 @张三 3天", baobei.EFORBIDDEN) // a rep for a colleague
			b.Want("chenjl", "请假 @张三 3天", baobei.EFORBIDDEN) // another team's manager
			if r := addLead(t, b, "13900000004", "线索4", "杭州"); leadRep(r) != "zhaowu" {
				t.Fatalf("after refused 请假 @张三 the lead went to %q, want zhaowu", leadRep(r))
			}
			wantSay(t, b, "wangjl", "请假 @张三 3天", "", "张三 请假到 11月25日", "「销假 @张三」")
			if r := addLead(t, b, "13900000005", "线索5", "杭州"); leadRep(r) != "zhaowu" {
				t.Errorf("with zhangsan and lisi away the lead went to %q, want zhaowu", leadRep(r))
			}

			b.Want("zhaowu", "请假", baobei.EINVALID)
			b.Want("zhaowu", "请假 100天", baobei.EINVALID)
			b.Want("zhaowu", "请假 0天", baobei.EINVALID)
			b.Want("zhaowu", "请假 3天 5天", baobei.EINVALID)
			b.Want("zhaowu", "销假 3天", baobei.EINVALID)
			wantSay(t, b, "zhaowu", "请假 90天", "", "赵五 请假到 2月20日")
			wantSay(t, b, "zhaowu", "销假", "", "赵五 已销假") // at once: not the router's cached actor
			wantSay(t, b, "zhaowu", "请假 90天", "", "赵五 请假到 2月20日")
			wantSay(t, b, "wangjl", "销假 @赵五", "", "赵五 已销假")

			wantSay(t, b, "zhaowu", "销假", "", "赵五 没有在请假")
			b.Want("zhaowu", "销假 @张三", baobei.EFORBIDDEN)
			wantSay(t, b, "wangjl", "销假 @张三", "", "张三 已销假，恢复分配新线索")
			wantSay(t, b, "wangjl", "销假 @张三", "", "张三 没有在请假")
			// Round robin after 赵五 wraps to 张三 (李四 still away).
			if r := addLead(t, b, "13900000006", "线索6", "杭州"); leadRep(r) != "zhangsan" {
				t.Errorf("after 销假 @张三 the lead went to %q, want zhangsan", leadRep(r))
			}

			// Leave ends by itself on its last day's midnight.
			b.Clock.T = storetest.T0.Add(62 * time.Hour) // Thu 00:00
			wantSay(t, b, "wangjl", "销假 @李四", "", "李四 没有在请假")
			for i, want := range []string{"lisi", "zhaowu", "zhangsan", "lisi"} {
				if r := addLead(t, b, fmt.Sprintf("1390000001%d", i), "线索", "杭州"); leadRep(r) != want {
					t.Errorf("Thursday's lead %d went to %q, want %s", i, leadRep(r), want)
				}
			}
		})
	}
}
