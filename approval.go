package baobei

import (
	"slices"
	"time"
)

// ApprovalKind is what is asked for.
type ApprovalKind string

const (
	ApproveReport   ApprovalKind = "report"   // a key customer: owned only once approved
	ApproveExtend   ApprovalKind = "extend"   // protection moved by Days
	ApproveTransfer ApprovalKind = "transfer" // a rep gives a customer to TargetID
)

// Approval states.
const (
	ApprovalPending   = "pending"
	ApprovalApproved  = "approved"
	ApprovalRejected  = "rejected"
	ApprovalCancelled = "cancelled" // the request no longer applies (the customer changed hands)
	ApprovalExpired   = "expired"
)

// Approval is one request and its decision.
type Approval struct {
	ID          int64        `db:"id"`
	Kind        ApprovalKind `db:"kind"`
	CustomerID  int64        `db:"customer_id"`
	RequesterID int64        `db:"requester_id"`
	Status      string       `db:"status"`
	Reason      string       `db:"reason"`
	Days        int          `db:"days"`
	TargetID    *int64       `db:"target_id"`
	DecidedBy   *int64       `db:"decided_by"`
	DecidedAt   *time.Time   `db:"decided_at"`
	Note        string       `db:"note"` // the approver's reason for 驳回
	CreatedAt   time.Time    `db:"created_at"`

	// Joined for replies and cards.
	RequesterName string `db:"requester_name"`
	RequesterUID  string `db:"requester_uid"`
	RequesterTeam *int64 `db:"requester_team_id"`
	DeciderName   string `db:"decider_name"`
	TargetName    string `db:"target_name"`
	CustomerName  string `db:"customer_name"`
}

// ApprovalPolicy says which reports need a manager's approval, and bounds
// extensions.
type ApprovalPolicy struct {
	Sources       []string `yaml:"sources"`         // e.g. 大客户, 渠道
	Company       bool     `yaml:"company"`         // a company is given
	Grades        []string `yaml:"grades"`          // e.g. A
	Teams         []string `yaml:"teams"`           // every report of these teams (by name)
	MaxExtendDays int      `yaml:"max_extend_days"` // per request
	MaxExtensions int      `yaml:"max_extensions"`  // approved, per customer
	ExpireDays    int      `yaml:"expire_days"`     // a request nobody decided for this long expires
}

// NeedsApproval decides whether a report by a member of team waits for a manager.
func (p ApprovalPolicy) NeedsApproval(d CustomerDraft, team string) bool {
	return (p.Company && d.Company != "") || slices.Contains(p.Grades, d.Grade) && d.Grade != "" ||
		slices.Contains(p.Sources, d.Source) && d.Source != "" || slices.Contains(p.Teams, team) && team != ""
}

// Label names an approval kind in Chinese.
func (k ApprovalKind) Label() string {
	switch k {
	case ApproveExtend:
		return "延期"
	case ApproveTransfer:
		return "转移"
	}
	return "报备"
}

// StatusLabel names the state in Chinese.
func (a *Approval) StatusLabel() string {
	switch a.Status {
	case ApprovalApproved:
		return "已同意"
	case ApprovalRejected:
		return "已驳回"
	case ApprovalCancelled:
		return "已作废"
	case ApprovalExpired:
		return "已过期"
	}
	return "待审批"
}

// MayDecide reports whether u may decide a request of someone in
// requesterTeam: a manager of that team, or an admin. Nobody decides their
// own request (CheckDecide).
func (u *User) MayDecide(requesterTeam *int64) bool {
	return u.Role == RoleAdmin || (u.Role == RoleManager && u.SameTeam(requesterTeam))
}

// CheckDecide decides whether actor may decide a now.
func CheckDecide(a *Approval, actor *User, p Policy) *Error {
	if a.Status != ApprovalPending {
		who := a.DeciderName
		if who == "" {
			who = "系统"
		}
		if a.DecidedAt != nil {
			who += " " + p.DateTime(*a.DecidedAt)
		}
		return Errorf(ECONFLICT, "A%d 的结果：%s（%s），无需再处理。发「审批」查看其他待审批。", a.ID, a.StatusLabel(), who)
	}
	if actor.ID == a.RequesterID {
		return Errorf(EFORBIDDEN, "A%d 是你自己的申请，不能自己审批；它已发给其他审批人。发「我的申请」查看进度。", a.ID)
	}
	if !actor.MayDecide(a.RequesterTeam) {
		return Errorf(EFORBIDDEN, "你不是该审批的审批人。A%d 由 %s 所在团队的经理或管理员审批。", a.ID, a.RequesterName)
	}
	return nil
}

// CheckExtend decides whether actor may ask to extend c by days, given how
// many extensions were approved or are pending.
func CheckExtend(c *Customer, actor *User, days, approved, pending int, now time.Time, p Policy) *Error {
	if owner, owned := c.Owner(now); !owned || owner != actor.ID || c.Status != StatusOwned {
		return Errorf(EFORBIDDEN, "只有客户的负责人能申请延期，且客户需在保护期内（#%d %s）。", c.ID, c.Name)
	}
	if days > p.Approval.MaxExtendDays {
		return Errorf(EINVALID, "每次最多延期 %d 天。例如：延期 #%d %d天 原因:等装修完工", p.Approval.MaxExtendDays, c.ID, p.Approval.MaxExtendDays)
	}
	if pending > 0 {
		return Errorf(ECONFLICT, "#%d 已有一条延期申请在等待审批。发「我的申请」查看进度。", c.ID)
	}
	if approved >= p.Approval.MaxExtensions {
		return Errorf(ELIMIT, "#%d 已延期 %d 次，达到上限。请抓紧推进成交，或请经理协调。", c.ID, approved)
	}
	return nil
}

// CheckApprovers refuses a request nobody but its requester could decide:
// approvers never include the requester, and nothing is approved by default.
func CheckApprovers(approvers []User) *Error {
	if len(approvers) > 0 {
		return nil
	}
	return Errorf(EINVALID, "没有其他人能审批这条申请：自己的申请不能自己审批，你的团队没有其他经理，也没有其他管理员。请在组织配置（org）里再加一位经理或管理员后重试。")
}

// CheckTransferRequest decides whether requester may ask to give c to `to`:
// requester owns c, and at least one of the approvers could make the
// transfer (CheckTransfer), which is checked again when one approves.
func CheckTransferRequest(c *Customer, requester, to *User, approvers []User, now time.Time) *Error {
	if owner, owned := c.Owner(now); !owned || owner != requester.ID {
		return Errorf(EFORBIDDEN, "只有客户的负责人能申请转移 #%d。如需接手请找你的经理。", c.ID)
	}
	if to.ID == requester.ID {
		return Errorf(EINVALID, "请转给另一位在职同事，例如：转移 #%d @李四 原因:…", c.ID)
	}
	var first *Error
	for i := range approvers {
		err := CheckTransfer(c, &approvers[i], to, now)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		return CheckApprovers(approvers)
	}
	return first
}
