package baobei

import (
	"fmt"
	"strings"
	"time"
)

// checkSettled refuses customers whose report is waiting for approval or
// was rejected: nobody can take or work them. A pending report names the
// next step of actor: its requester follows it, an approver decides it.
func checkSettled(c *Customer, actor *User) *Error {
	switch c.Status {
	case StatusPending:
		return Errorf(ECONFLICT, "#%d %s 正在等待经理审批（%s 报备）。%s", c.ID, c.Name, ownerLabel(c), PendingStep(c, actor))
	case StatusRejected:
		return Errorf(ENOTFOUND, "#%d 的报备未通过审批，已作废。如是新客户请重新「报备」。", c.ID)
	}
	return nil
}

// PendingStep is what actor may do about c's pending report.
func PendingStep(c *Customer, actor *User) string {
	switch {
	case c.OwnerID != nil && *c.OwnerID == actor.ID:
		return "审批通过前客户为你保留；发「我的申请」查看进度。"
	case actor.MayDecide(c.OwnerTeam):
		return "你可以审批这条报备：发「审批」查看编号，回复「同意 A编号」或「驳回 A编号 原因:…」。"
	}
	return fmt.Sprintf("审批通过前其他人不能报备或领取；如需合作请联系 %s 或你的经理。", ownerLabel(c))
}

// ownerLabel names the holder of a customer in a refusal.
func ownerLabel(c *Customer) string {
	if c.OwnerName != "" {
		return c.OwnerName
	}
	return "同事"
}

// Taker is a user about to take a customer, with what the limits need:
// how many customers they hold (not 已成交; pending reports included), how
// many they claimed today, and when they last lost this customer according
// to the ownership history (zero: never).
type Taker struct {
	*User
	Held, ClaimedToday int
	LostAt             time.Time
}

// CheckReport decides whether actor may take existing, a customer that
// shares a dedup key with the report. nil means: take it over. Taking a
// customer whose protection ended is a claim: the same limits apply.
func CheckReport(existing *Customer, key Key, actor Taker, now time.Time, p Policy) *Error {
	if err := checkSettled(existing, actor.User); err != nil {
		return err
	}
	if owner, owned := existing.Owner(now); owned {
		if owner == actor.ID {
			return Errorf(ECONFLICT, "你已报备过该客户（#%d %s），%s。直接发「跟进 #%d 内容」记录跟进。",
				existing.ID, existing.Name, ProtectionText(existing, p), existing.ID)
		}
		return Errorf(ECONFLICT, "%s已被 %s 报备（#%d），%s。已通知%s；如需合作请联系他或你的经理。",
			KeyLabel(key.Kind), ownerLabel(existing), existing.ID, ProtectionText(existing, p), ownerLabel(existing))
	}
	return CheckClaim(existing, actor, now, p)
}

// ProtectionText says until when c is protected, or that it is won for good.
func ProtectionText(c *Customer, p Policy) string {
	if c.Status == StatusWon {
		return string(StageWon) + "，长期归属"
	}
	return "保护期至 " + p.DateTime(*c.ProtectedUntil)
}

// checkCooldown refuses a customer to whoever lost it (its protection
// ended, it was released, lost or moved away) within the cooldown, counted
// from their own loss: actor.LostAt, or the end of a protection that no job
// has released yet.
func checkCooldown(c *Customer, actor Taker, now time.Time, p Policy) *Error {
	since, ok := cooldownSince(c, actor, now, p)
	if !ok {
		return nil
	}
	return Errorf(ELIMIT, "#%d %s 于 %s 离开你的名下，%d 天内不能重新领取或报备，%s 后可再领取。先跟进其他客户吧。",
		c.ID, c.Name, p.Date(since), p.ReclaimCooldown, p.DateTime(since.Add(p.Cooldown())))
}

// cooldownSince is when actor last lost c, if that was within the cooldown.
func cooldownSince(c *Customer, actor Taker, now time.Time, p Policy) (time.Time, bool) {
	since := actor.LostAt
	if former, at, ok := c.FormerOwner(now); ok && former == actor.ID && at.After(since) {
		since = at
	}
	return since, !since.IsZero() && now.Before(since.Add(p.Cooldown()))
}

// CooldownEnd is when actor may take c again after losing it, or false when
// no cooldown holds them back now.
func CooldownEnd(c *Customer, actor Taker, now time.Time, p Policy) (time.Time, bool) {
	since, ok := cooldownSince(c, actor, now, p)
	return since.Add(p.Cooldown()), ok
}

// ClaimStep is what actor may do now about c, a customer in the pool: claim
// it, or, in CheckClaim's words, why not and until when.
func ClaimStep(c *Customer, actor Taker, now time.Time, p Policy) string {
	if err := CheckClaim(c, actor, now, p); err != nil {
		return err.Message
	}
	return fmt.Sprintf("可发「领取 #%d」领取。", c.ID)
}

// CheckHeld refuses anything new to a user who holds max_held customers or
// more: they keep what they have, but take nothing new until below the cap.
func CheckHeld(held int, p Policy) *Error {
	if held < p.MaxHeld {
		return nil
	}
	return Errorf(ELIMIT, "你名下已有 %d 个未成交客户（含待审批），达到上限 %d：已有的照常保留，但不能再报备或领取新客户。"+
		"把不再跟进的客户「释放 #编号」退回公海，或推进成交（已成交不占名额）后再试；发「我的客户」查看。", held, p.MaxHeld)
}

// OverCap says that name now holds the cap or more (after a manager's
// transfer or handover, which may go past it), or "".
func OverCap(name string, held int, p Policy) string {
	switch {
	case held > p.MaxHeld:
		return fmt.Sprintf("%s名下现有 %d 个未成交客户，超过上限 %d，在释放或成交到上限以下之前不能再报备或领取新客户。", name, held, p.MaxHeld)
	case held == p.MaxHeld:
		return fmt.Sprintf("%s名下现有 %d 个未成交客户，已达上限，在释放或成交一些之前不能再报备或领取新客户。", name, held)
	}
	return ""
}

// CheckClaim decides whether actor may claim c from the pool.
func CheckClaim(c *Customer, actor Taker, now time.Time, p Policy) *Error {
	if err := checkSettled(c, actor.User); err != nil {
		return err
	}
	if owner, owned := c.Owner(now); owned {
		if owner == actor.ID {
			return Errorf(ECONFLICT, "#%d %s 已在你名下，%s。", c.ID, c.Name, ProtectionText(c, p))
		}
		return Errorf(ECONFLICT, "#%d 归 %s 所有，%s，不在公海。发「公海」查看可领取的客户。", c.ID, ownerLabel(c), ProtectionText(c, p))
	}
	if err := checkCooldown(c, actor, now, p); err != nil {
		return err
	}
	if err := CheckHeld(actor.Held, p); err != nil {
		return err
	}
	if actor.ClaimedToday >= p.MaxClaimsPerDay {
		return Errorf(ELIMIT, "你今天已领取 %d 个客户，达到每日上限。明天再来领取吧。", actor.ClaimedToday)
	}
	return nil
}

// CheckWork decides whether actor may log follow-ups on c: its owner, or a
// manager of the owner's team, or an admin.
func CheckWork(c *Customer, actor *User, now time.Time, p Policy) *Error {
	if err := checkSettled(c, actor); err != nil {
		return err
	}
	owner, owned := c.Owner(now)
	if !owned {
		return Errorf(EFORBIDDEN, "#%d %s 已不在任何人名下（在公海）。发「领取 #%d」领取后再跟进。", c.ID, c.Name, c.ID)
	}
	if owner == actor.ID || actor.CanManage(c.OwnerTeam) {
		return nil
	}
	return Errorf(EFORBIDDEN, "#%d 归 %s 所有，%s，你不能跟进。如需接手请找你的经理转移。", c.ID, ownerLabel(c), ProtectionText(c, p))
}

// CheckStage decides whether follow-up f may move c to its stage: the
// stage's required keys (policy.stages) must be there — 金额 in f or on c
// already, 原因, 下次 and 商品 in f —, and going back in the funnel needs an
// explicit 阶段: (f.StageExplicit). A won customer's stage is final.
func CheckStage(c *Customer, f FollowUpDraft) *Error {
	to := f.Stage
	if c.Stage == StageWon && (to != "" || f.AmountCents != nil) {
		return Errorf(EINVALID, "#%d %s（¥%s），阶段和金额不能再改。售后沟通直接发「跟进 #%d 内容」；金额有误请管理员发「改金额 #%d 金额:… 原因:…」更正。",
			c.ID, StageWon, FormatCents(c.AmountCents), c.ID, c.ID)
	}
	if to == "" || to == c.Stage {
		return nil
	}
	if c.Stage.After(to) && !f.StageExplicit {
		return Errorf(EINVALID, "#%d 现在是「%s」，要退回「%s」请写明 阶段:%s，例如：跟进 #%d 客户预算没批 阶段:%s",
			c.ID, c.Stage, to, to, c.ID, to)
	}
	for _, k := range to.Required() {
		if has(c, f, k) {
			continue
		}
		if to == StageLost && k == "原因" {
			return Errorf(EINVALID, "标记%s需要原因。例如：流失 #%d 原因:预算不足", StageLost, c.ID)
		}
		return Errorf(EINVALID, "进入「%s」需要%s。请加上 %s，例如：跟进 #%d 内容 阶段:%s %s", to, k, requiredExample(k), c.ID, to, requiredExample(k))
	}
	return nil
}

// has reports whether follow-up f (or c, for 金额 and a custom field)
// carries required key k.
func has(c *Customer, f FollowUpDraft, k string) bool {
	switch k {
	case "金额":
		return (f.AmountCents != nil && *f.AmountCents > 0) || c.AmountCents > 0
	case "原因":
		return f.Reason != ""
	case "下次":
		return f.NextAt != nil
	case "商品":
		return f.Items != ""
	}
	return f.Custom[k] != "" || c.Custom[k] != ""
}

// requiredExample shows how to write required key k.
func requiredExample(k string) string {
	switch k {
	case "金额":
		return "金额:12800"
	case "原因":
		return "原因:预算不足"
	case "下次":
		return "下次:周五"
	case "商品":
		return "商品:三人沙发"
	}
	if f, ok := FieldOf(k); ok {
		return f.Example()
	}
	return k + ":…"
}

// CheckGrade decides whether actor may set c's grade (等级 #3 A): whoever
// may work c, to a grade it does not have yet.
func CheckGrade(c *Customer, actor *User, grade string, now time.Time, p Policy) *Error {
	if err := CheckWork(c, actor, now, p); err != nil {
		return err
	}
	if c.Grade == grade {
		return Errorf(EINVALID, "#%d %s 已经是 %s 级，无需修改。发「查询 #%d」查看详情。", c.ID, c.Name, grade, c.ID)
	}
	return nil
}

// CheckAmount decides whether actor may correct the amount of c, a won
// customer, to cents (改金额): admins only, with a reason, to a new amount.
func CheckAmount(c *Customer, actor *User, cents int64, reason string) *Error {
	switch {
	case actor.Role != RoleAdmin:
		return Errorf(EFORBIDDEN, "改金额需要管理员操作。请把正确金额和原因告诉管理员。")
	case c.Status != StatusWon:
		return Errorf(EINVALID, "#%d %s 还没有成交，没有成交金额可改。成交时发「成交 #%d 金额:12800」。", c.ID, c.Name, c.ID)
	case strings.TrimSpace(reason) == "":
		return Errorf(EINVALID, "改金额需要原因，负责人会收到。例如：改金额 #%d 金额:12800 原因:合同补签", c.ID)
	case cents == c.AmountCents:
		return Errorf(EINVALID, "#%d 的成交金额已是 ¥%s，无需修改。发「查询 #%d」查看。", c.ID, FormatCents(cents), c.ID)
	}
	return nil
}

// ParseGrade reads a grade as typed or written in a sheet: A, b, Ａ, A级.
func ParseGrade(v string) (string, bool) {
	g := strings.ToUpper(strings.TrimSuffix(strings.TrimSpace(FoldWidth(v)), "级"))
	return g, g == "A" || g == "B" || g == "C"
}

// GradeLabel names a grade in a reply or an audit row; no grade is 未定级.
func GradeLabel(g string) string {
	if g == "" {
		return "未定级"
	}
	return g
}

// CheckTransfer decides whether actor may give c to another user: an admin
// anywhere; a manager within the team (a customer of the team, or a pooled
// one, to a member of the team).
func CheckTransfer(c *Customer, actor, to *User, now time.Time) *Error {
	if err := checkSettled(c, actor); err != nil {
		return err
	}
	if !to.Active {
		return Errorf(EINVALID, "%s 已停用，不能接收客户。请换一位同事。", to.Name)
	}
	if actor.Role == RoleAdmin {
		return nil
	}
	if actor.Role != RoleManager {
		return Errorf(EFORBIDDEN, "转移客户需要经理或管理员操作。请联系你的经理。")
	}
	if _, owned := c.Owner(now); owned && !actor.SameTeam(c.OwnerTeam) {
		return Errorf(EFORBIDDEN, "#%d 不是你团队的客户，不能转移。请联系其团队经理或管理员。", c.ID)
	}
	if !actor.SameTeam(to.TeamID) {
		return Errorf(EFORBIDDEN, "%s 不在你的团队，只能转给本团队同事。跨团队转移请联系管理员。", to.Name)
	}
	return nil
}

// CheckRelease decides whether actor may return c to the pool by hand: its
// owner, a manager of the owner's team, or an admin.
func CheckRelease(c *Customer, actor *User, now time.Time) *Error {
	if err := checkSettled(c, actor); err != nil {
		return err
	}
	owner, owned := c.Owner(now)
	switch {
	case c.Status == StatusWon:
		return Errorf(EINVALID, "#%d %s 已成交，成交客户一直归负责人，不能释放。发「我的客户」查看。", c.ID, c.Name)
	case !owned:
		return Errorf(EINVALID, "#%d %s 已经在公海，无需释放。发「公海」查看。", c.ID, c.Name)
	case owner != actor.ID && !actor.CanManage(c.OwnerTeam):
		return Errorf(EFORBIDDEN, "#%d 是 %s 的客户，只有负责人、其团队经理或管理员可以释放。", c.ID, ownerLabel(c))
	}
	return nil
}

// CheckLock decides whether actor may lock (or unlock) c, given how many
// customers its owner has locked: a manager of the owner's team or an admin,
// at most p.MaxLocks per rep.
func CheckLock(c *Customer, actor *User, lock bool, ownerLocks int, now time.Time, p Policy) *Error {
	if err := checkSettled(c, actor); err != nil {
		return err
	}
	if _, owned := c.Owner(now); !owned || c.Status != StatusOwned {
		return Errorf(EINVALID, "#%d 不在保护中的负责人名下（在公海或已成交），无需锁定。", c.ID)
	}
	if !actor.CanManage(c.OwnerTeam) {
		return Errorf(EFORBIDDEN, "锁定客户需要 %s 所在团队的经理或管理员操作。", ownerLabel(c))
	}
	switch {
	case lock && c.Locked:
		return Errorf(EINVALID, "#%d 已经锁定，不会被退回公海。解除请发「解锁 #%d」。", c.ID, c.ID)
	case !lock && !c.Locked:
		return Errorf(EINVALID, "#%d 没有锁定。", c.ID)
	case lock && ownerLocks >= p.MaxLocks:
		return Errorf(ELIMIT, "%s 已锁定 %d 个客户，达到上限。先「解锁」其中一个再锁定。", ownerLabel(c), ownerLocks)
	}
	return nil
}

// CheckAssign decides whether actor may give c to `to` by hand (分配): c
// must be in the pool; a manager gives to someone of their team, an admin
// to anyone; `to` must be active and not away.
func CheckAssign(c *Customer, actor, to *User, now time.Time, p Policy) *Error {
	if err := checkSettled(c, actor); err != nil {
		return err
	}
	switch {
	case actor.Role != RoleManager && actor.Role != RoleAdmin:
		return Errorf(EFORBIDDEN, "分配客户需要经理或管理员操作。想要公海客户请发「领取 #%d」。", c.ID)
	case c.Status == StatusWon:
		return Errorf(EINVALID, "#%d %s 已成交，一直归 %s，不能分配。", c.ID, c.Name, ownerLabel(c))
	case !to.Active:
		return Errorf(EINVALID, "%s 已停用，不能接收客户。请换一位同事。", to.Name)
	case to.AwayUntil != nil && to.AwayUntil.After(now):
		return Errorf(EINVALID, "%s 请假到 %s，暂不能分配。请换一位同事，或先发「销假 @%s」。", to.Name, p.Away(*to.AwayUntil), to.Name)
	case actor.Role == RoleManager && !actor.SameTeam(to.TeamID):
		return Errorf(EFORBIDDEN, "%s 不在你的团队，只能分配给本团队同事。跨团队请联系管理员。", to.Name)
	}
	if _, owned := c.Owner(now); owned {
		return Errorf(EINVALID, "#%d 在 %s 名下，不能分配。要换负责人请发「转移 #%d @%s 原因:…」。", c.ID, ownerLabel(c), c.ID, to.Name)
	}
	return nil
}

// CheckReassign decides whether actor may hand c on (转派): only its
// owner, and only a customer given to them by assignment.
func CheckReassign(c *Customer, actor *User, now time.Time, assigned bool) *Error {
	if err := checkSettled(c, actor); err != nil {
		return err
	}
	if owner, owned := c.Owner(now); !owned || owner != actor.ID || c.Status == StatusWon {
		return Errorf(EFORBIDDEN, "#%d 不在你名下（或已成交），不能转派。发「我的客户」查看你的客户。", c.ID)
	}
	if !assigned {
		return Errorf(EINVALID, "只有系统分配给你的线索可以转派。#%d 要换人请联系经理「转移」，不再跟进可发「释放 #%d」。", c.ID, c.ID)
	}
	return nil
}
