package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"baobei"
)

// Store is what an import writes to.
type Store interface {
	ImportCustomers(ctx context.Context, now time.Time, rows []baobei.ImportRow, dryRun bool) ([]baobei.ImportResult, error)
	FindUser(ctx context.Context, ref string) (*baobei.User, error)
}

// Options of one import.
type Options struct {
	DryRun bool
	Owner  *baobei.User // rows without an owner go to them instead of the pool
	Batch  int          // rows a transaction; 0 is 1,000
}

// Summary counts the outcomes.
type Summary struct {
	Rows, Imported, Duplicates, Invalid int
	Unknown                             []string // header columns not read
}

// String is the summary as printed.
func (s Summary) String() string {
	out := fmt.Sprintf("共 %d 行：导入 %d · 重复 %d · 无效 %d", s.Rows, s.Imported, s.Duplicates, s.Invalid)
	if len(s.Unknown) > 0 {
		out += "\n未识别的列（已忽略）：" + strings.Join(s.Unknown, "、")
	}
	return out
}

// Run imports src into s at now and hands every row's result to report,
// in file order.
func Run(ctx context.Context, s Store, src Source, now time.Time, p baobei.Policy, o Options, report func(baobei.ImportResult) error) (Summary, error) {
	var sum Summary
	head, err := src.Next()
	if errors.Is(err, io.EOF) {
		return sum, errors.New("文件是空的：第 1 行应是表头（客户名称、手机、公司……）")
	}
	if err != nil {
		return sum, err
	}
	cols, err := ReadHeader(head)
	if err != nil {
		return sum, err
	}
	sum.Unknown = cols.Unknown
	owners := cachedOwners(s)
	size := o.Batch
	if size <= 0 {
		size = 1000
	}
	// A batch holds the valid rows and, in file order, every row's result.
	// Earlier batches have committed, so the store finds their keys; the
	// row numbers of the customers this run made name the earlier row. A
	// dry run commits nothing: it remembers the keys of the rows it would
	// import instead.
	type entry struct {
		res *baobei.ImportResult
		row int // index in rows, -1 for an invalid or already decided row
	}
	var rows []baobei.ImportRow
	var pending []entry
	lineOf := map[int64]int{}
	type seenRow struct {
		line  int
		owner string
	}
	seen := map[baobei.Key]seenRow{}
	flush := func() error {
		stored, err := s.ImportCustomers(ctx, now, rows, o.DryRun)
		if err != nil {
			return err
		}
		for _, e := range pending {
			r := e.res
			if e.row >= 0 {
				*r = stored[e.row]
			}
			switch {
			case r.Status == baobei.ImportDuplicate && lineOf[r.CustomerID] > 0:
				r.DupOfLine = lineOf[r.CustomerID]
			case r.Status == baobei.ImportImported && o.DryRun:
				for _, k := range rows[e.row].Draft.Keys(p) {
					seen[k] = seenRow{r.Line, r.Owner}
				}
				r.CustomerID = 0
			case r.Status == baobei.ImportImported:
				lineOf[r.CustomerID] = r.Line
			}
			sum.count(r.Status)
			if err := report(*r); err != nil {
				return err
			}
		}
		rows, pending = rows[:0], pending[:0]
		return nil
	}
	earlier := func(row baobei.ImportRow) *baobei.ImportResult {
		for _, k := range row.Draft.Keys(p) {
			if e, ok := seen[k]; ok {
				return &baobei.ImportResult{Line: row.Line, Status: baobei.ImportDuplicate, Key: baobei.KeyLabel(k.Kind), DupOfLine: e.line, Owner: e.owner}
			}
		}
		return nil
	}
	for line := 2; ; line++ {
		rec, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sum, fmt.Errorf("第 %d 行：%w", line, err)
		}
		if blank(rec) {
			continue
		}
		sum.Rows++
		row, bad := cols.Row(ctx, line, rec, now, p, owners, o.Owner)
		if bad == nil {
			bad = earlier(row)
		}
		if bad != nil {
			pending = append(pending, entry{bad, -1})
		} else {
			rows = append(rows, row)
			pending = append(pending, entry{&baobei.ImportResult{Line: line}, len(rows) - 1})
		}
		if len(pending) >= size {
			if err := flush(); err != nil {
				return sum, err
			}
		}
	}
	return sum, flush()
}

func (s *Summary) count(status string) {
	switch status {
	case baobei.ImportImported:
		s.Imported++
	case baobei.ImportDuplicate:
		s.Duplicates++
	default:
		s.Invalid++
	}
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// cachedOwners looks each distinct owner up once.
func cachedOwners(s Store) Owners {
	seen := map[string]*baobei.User{}
	return func(ctx context.Context, ref string) (*baobei.User, error) {
		if u, ok := seen[ref]; ok {
			return u, nil
		}
		u, err := s.FindUser(ctx, ref)
		if baobei.ErrorCode(err) != "" {
			u, err = nil, nil
		}
		if err == nil {
			seen[ref] = u
		}
		return u, err
	}
}
