// Package handlers holds one file per command family. A handler parses its
// arguments from the Command, calls one or two service methods and builds the
// reply. It reaches the store only through req.Svc, which is bound to the
// message's unit of work.
package handlers

import (
	"fmt"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/cards"
)

// Handlers serves the chat commands.
type Handlers struct {
	policy baobei.Policy
	signer *cards.Signer
}

// Register wires every command into the router.
func Register(r *bot.Router, p baobei.Policy, signer *cards.Signer) {
	h := &Handlers{policy: p, signer: signer}
	r.Handle(bot.CmdReport, h.Report)
	r.Handle(bot.CmdFollowUp, h.FollowUp)
	r.Handle(bot.CmdWon, h.Won)
	r.Handle(bot.CmdLost, h.Lost)
	r.Handle(bot.CmdMine, h.Mine)
	r.Handle(bot.CmdTodo, h.Todo)
	r.Handle(bot.CmdQuery, h.Query)
	r.Handle(bot.CmdPool, h.Pool)
	r.Handle(bot.CmdClaim, h.Claim)
	r.Handle(bot.CmdTransfer, h.Transfer)
	r.Handle(bot.CmdHandover, h.Handover)
	r.Handle(bot.CmdHelp, h.Help)
	r.Handle(bot.CmdExtend, h.Extend)
	r.Handle(bot.CmdApprove, h.Approve)
	r.Handle(bot.CmdReject, h.Reject)
	r.Handle(bot.CmdApprovals, h.Approvals)
	r.Handle(bot.CmdRequests, h.Requests)
	r.Handle(bot.CmdStats, h.Stats)
	r.Handle(bot.CmdStatus, h.Status)
	r.Handle(bot.CmdLock, h.Lock)
	r.Handle(bot.CmdUnlock, h.Unlock)
	r.Handle(bot.CmdRelease, h.Release)
}

// ref turns the parsed reference into a service reference.
func ref(c *bot.Command) baobei.CustomerRef {
	switch {
	case c.Phone != "":
		return baobei.CustomerRef{Phone: c.Phone}
	case c.Number > 0:
		return baobei.CustomerRef{Number: c.Number}
	}
	return baobei.CustomerRef{Name: c.Ref}
}

// phone shows the number in full to those allowed, masked to everyone else.
func phone(viewer *baobei.User, c *baobei.Customer, now time.Time) string {
	owner, _ := c.Owner(now)
	if owner != 0 && viewer.CanSeeFull(owner, c.OwnerTeam) || viewer.Role == baobei.RoleAdmin {
		return c.Phone
	}
	return baobei.MaskPhone(c.Phone)
}

// line is the one-line summary of a customer used in lists.
func (h *Handlers) line(viewer *baobei.User, c *baobei.Customer, now time.Time) string {
	s := fmt.Sprintf("#%d %s %s · %s", c.ID, c.Name, phone(viewer, c, now), c.Stage)
	switch {
	case c.Status == baobei.StatusWon:
		s += " · 已成交 ¥" + baobei.FormatCents(c.AmountCents)
	case c.InPool(now):
		s += " · 公海"
	default:
		s += " · 保护至 " + h.policy.Date(*c.ProtectedUntil)
	}
	if c.NextFollowupAt != nil && c.Status != baobei.StatusPool {
		s += " · 下次 " + h.policy.DateTime(*c.NextFollowupAt)
	}
	return s
}
