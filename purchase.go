package baobei

import (
	"fmt"
	"time"
)

// Purchase is one purchase of a won customer: the first (成交) or a repeat
// one (复购).
type Purchase struct {
	ID          int64     `db:"id"`
	CustomerID  int64     `db:"customer_id"`
	AmountCents int64     `db:"amount_cents"`
	Items       string    `db:"items"`
	BoughtAt    time.Time `db:"bought_at"`
	RecordedBy  int64     `db:"recorded_by"`
}

// PurchaseDraft is a purchase to record: amount, items and when (nil: now).
type PurchaseDraft struct {
	Cents int64
	Items string
	At    *time.Time
}

// Purchases sums a customer's purchases: how many, the total, the last.
type Purchases struct {
	Count      int
	TotalCents int64
	Last       *Purchase
}

// Text is the purchases line of 查询: 购买 2 次 · 合计 ¥15800 · 最近 11月25日 ¥3000（沙发）.
func (ps Purchases) Text(p Policy) string {
	if ps.Count == 0 || ps.Last == nil {
		return ""
	}
	items := ""
	if ps.Last.Items != "" {
		items = "（" + ps.Last.Items + "）"
	}
	return fmt.Sprintf("购买 %d 次 · 合计 ¥%s · 最近 %s ¥%s%s", ps.Count, FormatCents(ps.TotalCents), p.Date(ps.Last.BoughtAt),
		FormatCents(ps.Last.AmountCents), items)
}

// CheckRepurchase decides whether actor may record a repeat purchase (复购)
// of c: a won customer, by its owner, a manager of the owner's team or an
// admin.
func CheckRepurchase(c *Customer, actor *User, cents int64) *Error {
	switch {
	case c.OwnerID != nil && *c.OwnerID != actor.ID && !actor.CanManage(c.OwnerTeam): // first: a stranger learns nothing of c
		return Errorf(EFORBIDDEN, "#%d 是 %s 的客户，只有负责人、其团队经理或管理员可以登记复购。", c.ID, ownerLabel(c))
	case c.Status != StatusWon:
		return Errorf(EINVALID, "#%d %s 还没有成交：第一次购买请发「成交 #%d 金额:12800」。", c.ID, c.Name, c.ID)
	case cents <= 0:
		return Errorf(EINVALID, "请写复购金额，例如：复购 #%d 金额:3000 商品:靠垫", c.ID)
	}
	return nil
}
