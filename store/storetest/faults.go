package storetest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"baobei"
	"baobei/store"

	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"
)

// Faults makes a wrapped database driver fail at chosen points: the next n
// statements containing a text ("INSERT INTO outbox", or "COMMIT" for a
// transaction's commit), or every statement for a while (the database is
// down), or a statement that hangs until its context ends (a stalled
// database). The connection behind is real.
type Faults struct {
	mu    sync.Mutex
	rules []*rule
	down  time.Time
	Hits  atomic.Int64 // faults injected
}

type rule struct {
	match string
	n     int
	err   error
	stall bool
}

// ErrInjected is the error of an injected failure.
var ErrInjected = errors.New("injected database failure")

// Fail makes the next n statements containing match fail with err
// (ErrInjected when nil).
func (f *Faults) Fail(match string, n int, err error) {
	if err == nil {
		err = ErrInjected
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &rule{match: match, n: n, err: err})
}

// Stall makes the next n statements containing match wait until their
// context ends.
func (f *Faults) Stall(match string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &rule{match: match, n: n, stall: true})
}

// Down fails every statement and commit for d, as if the server were gone.
func (f *Faults) Down(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = time.Now().Add(d)
}

func (f *Faults) check(ctx context.Context, q string) error {
	f.mu.Lock()
	if time.Now().Before(f.down) {
		f.mu.Unlock()
		f.Hits.Add(1)
		return driver.ErrBadConn
	}
	for _, r := range f.rules {
		if r.n > 0 && strings.Contains(q, r.match) {
			r.n--
			f.mu.Unlock()
			f.Hits.Add(1)
			if r.stall {
				<-ctx.Done()
				return ctx.Err()
			}
			return r.err
		}
	}
	f.mu.Unlock()
	return nil
}

var faultySeq atomic.Int64

// OpenFaulty opens a fresh store of backend kind (store.SQLite or
// store.MySQL) through a driver that injects f's faults, and returns it
// with its DSN (to open it again, as a restarted process would).
func OpenFaulty(t interface {
	Helper()
	TempDir() string
	Cleanup(func())
	Fatal(...any)
}, kind string, p baobei.Policy, f *Faults) (*store.Store, string) {
	t.Helper()
	var base driver.Driver = &sqlite.Driver{}
	dsn := "sqlite://" + t.TempDir() + "/baobei.db"
	if kind == store.MySQL {
		base = &mysql.MySQLDriver{}
		var drop func()
		var err error
		if dsn, drop, err = CreateMySQL(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(drop)
	}
	name := fmt.Sprintf("faulty-%d", faultySeq.Add(1))
	sql.Register(name, faultyDriver{base, f})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.OpenPool(ctx, dsn, p, store.Pool{Driver: name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}

type faultyDriver struct {
	base driver.Driver
	f    *Faults
}

func (d faultyDriver) Open(name string) (driver.Conn, error) {
	c, err := d.base.Open(name)
	if err != nil {
		return nil, err
	}
	return &faultyConn{c, d.f}, nil
}

type faultyConn struct {
	driver.Conn
	f *Faults
}

func (c *faultyConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.f.check(ctx, q); err != nil {
		return nil, err
	}
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *faultyConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.f.check(ctx, q); err != nil {
		return nil, err
	}
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *faultyConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.f.check(ctx, "BEGIN"); err != nil {
		return nil, err
	}
	tx, err := c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &faultyTx{tx, c.f, ctx}, nil
}

func (c *faultyConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

type faultyTx struct {
	driver.Tx
	f   *Faults
	ctx context.Context
}

func (t *faultyTx) Commit() error {
	if err := t.f.check(t.ctx, "COMMIT"); err != nil {
		t.Tx.Rollback()
		return err
	}
	return t.Tx.Commit()
}
