package scheduler

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"baobei"
)

// Store is what the jobs read and change.
type Store interface {
	Slots
	ReleaseExpired(ctx context.Context, now time.Time) (int, error)
	WarnExpiring(ctx context.Context, now time.Time, ahead time.Duration) (int, error)
	ReleasedSince(ctx context.Context, since, now time.Time) (map[string][]baobei.ReleasedRow, error)
	Notify(ctx context.Context, now time.Time, ns ...baobei.Notice) error
	Teams(ctx context.Context) ([]baobei.Team, error)
	Stats(ctx context.Context, scope baobei.Scope, from, to time.Time) (*baobei.Stats, error)
	ScanAttention(ctx context.Context, now time.Time, fn func(*baobei.Customer) error) error
	Managers(ctx context.Context) (map[int64][]baobei.User, error)
	ExpireApprovals(ctx context.Context, now time.Time) (int, error)
	Cleanup(ctx context.Context, now time.Time) (int, error)
}

// WarnAhead is how long before release an owner is warned.
const WarnAhead = 3 * 24 * time.Hour

// Chart draws a summary as a PNG, or returns nil (no font): the text stands alone.
type Chart func(title string, st *baobei.Stats) []byte

// Jobs are baobei's periodic duties; chart may be nil.
func Jobs(s Store, p baobei.Policy, chart Chart) []Job {
	return []Job{
		// Hourly, warning what reaches the 3-day mark before the next run.
		{Name: "warn-expiring", Schedule: Hourly(p.Loc), Run: func(ctx context.Context, slot time.Time) error {
			_, err := s.WarnExpiring(ctx, slot, WarnAhead+time.Hour)
			return err
		}},
		{Name: "release-expired", Schedule: Hourly(p.Loc), Run: func(ctx context.Context, slot time.Time) error {
			_, err := s.ReleaseExpired(ctx, slot)
			return err
		}},
		{Name: "expire-approvals", Schedule: Hourly(p.Loc), Run: func(ctx context.Context, slot time.Time) error {
			_, err := s.ExpireApprovals(ctx, slot)
			return err
		}},
		{Name: "cleanup", Schedule: Daily(4, 0, p.Loc), Run: func(ctx context.Context, slot time.Time) error {
			// Dedupe records carry the wall clock (platforms redeliver in real
			// time), not the console's shifted one.
			_, err := s.Cleanup(ctx, time.Now())
			return err
		}},
		{Name: "team-releases", Schedule: Daily(9, 0, p.Loc), Run: func(ctx context.Context, slot time.Time) error {
			return TeamReleases(ctx, s, slot, p)
		}},
		{Name: "daily-digest", Schedule: Daily(9, 0, p.Loc), Run: func(ctx context.Context, slot time.Time) error {
			return DailyDigest(ctx, s, slot, p)
		}},
		{Name: "weekly-summary", Schedule: Weekly(time.Monday, 9, 0, p.Loc), Run: func(ctx context.Context, slot time.Time) error {
			return WeeklySummary(ctx, s, slot, p, chart)
		}},
	}
}

// WeeklySummary posts each team's funnel and last week's activity to its
// group chat, with the funnel as a picture where a chart can be drawn.
func WeeklySummary(ctx context.Context, s Store, slot time.Time, p baobei.Policy, chart Chart) error {
	teams, err := s.Teams(ctx)
	if err != nil {
		return err
	}
	from := slot.AddDate(0, 0, -7)
	var ns []baobei.Notice
	for _, t := range teams {
		if t.ChatID == "" {
			continue
		}
		st, err := s.Stats(ctx, baobei.Scope{TeamID: &t.ID}, from, slot)
		if err != nil {
			return err
		}
		title := fmt.Sprintf("%s 上周统计（%s–%s）", t.Name, p.Date(from), p.Date(slot.Add(-time.Minute)))
		n := baobei.Notice{ToChat: t.ChatID, Text: st.Text(title)}
		if chart != nil {
			n.Image = chart(title, st)
		}
		ns = append(ns, n)
	}
	return s.Notify(ctx, slot, ns...)
}

// TeamReleases tells each team's group chat, once a day, which of its
// customers went to the pool in the last 24 hours.
func TeamReleases(ctx context.Context, s Store, slot time.Time, p baobei.Policy) error {
	byChat, err := s.ReleasedSince(ctx, slot.Add(-24*time.Hour), slot)
	if err != nil {
		return err
	}
	var ns []baobei.Notice
	for chat, rows := range byChat {
		lines := []string{fmt.Sprintf("过去24小时有 %d 个客户退回公海：", len(rows))}
		for _, r := range rows[:min(len(rows), baobei.DigestLines*2)] {
			lines = append(lines, fmt.Sprintf("#%d %s（原负责人 %s）", r.ID, r.Name, r.Former))
		}
		if more := len(rows) - baobei.DigestLines*2; more > 0 {
			lines = append(lines, fmt.Sprintf("…另有 %d 个", more))
		}
		lines = append(lines, "发「公海」查看，「领取 #编号」领取。")
		ns = append(ns, baobei.Notice{ToChat: chat, Text: strings.Join(lines, "\n")})
	}
	return s.Notify(ctx, slot, ns...)
}

// DailyDigest sends each rep one morning message (follow-ups due or
// overdue, customers gone stale, protections ending this week) and each
// team's managers one message about the customers neglected for days.
func DailyDigest(ctx context.Context, s Store, slot time.Time, p baobei.Policy) error {
	digests := map[int64]*baobei.Digest{}
	neglected := map[int64][]baobei.Customer{}
	err := s.ScanAttention(ctx, slot, func(c *baobei.Customer) error {
		a := baobei.AttentionOf(c, slot, p)
		if a.Escalate && c.OwnerTeam != nil && len(neglected[*c.OwnerTeam]) < 50 {
			neglected[*c.OwnerTeam] = append(neglected[*c.OwnerTeam], *c)
		}
		if !a.Any() {
			return nil
		}
		d := digests[*c.OwnerID]
		if d == nil {
			d = &baobei.Digest{UID: c.OwnerUID}
			digests[*c.OwnerID] = d
		}
		d.Add(c, a, slot, p)
		return nil
	})
	if err != nil {
		return err
	}
	managers, err := s.Managers(ctx)
	if err != nil {
		return err
	}
	var ns []baobei.Notice
	for _, owner := range slices.Sorted(maps.Keys(digests)) {
		ns = append(ns, digests[owner].Notice())
	}
	for team, cs := range neglected {
		for _, m := range managers[team] {
			ns = append(ns, baobei.NoticeEscalation(m.UID, cs, slot, p))
		}
	}
	return s.Notify(ctx, slot, ns...) // one transaction: all of the morning's messages, or none
}
