package baobei

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func TestNormalizePhone(t *testing.T) {
	ok := map[string]string{
		"13800138000":       "13800138000",
		"138 0013 8000":     "13800138000",
		"138-0013-8000":     "13800138000",
		"+86 138 0013 8000": "13800138000",
		"+8613800138000":    "13800138000",
		"008613800138000":   "13800138000",
		"8613800138000":     "13800138000",
		"(+86)13800138000":  "13800138000",
		"１３８００１３８０００":       "13800138000",
		"19912345678":       "19912345678",
	}
	for in, want := range ok {
		if got, err := NormalizePhone(in); err != nil || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1380013800", "138001380001", "1380013800a", "23800138000", "12800138000", "abc", "+1 13800138000"} {
		if _, err := NormalizePhone(in); ErrorCode(err) != EINVALID {
			t.Errorf("NormalizePhone(%q) err = %v, want EINVALID", in, err)
		}
	}
}

func TestNormalizeCompanyAndWechat(t *testing.T) {
	sfx := DefaultPolicy().CompanySuffixes
	same := []string{"杭州某某家居有限公司", "杭州某某家居", " 杭州某某家居股份有限公司 ", "杭州某某家居有限责任公司", "杭州某某 家居公司", "某某家居"}
	for _, in := range same {
		if got := NormalizeCompany(in, sfx); got != "某某家居" {
			t.Errorf("NormalizeCompany(%q) = %q", in, got)
		}
	}
	if got := NormalizeCompany("ＡＢＣ Trading 有限公司", sfx); got != "abctrading" {
		t.Errorf("full-width and case: %q", got)
	}
	if got := NormalizeCompany("公司", sfx); got != "公司" {
		t.Errorf("a bare suffix must stay: %q", got)
	}
	if got := NormalizeWechat(" ZhangWX "); got != "zhangwx" {
		t.Errorf("NormalizeWechat = %q", got)
	}
}

func TestMaskPhone(t *testing.T) {
	if got := MaskPhone("13800138000"); got != "138****8000" {
		t.Fatal(got)
	}
	if got := MaskPhone("123"); got != "****" {
		t.Fatal(got)
	}
}

func TestOwnerAndFormerOwner(t *testing.T) {
	until := t0.Add(30 * 24 * time.Hour)
	owned := Customer{Status: StatusOwned, OwnerID: ptr(int64(7)), ProtectedUntil: &until}
	if id, ok := owned.Owner(t0); !ok || id != 7 {
		t.Fatal("owned before expiry")
	}
	if _, ok := owned.Owner(until); ok {
		t.Fatal("protection ends at protected_until")
	}
	if id, since, ok := owned.FormerOwner(until.Add(time.Hour)); !ok || id != 7 || !since.Equal(until) {
		t.Fatal("expired owner is the former owner since the end of protection")
	}
	won := Customer{Status: StatusWon, OwnerID: ptr(int64(7)), ProtectedUntil: &until}
	if _, ok := won.Owner(until.Add(365 * 24 * time.Hour)); !ok {
		t.Fatal("won customers never expire")
	}
	released := Customer{Status: StatusPool, PrevOwnerID: ptr(int64(7)), ReleasedAt: &t0}
	if id, _, ok := released.FormerOwner(t0); !ok || id != 7 || !released.InPool(t0) {
		t.Fatal("released customer")
	}
}

func TestCheckClaim(t *testing.T) {
	p := DefaultPolicy()
	me := &User{ID: 1, Role: RoleRep}
	ended := t0.Add(-time.Hour)
	pool := &Customer{ID: 3, Status: StatusPool}
	expiredMine := &Customer{ID: 3, Status: StatusOwned, OwnerID: ptr(int64(1)), ProtectedUntil: &ended}
	expiredOther := &Customer{ID: 3, Status: StatusOwned, OwnerID: ptr(int64(2)), ProtectedUntil: &ended}
	live := t0.Add(time.Hour)
	ownedOther := &Customer{ID: 3, Status: StatusOwned, OwnerID: ptr(int64(2)), ProtectedUntil: &live, OwnerName: "李四"}
	lostTwoDaysAgo := t0.Add(-48 * time.Hour)
	cases := []struct {
		name        string
		c           *Customer
		held, today int
		lostAt      time.Time
		now         time.Time
		want        string
	}{
		{"pool", pool, 0, 0, time.Time{}, t0, ""},
		{"expired other", expiredOther, 0, 0, time.Time{}, t0, ""},
		{"owned by other", ownedOther, 0, 0, time.Time{}, t0, ECONFLICT},
		{"former owner in cooldown", expiredMine, 0, 0, time.Time{}, t0, ELIMIT},
		{"former owner after cooldown", expiredMine, 0, 0, time.Time{}, ended.Add(7 * 24 * time.Hour), ""},
		{"earlier owner in cooldown", pool, 0, 0, lostTwoDaysAgo, t0, ELIMIT},
		{"earlier owner after cooldown", pool, 0, 0, lostTwoDaysAgo, lostTwoDaysAgo.Add(7 * 24 * time.Hour), ""},
		{"held limit", pool, 100, 0, time.Time{}, t0, ELIMIT},
		{"daily limit", pool, 0, 10, time.Time{}, t0, ELIMIT},
		{"below limits", pool, 99, 9, time.Time{}, t0, ""},
	}
	for _, tc := range cases {
		err := CheckClaim(tc.c, Taker{User: me, Held: tc.held, ClaimedToday: tc.today, LostAt: tc.lostAt}, tc.now, p)
		if got := codeOf(err); got != tc.want {
			t.Errorf("%s: code %q (%v), want %q", tc.name, got, err, tc.want)
		}
	}
}

func codeOf(e *Error) string {
	if e == nil {
		return ""
	}
	return e.Code
}

func TestCheckStageAndWork(t *testing.T) {
	p := DefaultPolicy()
	until := t0.Add(time.Hour)
	team, other := ptr(int64(1)), ptr(int64(2))
	c := &Customer{ID: 3, Stage: StageNeeds, Status: StatusOwned, OwnerID: ptr(int64(5)), ProtectedUntil: &until, OwnerTeam: team}
	stages := []struct {
		to     Stage
		amount *int64
		reason string
		want   string
	}{
		{"", nil, "", ""},
		{StageContacted, nil, "", EINVALID}, // back, without 阶段:
		{StageSigning, nil, "", ""},
		{StageQuoted, nil, "", EINVALID},
		{StageQuoted, ptr(int64(100)), "", ""},
		{StageWon, nil, "", EINVALID},
		{StageWon, ptr(int64(100)), "", ""},
		{StageLost, nil, "", EINVALID},
		{StageLost, nil, "预算不足", ""},
	}
	for _, s := range stages {
		if got := codeOf(CheckStage(c, FollowUpDraft{Stage: s.to, AmountCents: s.amount, Reason: s.reason})); got != s.want {
			t.Errorf("stage %q: %q, want %q", s.to, got, s.want)
		}
	}
	won := &Customer{ID: 4, Stage: StageWon}
	if codeOf(CheckStage(won, FollowUpDraft{Stage: StageContacted})) != EINVALID {
		t.Error("a won customer's stage is final")
	}
	actors := []struct {
		u    *User
		want string
	}{
		{&User{ID: 5, Role: RoleRep}, ""},
		{&User{ID: 6, Role: RoleRep, TeamID: team}, EFORBIDDEN},
		{&User{ID: 7, Role: RoleManager, TeamID: team}, ""},
		{&User{ID: 8, Role: RoleManager, TeamID: other}, EFORBIDDEN},
		{&User{ID: 9, Role: RoleAdmin}, ""},
	}
	for _, a := range actors {
		if got := codeOf(CheckWork(c, a.u, t0, p)); got != a.want {
			t.Errorf("actor %d: %q, want %q", a.u.ID, got, a.want)
		}
	}
	if codeOf(CheckWork(c, &User{ID: 5}, until, p)) != EFORBIDDEN {
		t.Error("an expired customer cannot be worked before it is claimed")
	}
}

func TestCanSeeFull(t *testing.T) {
	team := ptr(int64(1))
	if !(&User{ID: 5}).CanSeeFull(5, team) || (&User{ID: 6, TeamID: team}).CanSeeFull(5, team) {
		t.Error("reps see only their own")
	}
	if !(&User{ID: 7, Role: RoleManager, TeamID: team}).CanSeeFull(5, team) || (&User{ID: 8, Role: RoleManager, TeamID: ptr(int64(2))}).CanSeeFull(5, team) {
		t.Error("managers see their team")
	}
	if !(&User{ID: 9, Role: RoleAdmin}).CanSeeFull(5, team) {
		t.Error("admins see all")
	}
}

// Issue 12 item 7: a stage goes back in the funnel only with an explicit 阶段:.
func TestCheckStageBack(t *testing.T) {
	quoted := &Customer{ID: 3, Stage: StageQuoted, AmountCents: 100}
	if err := CheckStage(quoted, FollowUpDraft{Stage: StageNew}); codeOf(err) != EINVALID || !strings.Contains(err.Message, "阶段:新线索") {
		t.Fatalf("back without 阶段: = %v", err)
	}
	for _, f := range []FollowUpDraft{{Stage: StageNew, StageExplicit: true}, {Stage: StageSigning}, {Stage: StageLost, Reason: "预算"}} {
		if err := CheckStage(quoted, f); err != nil {
			t.Errorf("%+v: %v", f, err)
		}
	}
	if !StageQuoted.After(StageNew) || StageNew.After(StageQuoted) || StageLost.After(StageNew) || StageQuoted.After(StageLost) {
		t.Error("funnel order")
	}
}

// Issue 12 item 3: at max_held nothing new is taken; the refusal says how
// many are held and how to free room.
func TestCheckHeld(t *testing.T) {
	p := DefaultPolicy()
	p.MaxHeld = 5
	if CheckHeld(4, p) != nil {
		t.Fatal("below the cap")
	}
	err := CheckHeld(6, p)
	if codeOf(err) != ELIMIT || !strings.Contains(err.Message, "已有 6 个") || !strings.Contains(err.Message, "释放 #编号") {
		t.Fatalf("over the cap: %v", err)
	}
	if OverCap("李四", 4, p) != "" || !strings.Contains(OverCap("李四", 6, p), "超过上限 5") || !strings.Contains(OverCap("李四", 5, p), "已达上限") {
		t.Fatal("OverCap")
	}
}

// Issue 12 item 4: an approved 延期 suspends the idle rule until the new end.
func TestReleaseAtExtended(t *testing.T) {
	p := DefaultPolicy()
	until := t0.Add(40 * 24 * time.Hour)
	c := &Customer{Status: StatusOwned, ReportedAt: t0, ProtectedUntil: &until}
	if at, why := p.ReleaseAt(c); why != ReleaseNoFollow || !at.Equal(t0.Add(15*24*time.Hour)) {
		t.Fatalf("not extended: %v %s", at, why)
	}
	c.ExtendedUntil = &until
	if at, why := p.ReleaseAt(c); why != ReleaseExpired || !at.Equal(until) {
		t.Fatalf("extended: %v %s", at, why)
	}
	later := until.Add(24 * time.Hour)
	c.ProtectedUntil = &later // a new protection (claimed, transferred): the idle rule is back
	if _, why := p.ReleaseAt(c); why != ReleaseNoFollow {
		t.Fatalf("after a new protection: %s", why)
	}
}

// Issue 12 item 4: the warning for an idle release suggests a follow-up,
// and 延期 only for customers that can still be extended.
func TestNoticeExpiringSuggests(t *testing.T) {
	p := DefaultPolicy()
	until := t0.Add(30 * 24 * time.Hour)
	c := Customer{ID: 3, Name: "张先生", Stage: StageNew, Status: StatusOwned, ReportedAt: t0, ProtectedUntil: &until, OwnerUID: "zhangsan"}
	now := t0.Add(13 * 24 * time.Hour)
	n := NoticeExpiring([]Customer{c}, now, map[int64]bool{}, p)
	if strings.Contains(n.Text, "延期") || !strings.Contains(n.Text, "跟进 #编号") {
		t.Fatalf("no extensions left: %s", n.Text)
	}
	n = NoticeExpiring([]Customer{c}, now, map[int64]bool{3: true}, p)
	if !strings.Contains(n.Text, "延期 #3") {
		t.Fatalf("extensions left: %s", n.Text)
	}
}
