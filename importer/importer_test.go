package importer_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"baobei"
	"baobei/importer"
	"baobei/store/storetest"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// sheet is the test file's rows: header variants, an owner by uid and by
// name, duplicates in the file (phone, WeChat, company) and against the
// store, and invalid rows.
var sheet = [][]string{
	{"姓名", "联系电话", "单位", "微信号", "渠道", "备注", "客户等级", "归属人", "状态", "创建时间", "下次跟进", "介绍人"},
	{"王总", "138 0013 8001", "杭州明远家居有限公司", "wang_wx", "抖音", "三人沙发", "A", "zhangsan", "已联系", "2026-10-01", "2026-11-25 10:00", "杭州"}, // 2: imported, 张三
	{"李女士", "13800138002", "", "", "展会", "", "b", "李四", "", "2026/10/02", "", "宁波"},                                                // 3: imported, 李四 by name
	{"无主客户", "13800138003", "", "", "", "", "", "", "", "", "", ""},                                                                // 4: imported to the pool
	{"王总重复", "13800138001", "", "", "", "", "", "", "", "", "", ""},                                                                // 5: duplicate of line 2 (phone)
	{"明远", "13800138005", "明远家居", "", "", "", "", "", "", "", "", ""},                                                              // 6: duplicate of line 2 (company)
	{"老客户", "13900139000", "", "", "", "", "", "", "", "", "", ""},                                                                 // 7: duplicate of the store's #1
	{"坏号码", "12345", "", "", "", "", "", "", "", "", "", ""},                                                                       // 8: invalid phone
	{"坏等级", "13800138008", "", "", "", "", "D", "", "", "", "", ""},                                                                // 9: invalid grade
	{"无此人", "13800138009", "", "", "", "", "", "nobody", "", "", "", ""},                                                           // 10: invalid owner
	{"", "", "", "", "", "", "", "", "", "", "", ""},                                                                               // blank: skipped
	{"", "13800138011", "", "wang_wx", "", "", "", "", "", "", "", ""},                                                             // 12: duplicate of line 2 (WeChat)
	{"坏时间", "13800138012", "", "", "", "", "", "", "", "去年", "", ""},                                                               // 13: invalid time
}

var want = map[int]string{2: "imported", 3: "imported", 4: "imported", 5: "duplicate", 6: "duplicate", 7: "duplicate",
	8: "invalid", 9: "invalid", 10: "invalid", 12: "duplicate", 13: "invalid"}

func writeCSV(t *testing.T, path string, bom bool, gbk bool) {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.WriteAll(sheet)
	text := b.String()
	if gbk {
		var err error
		if text, err = simplifiedchinese.GBK.NewEncoder().String(text); err != nil {
			t.Fatal(err)
		}
	}
	if bom {
		text = "\ufeff" + text
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeXLSX(t *testing.T, path string) {
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "客户")
	for i, row := range sheet {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(row))
		for j, v := range row {
			vals[j] = v
		}
		if err := f.SetSheetRow("客户", cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// Issue 13 item 1 on both backends, for each format.
func TestImport(t *testing.T) {
	dir := t.TempDir()
	files := map[string]func(string){
		"utf8.csv":    func(p string) { writeCSV(t, p, false, false) },
		"utf8bom.csv": func(p string) { writeCSV(t, p, true, false) },
		"gbk.csv":     func(p string) { writeCSV(t, p, false, true) },
		"sheet.xlsx":  func(p string) { writeXLSX(t, p) },
	}
	for _, b := range storetest.Backends(t) {
		for name, write := range files {
			t.Run(b.Name+"/"+name, func(t *testing.T) {
				path := filepath.Join(dir, name)
				write(path)
				p := baobei.DefaultPolicy()
				f := storetest.Seed(t, b, p)
				old := f.Report(t, storetest.T0, f.Sunqi, "13900139000", "老客户")
				run := func(dry bool) (importer.Summary, map[int]baobei.ImportResult) {
					t.Helper()
					src, err := importer.Open(path, "")
					if err != nil {
						t.Fatal(err)
					}
					defer src.Close()
					got := map[int]baobei.ImportResult{}
					sum, err := importer.Run(context.Background(), f.S, src, storetest.T0, p, importer.Options{DryRun: dry, Batch: 4},
						func(r baobei.ImportResult) error { got[r.Line] = r; return nil })
					if err != nil {
						t.Fatal(err)
					}
					return sum, got
				}

				sum, got := run(true)
				if sum.Imported != 3 || f.Count(t, "SELECT COUNT(*) FROM customers") != 1 {
					t.Fatalf("dry run: %+v, customers %d", sum, f.Count(t, "SELECT COUNT(*) FROM customers"))
				}
				sum, got = run(false)
				for line, status := range want {
					if got[line].Status != status {
						t.Errorf("line %d = %+v, want %s", line, got[line], status)
					}
				}
				if sum.Rows != 11 || sum.Imported != 3 || sum.Duplicates != 4 || sum.Invalid != 4 || strings.Join(sum.Unknown, ",") != "介绍人" {
					t.Errorf("summary = %+v", sum)
				}
				if g := got[5]; g.DupOfLine != 2 || g.Key != "手机号" || g.Owner != "张三" {
					t.Errorf("in-file phone duplicate = %+v", g)
				}
				if g := got[6]; g.DupOfLine != 2 || g.Key != "公司" {
					t.Errorf("in-file company duplicate = %+v", g)
				}
				if g := got[12]; g.DupOfLine != 2 || g.Key != "微信号" {
					t.Errorf("in-file WeChat duplicate = %+v", g)
				}
				if g := got[7]; g.CustomerID != old.ID || g.Owner != "孙七" || g.Key != "手机号" {
					t.Errorf("store duplicate = %+v", g)
				}
				for line, col := range map[int]string{8: "手机", 9: "等级", 10: "负责人", 13: "报备时间"} {
					if got[line].Column != col || got[line].Reason == "" {
						t.Errorf("line %d invalid = %+v, want column %s", line, got[line], col)
					}
				}
				c, err := f.S.FindCustomers(f.Ctx, baobei.CustomerRef{Number: got[2].CustomerID})
				if err != nil || len(c) != 1 {
					t.Fatal(err)
				}
				if w := c[0]; w.OwnerName != "张三" || w.Grade != "A" || w.Stage != baobei.StageContacted || w.Company != "杭州明远家居有限公司" ||
					w.ReportedAt.Format("2006-01-02") != "2026-09-30" && w.ReportedAt.Format("2006-01-02") != "2026-10-01" ||
					!w.ProtectedUntil.Equal(storetest.T0.Add(p.Protection())) || w.NextFollowupAt == nil {
					t.Errorf("imported customer = %+v", w)
				}
				if n := f.Count(t, "SELECT COUNT(*) FROM customers WHERE owner_id = ? AND grade = 'B'", f.Lisi.ID); n != 1 {
					t.Errorf("李四's imported customers = %d", n)
				}
				if n := f.Count(t, "SELECT COUNT(*) FROM customers WHERE phone = '13800138003' AND status = ?", baobei.StatusPool); n != 1 {
					t.Errorf("ownerless row not in the pool")
				}
				if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = 'import'"); n != 3 {
					t.Errorf("import audit rows = %d, want 3", n)
				}

				sum, _ = run(false) // idempotent
				if sum.Imported != 0 || sum.Duplicates != 7 || f.Count(t, "SELECT COUNT(*) FROM customers") != 4 {
					t.Errorf("re-import: %+v", sum)
				}
			})
		}
	}
}

// The report lists every row, as CSV and as xlsx.
func TestReportFiles(t *testing.T) {
	dir := t.TempDir()
	results := []baobei.ImportResult{{Line: 2, Status: "imported", CustomerID: 7, Owner: "张三"}, {Line: 3, Status: "invalid", Column: "手机", Reason: "不对"}}
	for _, name := range []string{"r.csv", "r.xlsx"} {
		path := filepath.Join(dir, name)
		w, err := importer.CreateReport(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			if err := w.Add(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		src, err := importer.Open(path, "")
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]string
		for {
			r, err := src.Next()
			if err != nil {
				break
			}
			rows = append(rows, append([]string(nil), r...))
		}
		src.Close()
		if len(rows) != 3 || rows[0][0] != "行号" || rows[1][1] != "已导入" || rows[1][2] != "#7" || rows[2][6] != "手机" {
			t.Errorf("%s = %q", name, rows)
		}
	}
}
