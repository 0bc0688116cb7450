package importer

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"baobei"
	"baobei/store"
)

// ExportHeader is the first row of an export. The columns baobei import
// reads come first, under the headers it reads (负责人 as the uid), so an
// export imports again. The custom fields (policy.fields) follow, under
// their keys.
var exportHeader = []string{"客户名称", "手机", "微信", "公司", "来源", "需求", "等级", "阶段", "负责人", "报备时间", "下次跟进",
	"编号", "归属", "负责人姓名", "团队", "保护期至", "跟进次数", "最近跟进", "金额", "流失原因", "标签"}

// Export writes the customers of scope to path (.xlsx or .csv),
// streaming, and returns how many. With a viewer (chat's 导出), phones and
// WeChat ids follow chat's masking for them; without one (the command
// line) they are in full.
func Export(ctx context.Context, s *store.Store, p baobei.Policy, scope baobei.Scope, viewer *baobei.User, now time.Time, path string) (int, error) {
	t, err := CreateTable(path, append(slices.Clone(exportHeader), baobei.FieldKeys()...))
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.Export(ctx, scope, func(r *store.ExportRow) error {
		n++
		if viewer != nil && !viewer.SeesFull(&r.Customer, now) {
			r.Phone, r.Wechat = baobei.MaskPhone(r.Phone), ""
		}
		cells, err := exportCells(r, p.Loc)
		if err != nil {
			return err
		}
		return t.Write(cells)
	})
	if cerr := t.Close(); err == nil {
		err = cerr
	}
	return n, err
}

func exportCells(r *store.ExportRow, loc *time.Location) ([]string, error) {
	c := &r.Customer
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(loc).Format("2006-01-02 15:04")
	}
	amount := ""
	if c.AmountCents != 0 {
		amount = baobei.FormatCents(c.AmountCents)
	}
	vals, err := r.Custom()
	cells := []string{c.Name, c.Phone, c.Wechat, c.Company, c.Source, c.Demand, c.Grade, string(c.Stage), c.OwnerUID,
		at(&c.ReportedAt), at(c.NextFollowupAt), strconv.FormatInt(c.ID, 10), statusLabel(c.Status), c.OwnerName, r.TeamName,
		at(c.ProtectedUntil), strconv.Itoa(r.FollowUps), at(c.LastFollowupAt), amount, c.LostReason, strings.ReplaceAll(r.Tags, ",", "、")}
	for _, f := range baobei.Fields {
		cells = append(cells, vals[f.Key])
	}
	return cells, err
}

func statusLabel(s baobei.Status) string {
	return map[baobei.Status]string{baobei.StatusOwned: "跟进中", baobei.StatusPool: "公海", baobei.StatusWon: "已成交",
		baobei.StatusPending: "待审批", baobei.StatusRejected: "已驳回"}[s]
}
