package bot

import (
	"testing"
	"time"

	"baobei"
)

func TestParseApprovalCommands(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, loc)
	ok := []struct {
		text, name string
		want       map[string]string
	}{
		{"延期 13800138000 15天 原因:等装修完工", CmdExtend, map[string]string{"phone": "13800138000", "ref": "13800138000", "days": "15", "reason": "等装修完工"}},
		{"延期 #3 15", CmdExtend, map[string]string{"number": "3", "ref": "#3", "days": "15"}},
		{"同意 A12", CmdApprove, map[string]string{"number": "12", "ref": "A12"}},
		{"驳回 a12 信息不全", CmdReject, map[string]string{"number": "12", "ref": "a12", "reason": "信息不全"}},
		{"驳回 #12 原因:重复报备", CmdReject, map[string]string{"number": "12", "ref": "#12", "reason": "重复报备"}},
		{"审批", CmdApprovals, map[string]string{}},
		{"我的申请", CmdRequests, map[string]string{}},
	}
	for _, tc := range ok {
		c, err := Parse(tc.text, now, loc, baobei.DefaultPolicy())
		if err != nil || c.Name != tc.name || !equal(c.Fields(loc), tc.want) {
			t.Errorf("Parse(%q) = %+v %v, want %s %v", tc.text, c, err, tc.name, tc.want)
		}
	}
	for _, bad := range []string{"延期 #3", "延期 #3 400天", "延期 #3 0天", "同意", "同意 abc", "驳回 A0"} {
		if _, err := Parse(bad, now, loc, baobei.DefaultPolicy()); baobei.ErrorCode(err) != baobei.EINVALID {
			t.Errorf("Parse(%q) err = %v, want EINVALID", bad, err)
		}
	}
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
