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
)

// Issue 13 item 2: an export holds every customer (or a team's) with its
// follow-up count, and imports again: into an empty store as it was, into
// its own as duplicates.
func TestExportRoundTrip(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx, dir, p := context.Background(), t.TempDir(), baobei.DefaultPolicy()
			f := storetest.Seed(t, b, p)
			c := f.Report(t, storetest.T0, f.Zhangsan, "13800138000", "张先生")
			if _, err := f.S.FollowUp(ctx, storetest.T0, f.Zhangsan, baobei.CustomerRef{Number: c.ID}, baobei.FollowUpDraft{Content: "电话沟通"}); err != nil {
				t.Fatal(err)
			}
			f.Report(t, storetest.T0, f.Sunqi, "13900139000", "孙总")
			if _, _, err := f.S.SetTags(ctx, storetest.T0, f.Zhangsan, baobei.CustomerRef{Number: c.ID}, []string{"高意向"}, nil); err != nil {
				t.Fatal(err)
			}
			all := filepath.Join(dir, "all.csv")
			if n, err := importer.Export(ctx, f.S, p, baobei.Scope{}, nil, storetest.T0, all); err != nil || n != 2 {
				t.Fatalf("export: %d %v", n, err)
			}
			rows := readAll(t, all)
			if len(rows) != 3 || rows[1][0] != "张先生" || rows[1][8] != "zhangsan" || rows[1][14] != "销售一组" || rows[1][16] != "1" || rows[1][17] == "" || rows[1][20] != "高意向" {
				t.Fatalf("export rows: %q", rows)
			}
			team := *f.Zhangsan.TeamID
			if n, err := importer.Export(ctx, f.S, p, baobei.Scope{TeamID: &team}, nil, storetest.T0, filepath.Join(dir, "team.xlsx")); err != nil || n != 1 {
				t.Fatalf("team export: %d %v", n, err)
			}
			g := storetest.Seed(t, b, p)
			for _, tc := range []struct {
				fx        *storetest.Fixture
				imp, dups int
			}{{g, 2, 0}, {f, 0, 2}} {
				src, err := importer.Open(all, "")
				if err != nil {
					t.Fatal(err)
				}
				sum, err := importer.Run(ctx, tc.fx.S, src, storetest.T0, p, importer.Options{}, func(baobei.ImportResult) error { return nil })
				src.Close()
				if err != nil || sum.Imported != tc.imp || sum.Duplicates != tc.dups || sum.Invalid != 0 {
					t.Fatalf("import of the export: %+v %v", sum, err)
				}
			}
			if cs, _ := g.S.FindCustomers(ctx, baobei.CustomerRef{Phone: "13800138000"}); len(cs) != 1 || cs[0].OwnerUID != "zhangsan" {
				t.Fatalf("round trip: %+v", cs)
			}
		})
	}
}

func readAll(t *testing.T, path string) [][]string {
	t.Helper()
	src, err := importer.Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var rows [][]string
	for {
		r, err := src.Next()
		if err != nil {
			return rows
		}
		rows = append(rows, append([]string(nil), r...))
	}
}

// Custom fields (policy.fields) import from the column headed by their key,
// checked by type, and export to one column each, so that an export
// imports again with its values.
func TestCustomFieldColumns(t *testing.T) {
	defs := []baobei.FieldDef{{Key: "面积", Type: baobei.FieldNumber}, {Key: "交房", Type: baobei.FieldDate}}
	if err := baobei.UseFields(defs, importer.IsHeader); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { baobei.UseFields(nil, importer.IsHeader) })
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx, dir, p := context.Background(), t.TempDir(), baobei.DefaultPolicy()
			in := filepath.Join(dir, "in.csv")
			writeRows(t, in, [][]string{{"客户名称", "手机", "面积", "交房"},
				{"王总", "13800138001", "1,200", "2027/3/1"}, {"李总", "13800138002", "大约90", ""}, {"赵总", "13800138003", "", ""}})
			f := storetest.Seed(t, b, p)
			src, err := importer.Open(in, "")
			if err != nil {
				t.Fatal(err)
			}
			got := map[int]baobei.ImportResult{}
			sum, err := importer.Run(ctx, f.S, src, storetest.T0, p, importer.Options{}, func(r baobei.ImportResult) error { got[r.Line] = r; return nil })
			src.Close()
			if err != nil || sum.Imported != 2 || sum.Invalid != 1 || got[3].Column != "面积" || len(sum.Unknown) != 0 {
				t.Fatalf("import: %+v %v, line 3 %+v", sum, err, got[3])
			}
			all, err := f.S.FieldsOf(ctx, []int64{got[2].CustomerID})
			vals := all[got[2].CustomerID]
			if err != nil || vals["面积"] != "1200" || vals["交房"] != "2027-03-01" {
				t.Fatalf("imported values: %v %v", vals, err)
			}
			out := filepath.Join(dir, "out.csv")
			if _, err := importer.Export(ctx, f.S, p, baobei.Scope{}, nil, storetest.T0, out); err != nil {
				t.Fatal(err)
			}
			rows := readAll(t, out)
			head := rows[0]
			if head[len(head)-2] != "面积" || head[len(head)-1] != "交房" || rows[1][len(head)-2] != "1200" || rows[2][len(head)-1] != "" {
				t.Fatalf("export: %q", rows)
			}
			g := storetest.Seed(t, b, p)
			if src, err = importer.Open(out, ""); err != nil {
				t.Fatal(err)
			}
			got = map[int]baobei.ImportResult{}
			sum, err = importer.Run(ctx, g.S, src, storetest.T0, p, importer.Options{}, func(r baobei.ImportResult) error { got[r.Line] = r; return nil })
			src.Close()
			if err != nil || sum.Imported != 2 {
				t.Fatalf("import of the export: %+v %v", sum, err)
			}
			if vals, _ := g.S.FieldsOf(ctx, []int64{got[2].CustomerID}); vals[got[2].CustomerID]["交房"] != "2027-03-01" {
				t.Errorf("round trip: %v", vals)
			}
		})
	}
}

func writeRows(t *testing.T, path string, rows [][]string) {
	t.Helper()
	var b strings.Builder
	csv.NewWriter(&b).WriteAll(rows)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}
