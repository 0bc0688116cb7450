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

// FileError is a file that cannot be read as a sheet (empty, no phone
// column, a broken row): the user's to fix, unlike a database failure.
type FileError string

func (e FileError) Error() string { return string(e) }

// Run imports src into s at now and hands every row's result to report,
// in file order.
func Run(ctx context.Context, s Store, src Source, now time.Time, p baobei.Policy, o Options, report func(baobei.ImportResult) error) (Summary, error) {
	var sum Summary
	head, err := src.Next()
	if errors.Is(err, io.EOF) {
		return sum, FileError("文件是空的：第 1 行应是表头（客户名称、手机、公司……）")
	}
	if err != nil {
		return sum, err
	}
	cols, err := ReadHeader(head)
	if err != nil {
		return sum, err
	}
	sum.Unknown = cols.Unknown
	size := o.Batch
	if size <= 0 {
		size = 1000
	}
	// Reading and checking the rows (one goroutine) overlaps with writing
	// the previous batch (this one). Earlier batches have committed, so the
	// store finds their keys, and the row numbers of the customers this run
	// made name the earlier row; a dry run commits nothing, and remembers
	// the keys of the rows it would import instead.
	batches := make(chan batch, 2)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- read(ctx, src, cols, now, p, cachedOwners(s), o.Owner, size, batches)
	}()
	w := writer{s: s, now: now, p: p, dry: o.DryRun, report: report, sum: &sum, lineOf: map[int64]int{}, seen: map[baobei.Key]seenRow{}}
	for b := range batches {
		if err := w.write(ctx, b); err != nil {
			cancel()
			for range batches { // let the reader stop
			}
			return sum, err
		}
	}
	return sum, <-readErr
}

// batch is a run of rows in file order: every row's result (to fill in)
// and the valid rows for the store.
type batch struct {
	results []*baobei.ImportResult
	rows    []baobei.ImportRow
	index   []int // index in rows of each result, -1 when it is decided (invalid)
}

// read turns the data rows into batches of size rows.
func read(ctx context.Context, src Source, cols Columns, now time.Time, p baobei.Policy, owners Owners, owner *baobei.User, size int, out chan<- batch) error {
	var b batch
	send := func() bool {
		select {
		case out <- b:
			b = batch{}
			return true
		case <-ctx.Done():
			return false
		}
	}
	for line := 2; ; line++ {
		rec, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return FileError(fmt.Sprintf("第 %d 行：%v", line, err))
		}
		if blank(rec) {
			continue
		}
		row, bad := cols.Row(ctx, line, rec, now, p, owners, owner)
		if bad != nil {
			b.results, b.index = append(b.results, bad), append(b.index, -1)
		} else {
			b.rows = append(b.rows, row)
			b.results, b.index = append(b.results, &baobei.ImportResult{Line: line}), append(b.index, len(b.rows)-1)
		}
		if len(b.results) >= size && !send() {
			return ctx.Err()
		}
	}
	if len(b.results) > 0 && !send() {
		return ctx.Err()
	}
	return nil
}

type seenRow struct {
	line  int
	owner string
}

// writer stores the batches and reports their rows.
type writer struct {
	s      Store
	now    time.Time
	p      baobei.Policy
	dry    bool
	report func(baobei.ImportResult) error
	sum    *Summary
	lineOf map[int64]int          // customers this run made → their row
	seen   map[baobei.Key]seenRow // dry run: keys of the rows it would import
}

func (w *writer) write(ctx context.Context, b batch) error {
	rows := b.rows
	if w.dry { // a row whose key an earlier batch would have taken
		rows = nil
		for k, i := range b.index {
			if i < 0 {
				continue
			}
			if dup := w.earlier(b.rows[i]); dup != nil {
				*b.results[k], b.index[k] = *dup, -1
				continue
			}
			b.index[k] = len(rows)
			rows = append(rows, b.rows[i])
		}
	}
	stored, err := w.s.ImportCustomers(ctx, w.now, rows, w.dry)
	if err != nil {
		return err
	}
	for k, r := range b.results {
		if i := b.index[k]; i >= 0 {
			*r = stored[i]
		}
		switch {
		case r.Status == baobei.ImportDuplicate && w.lineOf[r.CustomerID] > 0:
			r.DupOfLine = w.lineOf[r.CustomerID]
		case r.Status == baobei.ImportImported && w.dry:
			for _, key := range rows[b.index[k]].DedupKeys(w.p) {
				w.seen[key] = seenRow{r.Line, r.Owner}
			}
			r.CustomerID = 0
		case r.Status == baobei.ImportImported:
			w.lineOf[r.CustomerID] = r.Line
		}
		w.sum.Rows++
		w.sum.count(r.Status)
		if err := w.report(*r); err != nil {
			return err
		}
	}
	return nil
}

// earlier is the duplicate result of a row whose key a row the dry run
// would import has.
func (w *writer) earlier(row baobei.ImportRow) *baobei.ImportResult {
	for _, k := range row.DedupKeys(w.p) {
		if e, ok := w.seen[k]; ok {
			return &baobei.ImportResult{Line: row.Line, Status: baobei.ImportDuplicate, Key: baobei.KeyLabel(k.Kind), DupOfLine: e.line, Owner: e.owner}
		}
	}
	return nil
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
