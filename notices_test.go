package baobei

import (
	"strings"
	"testing"
	"time"
)

// Issue 12 item 11: every decision a requester hears of names one next step.
func TestNoticeDecisionNamesNextStep(t *testing.T) {
	p := DefaultPolicy()
	until := time.Date(2026, 12, 23, 2, 0, 0, 0, time.UTC)
	c := &Customer{ID: 3, Name: "张先生", ProtectedUntil: &until}
	tests := []struct {
		kind   ApprovalKind
		status string
		note   string
		want   string
	}{
		{ApproveReport, ApprovalRejected, "与#4重复", "原因：与#4重复。报备已作废。有疑问请联系 王经理；信息补全后可重新「报备」。"},
		{ApproveExtend, ApprovalRejected, "", "保护期不变，请抓紧跟进：跟进 #3 内容"},
		{ApproveTransfer, ApprovalRejected, "先跟完", "原因：先跟完。客户仍在你名下，发「跟进 #3 内容」继续跟进。"},
		{ApproveTransfer, ApprovalCancelled, "", "客户已不在你名下，申请作废。发「查询 #3」查看现在的归属。"},
		{ApproveTransfer, ApprovalApproved, "", "客户已转给 李四。发「我的客户」查看你名下的客户。"},
		{ApproveExtend, ApprovalApproved, "", "保护期至 12月23日 10:00。发「跟进 #3 内容」继续跟进。"},
		{ApproveReport, ApprovalExpired, "", "请先联系经理，再重新提交。"},
	}
	for _, tc := range tests {
		a := &Approval{ID: 7, Kind: tc.kind, Status: tc.status, Note: tc.note, RequesterUID: "zhangsan", DeciderName: "王经理", TargetName: "李四"}
		n := NoticeDecision(a, c, p)
		if n.ToUser != "zhangsan" || !strings.Contains(n.Text, tc.want) {
			t.Errorf("%s %s: %q lacks %q", tc.kind, tc.status, n.Text, tc.want)
		}
	}
}
