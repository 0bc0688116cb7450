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
	WarnExpiring(ctx context.Context, now time.Time) (int, error)
	ReleasedSince(ctx context.Context, since, now time.Time) (map[string][]baobei.ReleasedRow, error)
	Teams(ctx context.Context) ([]baobei.Team, error)
	Stats(ctx context.Context, scope baobei.Scope, from, to time.Time) (*baobei.Stats, error)
	ScanAttention(ctx context.Context, now time.Time, fn func(*baobei.Customer) error) error
	Managers(ctx context.Context) (map[int64][]baobei.User, error)
	ExpireApprovals(ctx context.Context, now time.Time) (int, error)
	VisitDuties(ctx context.Context, now time.Time) (int, error)
	ContactDuties(ctx context.Context, now time.Time) (int, error)
	Resegment(ctx context.Context, now time.Time) (int, error)
	Cleanup(ctx context.Context, now time.Time) (int, error)
	PruneSlots(ctx context.Context, before time.Time) (int, error)
}

// SlotDays is how long the records of job slots are kept: a slot that
// failed past Window is given up on, and shows in 系统状态 until then.
const SlotDays = 7

// Chart draws a summary as a PNG, or returns nil (no font): the text stands alone.
type Chart func(title string, st *baobei.Stats) []byte

// Jobs are baobei's periodic duties; chart may be nil.
//
// A slot is retried until a run of it succeeds, so every job must be safe
// to run again after a failure part-way (or a crash, or a lost lease):
//
//   - warn-expiring changes customers in batches, each one transaction that
//     marks the customers warned (warned_until, idle_warned_for) and queues
//     their owners' messages; a re-run skips those already marked.
//   - release-expired releases in batches, each one transaction with its
//     audit rows and messages, and only rows still at the version it read;
//     a re-run finds the released customers in the pool and leaves them.
//   - expire-approvals expires each request in its own transaction, only
//     while it is still pending.
//   - visit-duties sets each visit's reminder mark (or its missed status)
//     in the transaction that queues its messages; a re-run skips those set.
//   - rfm moves customers between segments in batches, each one transaction
//     with the tags, audit rows, tasks and messages; a re-run recomputes and
//     finds those moved already in their segment.
//   - cleanup deletes by age: deleting again deletes nothing twice.
//   - team-releases, daily-digest and weekly-summary only read; their
//     messages are the run's Result.Notices, which the scheduler queues in
//     the transaction that marks the slot done (Slots.FinishSlot). A run
//     that fails, or whose lease was taken over, has queued nothing; one
//     that committed is never run again. So each team, rep and manager gets
//     a slot's message exactly once.
func Jobs(s Store, p baobei.Policy, chart Chart) []Job {
	// Digests, summaries and release lists are bulk: live replies go first.
	notices := func(ns []baobei.Notice, err error) (Result, error) {
		for i := range ns {
			ns[i].Priority = baobei.PriorityBulk
		}
		return Result{N: len(ns), Notices: ns}, err
	}
	count := func(n int, err error) (Result, error) { return Result{N: n}, err }
	return []Job{
		// Hourly, warning what a release rule takes within policy.warn_days.
		{Name: "warn-expiring", Schedule: Hourly(p.Loc), Run: func(ctx context.Context, slot time.Time) (Result, error) {
			return count(s.WarnExpiring(ctx, slot))
		}},
		{Name: "release-expired", Schedule: Hourly(p.Loc), Run: func(ctx context.Context, slot time.Time) (Result, error) {
			return count(s.ReleaseExpired(ctx, slot))
		}},
		{Name: "expire-approvals", Schedule: Hourly(p.Loc), Run: func(ctx context.Context, slot time.Time) (Result, error) {
			return count(s.ExpireApprovals(ctx, slot))
		}},
		// Hourly: visit reminders, reports due and overdue, missed visits.
		{Name: "visit-duties", Schedule: Hourly(p.Loc), Run: func(ctx context.Context, slot time.Time) (Result, error) {
			return count(s.VisitDuties(ctx, slot))
		}},
		// Every 10 minutes: leads past their first-contact time (reminder,
		// then the managers).
		{Name: "first-contact", Schedule: EveryMinutes(10, p.Loc), Run: func(ctx context.Context, slot time.Time) (Result, error) {
			return count(s.ContactDuties(ctx, slot))
		}},
		// Nightly: RFM segments from the purchases (a purchase moves its
		// customer at once); entering a remind segment gives a task.
		{Name: "rfm", Schedule: Daily(3, 0, p.Loc), Run: func(ctx context.Context, slot time.Time) (Result, error) {
			return count(s.Resegment(ctx, slot))
		}},
		{Name: "cleanup", Schedule: Daily(4, 0, p.Loc), Run: func(ctx context.Context, slot time.Time) (Result, error) {
			// Dedupe records carry the wall clock (platforms redeliver in real
			// time), not the console's shifted one; job records carry slots.
			n, err := s.Cleanup(ctx, time.Now())
			if err != nil {
				return Result{N: n}, err
			}
			m, err := s.PruneSlots(ctx, slot.AddDate(0, 0, -SlotDays))
			return Result{N: n + m}, err
		}},
		{Name: "team-releases", Schedule: Daily(9, 0, p.Loc), Run: func(ctx context.Context, slot time.Time) (Result, error) {
			return notices(TeamReleases(ctx, s, slot, p))
		}},
		{Name: "daily-digest", Schedule: Daily(9, 0, p.Loc), Run: func(ctx context.Context, slot time.Time) (Result, error) {
			return notices(DailyDigest(ctx, s, slot, p))
		}},
		{Name: "weekly-summary", Schedule: Weekly(time.Monday, 9, 0, p.Loc), Run: func(ctx context.Context, slot time.Time) (Result, error) {
			return notices(WeeklySummary(ctx, s, slot, p, chart))
		}},
	}
}

// WeeklySummary is each team's funnel and last week's activity for its
// group chat, with the funnel as a picture where a chart can be drawn.
func WeeklySummary(ctx context.Context, s Store, slot time.Time, p baobei.Policy, chart Chart) ([]baobei.Notice, error) {
	teams, err := s.Teams(ctx)
	if err != nil {
		return nil, err
	}
	to := p.DayStart(slot) // last week: Monday 00:00 to Monday 00:00, as 统计 counts a week
	from := to.AddDate(0, 0, -7)
	var ns []baobei.Notice
	for _, t := range teams {
		if t.ChatID == "" {
			continue
		}
		st, err := s.Stats(ctx, baobei.Scope{TeamID: &t.ID}, from, to)
		if err != nil {
			return nil, err
		}
		title := fmt.Sprintf("%s 上周统计（%s–%s）", t.Name, p.Date(from), p.Date(to.AddDate(0, 0, -1)))
		n := baobei.Notice{ToChat: t.ChatID, Text: st.Text(title) + "\n新的一周：发「待办」查看今天要跟进的客户；发「看板」打开网页看板（排行、渠道、风险客户，可选「上周」）。"}
		if chart != nil {
			n.Image = chart(title, st)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// TeamReleases is, for each team's group chat, the daily note of which of
// its customers went to the pool in the 24 hours before slot.
func TeamReleases(ctx context.Context, s Store, slot time.Time, p baobei.Policy) ([]baobei.Notice, error) {
	byChat, err := s.ReleasedSince(ctx, slot.Add(-24*time.Hour), slot)
	if err != nil {
		return nil, err
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
	slices.SortFunc(ns, func(a, b baobei.Notice) int { return strings.Compare(a.ToChat, b.ToChat) })
	return ns, nil
}

// DailyDigest is each rep's morning message (follow-ups due or overdue,
// customers gone stale, protections ending this week) and each team's
// managers' message about the customers neglected for days.
func DailyDigest(ctx context.Context, s Store, slot time.Time, p baobei.Policy) ([]baobei.Notice, error) {
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
		return nil, err
	}
	managers, err := s.Managers(ctx)
	if err != nil {
		return nil, err
	}
	var ns []baobei.Notice
	for _, owner := range slices.Sorted(maps.Keys(digests)) {
		ns = append(ns, digests[owner].Notice())
	}
	for _, team := range slices.Sorted(maps.Keys(neglected)) {
		for _, m := range managers[team] {
			ns = append(ns, baobei.NoticeEscalation(m.UID, neglected[team], slot, p))
		}
	}
	return ns, nil
}
