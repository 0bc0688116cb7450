package importer

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"baobei"

	"github.com/xuri/excelize/v2"
)

// ReportHeader is the report's header row: one row per input row.
var ReportHeader = []string{"行号", "结果", "客户编号", "负责人", "重复项", "与第几行重复", "列", "原因"}

// StatusLabel names an outcome in Chinese.
func StatusLabel(status string) string {
	switch status {
	case baobei.ImportImported:
		return "已导入"
	case baobei.ImportDuplicate:
		return "重复"
	}
	return "无效"
}

// ReportRow is one result as a report row.
func ReportRow(r baobei.ImportResult) []string {
	num := func(n int64, prefix string) string {
		if n == 0 {
			return ""
		}
		return prefix + strconv.FormatInt(n, 10)
	}
	return []string{strconv.Itoa(r.Line), StatusLabel(r.Status), num(r.CustomerID, "#"), r.Owner, r.Key, num(int64(r.DupOfLine), ""), r.Column, r.Reason}
}

// Table writes rows as CSV (UTF-8 with BOM, which Excel opens as such) or,
// for a .xlsx path, as a streamed sheet: the import report and the export.
type Table struct {
	csv  *csv.Writer
	file *os.File
	xlsx *excelize.File
	sw   *excelize.StreamWriter
	path string
	row  int
}

// ReportWriter is the import report: one row per input row.
type ReportWriter struct{ *Table }

// CreateReport creates the report at path.
func CreateReport(path string) (*ReportWriter, error) {
	t, err := CreateTable(path, ReportHeader)
	return &ReportWriter{t}, err
}

// Add writes one result.
func (w *ReportWriter) Add(r baobei.ImportResult) error { return w.Write(ReportRow(r)) }

// CreateTable creates the file at path with its header row.
func CreateTable(path string, header []string) (*Table, error) {
	w := &Table{path: path}
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		w.xlsx = excelize.NewFile()
		sw, err := w.xlsx.NewStreamWriter("Sheet1")
		if err != nil {
			return nil, err
		}
		w.sw = sw
	} else {
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		f.WriteString("\ufeff")
		w.file, w.csv = f, csv.NewWriter(f)
	}
	return w, w.Write(header)
}

// Write writes one row.
func (w *Table) Write(rec []string) error {
	if w.csv != nil {
		safe := make([]string, len(rec))
		for i, v := range rec {
			safe[i] = baobei.SafeCell(v)
		}
		return w.csv.Write(safe)
	}
	w.row++
	cells := make([]any, len(rec))
	for i, v := range rec {
		cells[i] = v
	}
	cell, err := excelize.CoordinatesToCellName(1, w.row)
	if err != nil {
		return err
	}
	return w.sw.SetRow(cell, cells)
}

// Close finishes the file.
func (w *Table) Close() error {
	if w.csv != nil {
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			w.file.Close()
			return err
		}
		return w.file.Close()
	}
	if err := w.sw.Flush(); err != nil {
		return err
	}
	if err := w.xlsx.SaveAs(w.path); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return w.xlsx.Close()
}
