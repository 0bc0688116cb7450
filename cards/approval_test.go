package cards

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"

	"baobei"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestApprovalCardsGolden(t *testing.T) {
	p := baobei.DefaultPolicy()
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	until := now.Add(30 * 24 * time.Hour)
	s, _ := NewSigner(bytes.Repeat([]byte("k"), 32))
	c := &baobei.Customer{ID: 5, Name: "王总", Phone: "13800138000", Company: "某某集团", Source: "展会", Demand: "整装", Grade: "A", ProtectedUntil: &until}
	lisi := int64(3)
	decided := now.Add(time.Hour)
	cases := map[string]*baobei.Approval{
		"report":   {ID: 12, Kind: baobei.ApproveReport, Status: baobei.ApprovalPending, RequesterName: "张三"},
		"extend":   {ID: 13, Kind: baobei.ApproveExtend, Status: baobei.ApprovalPending, RequesterName: "张三", Days: 15, Reason: "等装修完工"},
		"transfer": {ID: 14, Kind: baobei.ApproveTransfer, Status: baobei.ApprovalPending, RequesterName: "张三", TargetID: &lisi, TargetName: "李四", Reason: "休假"},
		"rejected": {ID: 15, Kind: baobei.ApproveReport, Status: baobei.ApprovalRejected, RequesterName: "张三", DeciderName: "王经理", DecidedAt: &decided, Note: "已是老客户"},
	}
	for name, a := range cases {
		got, err := json.MarshalIndent(Approval(a, c, s, p, now), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		path := "testdata/approval_" + name + ".json"
		if *update {
			os.WriteFile(path, got, 0o644)
		}
		if want, err := os.ReadFile(path); err != nil || !bytes.Equal(want, got) {
			t.Errorf("%s differs from %s (check, then run with -update):\n%s", name, path, got)
		}
	}
	// The buttons decide this approval and no other, and cannot be forged.
	card := Approval(cases["report"], c, s, p, now)
	if a, err := s.Verify(card.Buttons[0].Action, "anyone", now); err != nil || a.Command != "同意 A12" {
		t.Fatalf("approve button = %+v %v", a, err)
	}
	want := []string{"同意 A12", "驳回 A12 原因:重复报备", "驳回 A12 原因:信息不全", "驳回 A12 原因:不符合政策", "驳回 A12"}
	if len(card.Buttons) != len(want) {
		t.Fatalf("buttons = %+v", card.Buttons)
	}
	for i, b := range card.Buttons {
		if a, err := s.Verify(b.Action, "anyone", now); err != nil || a.Command != want[i] {
			t.Fatalf("button %q = %+v %v, want %q", b.Label, a, err, want[i])
		}
	}
	if card.Buttons[1].Label != "驳回：重复报备" || card.Buttons[4].Label != "驳回：其他…" {
		t.Fatalf("labels = %+v", card.Buttons)
	}
}
