// Package importer brings customers in from a sheet (xlsx, or CSV in UTF-8
// with or without BOM, or GBK): it finds the columns by their header,
// checks and normalises each row as chat does, and hands the rows to the
// store in batches, which deduplicates them against the store and within
// the file. Rows stream: memory stays bounded however long the file.
package importer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"baobei"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Field is a column the importer reads.
type Field string

// The columns, each known by several header names.
const (
	FName     Field = "客户名称"
	FPhone    Field = "手机"
	FCompany  Field = "公司"
	FWechat   Field = "微信"
	FSource   Field = "来源"
	FDemand   Field = "需求"
	FGrade    Field = "等级"
	FOwner    Field = "负责人"
	FStage    Field = "阶段"
	FReported Field = "报备时间"
	FNext     Field = "下次跟进"
	FRegion   Field = "地区"
)

// headers maps a header as written (trimmed, ASCII lower-cased) to its field.
var headers = map[string]Field{}

func init() {
	for f, names := range map[Field]string{
		FName:     "客户名称 客户 姓名 联系人 客户姓名 名称 称呼 name",
		FPhone:    "手机 手机号 手机号码 电话 联系电话 电话号码 联系方式 phone mobile",
		FCompany:  "公司 单位 公司名称 公司名 企业 企业名称 company",
		FWechat:   "微信 微信号 wechat",
		FSource:   "来源 渠道 客户来源 来源渠道 source",
		FDemand:   "需求 备注 客户需求 需求描述 说明 demand",
		FGrade:    "等级 客户等级 级别 grade",
		FOwner:    "负责人 销售 归属人 业务员 所属销售 owner",
		FStage:    "阶段 状态 客户阶段 跟进阶段 stage",
		FReported: "报备时间 创建时间 录入时间 报备日期 创建日期",
		FNext:     "下次跟进 下次跟进时间 下次联系",
		FRegion:   "地区 城市 区域 所在地 地址 所在城市 region city",
	} {
		for _, n := range strings.Fields(names) {
			headers[n] = f
		}
	}
}

// IsHeader reports whether h is a header of a built-in column (手机, 地区 …),
// which a custom field may not take. The export's own columns count too, so
// that an export imports again.
func IsHeader(h string) bool {
	h = strings.ToLower(baobei.FoldWidth(strings.TrimSpace(h)))
	_, ok := headers[h]
	return ok || slices.Contains(exportHeader, h)
}

// fieldHeader is the key of the custom field whose column h (folded,
// lower-cased) heads, or "".
func fieldHeader(h string) string {
	for _, f := range baobei.Fields {
		if strings.ToLower(baobei.FoldWidth(f.Key)) == h {
			return f.Key
		}
	}
	return ""
}

// Source is a sheet read row by row.
type Source interface {
	Next() ([]string, error) // io.EOF after the last row
	Close() error
}

// Open opens an xlsx (its first sheet, or sheet) or a CSV file.
func Open(path, sheet string) (Source, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx", ".xlsm":
		return openXLSX(path, sheet)
	case ".csv", ".txt":
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		r, err := decodeCSV(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		return &csvSource{r: r, f: f}, nil
	}
	return nil, fmt.Errorf("%s: 只支持 .xlsx 和 .csv 文件", path)
}

type csvSource struct {
	r *csv.Reader
	f *os.File
}

func (s *csvSource) Next() ([]string, error) { return s.r.Read() }
func (s *csvSource) Close() error            { return s.f.Close() }

// decodeCSV reads UTF-8 (a BOM is dropped) or, when the start of the file
// is not UTF-8, GBK.
func decodeCSV(f io.Reader) (*csv.Reader, error) {
	br := bufio.NewReaderSize(f, 64<<10)
	head, err := br.Peek(64 << 10)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	var in io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		br.Discard(3)
	case !utf8.Valid(trimPartialRune(head)):
		in = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
	}
	r := csv.NewReader(in)
	r.FieldsPerRecord, r.LazyQuotes, r.ReuseRecord = -1, true, true
	return r, nil
}

// trimPartialRune drops a rune cut off at the end of a peeked buffer.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		if r, _ := utf8.DecodeLastRune(b); r != utf8.RuneError {
			break
		}
		b = b[:len(b)-1]
	}
	return b
}

type xlsxSource struct {
	f    *excelize.File
	rows *excelize.Rows
}

func openXLSX(path, sheet string) (Source, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, err
	}
	if sheet == "" {
		sheet = f.GetSheetName(0)
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("工作表 %q：%w", sheet, err)
	}
	return &xlsxSource{f: f, rows: rows}, nil
}

func (s *xlsxSource) Next() ([]string, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	return s.rows.Columns()
}

func (s *xlsxSource) Close() error {
	s.rows.Close()
	return s.f.Close()
}

// Columns is the header row read: where each field is, and the columns
// the importer does not know (listed, not fatal).
type Columns struct {
	At      map[Field]int
	Unknown []string
}

// ReadHeader finds the fields in a header row. The phone column is required.
func ReadHeader(row []string) (Columns, error) {
	c := Columns{At: map[Field]int{}}
	for i, h := range row {
		h = strings.ToLower(strings.TrimSpace(baobei.FoldWidth(strings.TrimPrefix(h, "\ufeff"))))
		h = strings.Trim(h, "*:： ")
		if h == "" {
			continue
		}
		f, ok := headers[h]
		if k := fieldHeader(h); k != "" {
			f, ok = Field(k), true
		}
		if ok {
			if _, dup := c.At[f]; !dup {
				c.At[f] = i
				continue
			}
		}
		c.Unknown = append(c.Unknown, h)
	}
	if _, ok := c.At[FPhone]; !ok {
		return c, FileError("第 1 行（表头）没有手机号列：请把手机号所在列的表头写成“手机”“手机号”或“联系电话”")
	}
	return c, nil
}

// Owners finds a row's owner by uid or name; nil, nil when there is none.
type Owners func(ctx context.Context, ref string) (*baobei.User, error)

// Row turns one data row into an ImportRow, or an invalid result.
func (c Columns) Row(ctx context.Context, line int, row []string, now time.Time, p baobei.Policy, owners Owners, defaultOwner *baobei.User) (baobei.ImportRow, *baobei.ImportResult) {
	get := func(f Field) string {
		if i, ok := c.At[f]; ok && i < len(row) {
			return baobei.UnsafeCell(strings.TrimSpace(row[i]))
		}
		return ""
	}
	bad := func(f Field, format string, args ...any) (baobei.ImportRow, *baobei.ImportResult) {
		return baobei.ImportRow{}, &baobei.ImportResult{Line: line, Status: baobei.ImportInvalid, Column: string(f), Reason: fmt.Sprintf(format, args...)}
	}
	phone, err := baobei.NormalizePhone(get(FPhone))
	if err != nil {
		return bad(FPhone, "手机号“%s”不对：要写11位手机号", get(FPhone))
	}
	r := baobei.ImportRow{Line: line, Draft: baobei.CustomerDraft{Phone: phone, Name: get(FName), Company: get(FCompany),
		Wechat: get(FWechat), Source: get(FSource), Demand: get(FDemand), Region: get(FRegion)}}
	if r.Draft.Name == "" {
		r.Draft.Name = "客户" + phone[7:] // a sheet of numbers only: name them by the phone's last four digits
	}
	for f, v := range map[Field]string{FName: r.Draft.Name, FCompany: r.Draft.Company, FWechat: r.Draft.Wechat, FSource: r.Draft.Source, FRegion: r.Draft.Region} {
		limit := p.FieldMaxRunes
		if f == FName {
			limit = p.NameMaxRunes
		}
		if baobei.RuneLen(v) > limit {
			return bad(f, "太长（最多 %d 个字）", limit)
		}
	}
	if baobei.RuneLen(r.Draft.Demand) > p.ContentMaxRunes {
		return bad(FDemand, "太长（最多 %d 个字）", p.ContentMaxRunes)
	}
	if v := get(FGrade); v != "" {
		g, ok := baobei.ParseGrade(v)
		if !ok {
			return bad(FGrade, "等级“%s”只能是 A、B 或 C", v)
		}
		r.Draft.Grade = g
	}
	if v := get(FStage); v != "" {
		st, ok := baobei.ParseStage(v)
		if !ok || st == baobei.StageWon || st == baobei.StageLost {
			open := baobei.FunnelStages()
			return bad(FStage, "阶段“%s”不认识（可写 %s；%s和%s请在聊天里登记）", v, baobei.JoinStages(open[:len(open)-1]), baobei.StageWon, baobei.StageLost)
		}
		r.Stage = st
	}
	for _, d := range []struct {
		f   Field
		dst **time.Time
	}{{FReported, &r.ReportedAt}, {FNext, &r.NextAt}} {
		if v := get(d.f); v != "" {
			t, ok := baobei.ParseCellTime(v, p.Loc)
			if !ok {
				return bad(d.f, "时间“%s”没看懂（例如 2026-11-23 或 2026/11/23 14:00）", v)
			}
			*d.dst = &t
		}
	}
	for _, f := range baobei.Fields {
		if v := get(Field(f.Key)); v != "" {
			val, err := f.Parse(v, now, p.Loc, p.FieldMaxRunes)
			if err != nil {
				return bad(Field(f.Key), "%s", err.Message)
			}
			if r.Draft.Custom == nil {
				r.Draft.Custom = map[string]string{}
			}
			r.Draft.Custom[f.Key] = val
		}
	}
	r.Keys = r.Draft.Keys(p) // here, in the reader, not in the writer's transaction
	r.Owner = defaultOwner
	if v := get(FOwner); v != "" {
		u, err := owners(ctx, v)
		if err != nil || u == nil {
			return bad(FOwner, "负责人“%s”不在组织里（写成员的账号或姓名）", v)
		}
		r.Owner = u
	}
	return r, nil
}
