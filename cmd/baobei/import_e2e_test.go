package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"baobei/store/storetest"
)

// `baobei import` as a user runs it: a CSV with flags after the file, a
// dry run, the import with an xlsx report, and a second import that
// imports nothing.
func TestImportCLI(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dsn := testDSN(t, b)
			dir := t.TempDir()
			csv := filepath.Join(dir, "客户.csv")
			if err := os.WriteFile(csv, []byte("客户名称,手机号,负责人,备注\n王总,13800138001,zhangsan,沙发\n李女士,13800138002,,\n重复,13800138001,,\n坏,123,,\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			cli := func(args ...string) string {
				t.Helper()
				var out bytes.Buffer
				if err := importCmd(context.Background(), append(args, "--db", dsn), &out); err != nil {
					t.Fatalf("import %v: %v", args, err)
				}
				return out.String()
			}
			wantHas(t, cli(csv, "--dry-run"), "（试运行，未写入）共 4 行：导入 2 · 重复 1 · 无效 1")
			report := filepath.Join(dir, "结果.xlsx")
			wantHas(t, cli(csv, "--owner", "lisi", "--report", report), "共 4 行：导入 2 · 重复 1 · 无效 1", "逐行结果： "+report)
			if st, err := os.Stat(report); err != nil || st.Size() == 0 {
				t.Fatalf("report: %v", err)
			}
			wantHas(t, cli(csv), "导入 0 · 重复 3 · 无效 1")
			var exp bytes.Buffer
			exported := filepath.Join(dir, "导出.csv")
			if err := exportCmd(context.Background(), []string{"--db", dsn, "--team", "销售一组", "--format", "csv", "--out", exported}, &exp); err != nil {
				t.Fatal(err)
			}
			wantHas(t, exp.String(), "已导出 2 位客户到 "+exported) // 王总 (张三) and 李女士 (李四), both of 销售一组
			if err := exportCmd(context.Background(), []string{"--db", dsn, "--team", "没有这组"}, &exp); err == nil {
				t.Error("an unknown team exported")
			}
			var out bytes.Buffer
			if err := importCmd(context.Background(), []string{filepath.Join(dir, "x.pdf"), "--db", dsn}, &out); err == nil || !strings.Contains(err.Error(), "只支持") {
				t.Errorf("a pdf: %v", err)
			}
		})
	}
}
