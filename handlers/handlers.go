// Package handlers holds one file per command family. A handler parses its
// arguments from the Command, calls one or two service methods and builds the
// reply. It reaches the store only through req.Svc, which is bound to the
// message's unit of work.
package handlers

import (
	"fmt"
	"strings"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/cards"
)

// Handlers serves the chat commands.
type Handlers struct {
	policy    baobei.Policy
	signer    *cards.Signer
	publicURL string // where users reach the service (导出 links); "" when not set
}

// Register makes h answer every command of bot.Commands; publicURL is the
// config's public_url.
func Register(router *bot.Router, p baobei.Policy, signer *cards.Signer, publicURL string) {
	router.Serve(&Handlers{policy: p, signer: signer, publicURL: strings.TrimRight(publicURL, "/")})
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

// everyone is the viewer of a reply in a group chat: any member, who may
// see only what every member may (masked phones, no follow-ups).
var everyone = &baobei.User{Name: "群成员", Role: baobei.RoleRep}

// shown builds a reply from render, which writes what viewer may see: the
// sender's text and, when the message came from a group chat, the group's
// (Masked, rendered for everyone) when it differs.
func shown(req *bot.Request, render func(viewer *baobei.User) (string, error)) (*bot.Reply, error) {
	text, err := render(req.Actor)
	if err != nil {
		return nil, err
	}
	reply := &bot.Reply{Text: text}
	if req.Msg.ChatID == "" {
		return reply, nil
	}
	if reply.Masked, err = render(everyone); err != nil {
		return nil, err
	}
	if reply.Masked == text {
		reply.Masked = ""
	}
	return reply, nil
}

// full reports whether viewer may see c's phone, WeChat and follow-ups: its
// owner (the reporter, while the report waits for approval), a manager of
// the owner's team, or an admin.
func full(viewer *baobei.User, c *baobei.Customer, now time.Time) bool {
	return viewer.SeesFull(c, now)
}

// phone shows the number in full to those allowed, masked to everyone else.
func phone(viewer *baobei.User, c *baobei.Customer, now time.Time) string {
	if full(viewer, c, now) {
		return c.Phone
	}
	return baobei.MaskPhone(c.Phone)
}

// line is the one-line summary of a customer used in lists.
func (h *Handlers) line(viewer *baobei.User, c *baobei.Customer, now time.Time) string {
	s := fmt.Sprintf("#%d %s %s · %s", c.ID, c.Name, phone(viewer, c, now), c.Stage)
	switch {
	case c.Status == baobei.StatusWon:
		s += " · ¥" + baobei.FormatCents(c.AmountCents) // the stage before it names the won stage
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
