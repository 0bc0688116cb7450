// Package store implements baobei's services with sqlx over MySQL/MariaDB
// and SQLite. Every state change is one transaction: load, call the pure
// rule, conditional write, audit row, commit.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"baobei"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialects.
const (
	MySQL  = "mysql"
	SQLite = "sqlite"
)

// Store is the database behind baobei. A copy bound to a unit of work
// (see RunUnits) runs every method inside that unit's transaction.
type Store struct {
	db      *sqlx.DB
	dialect string
	policy  baobei.Policy
	unit    *sqlx.Tx // set on the copy bound to a unit of work
	broken  *error   // the unit's transaction was aborted by the database
	queued  func()   // called after a commit, so the pusher looks for new rows
}

// Pool sizes the connection pool. Zero values take the defaults: 16 open and
// 16 idle connections for MySQL, 8 for SQLite. Driver names another
// database/sql driver for the dialect (tests wrap the real one to inject
// faults).
type Pool struct {
	MaxOpen, MaxIdle int
	Driver           string
}

// Open connects to the database named by dsn — "sqlite:///abs/path.db",
// "sqlite://rel/path.db", a bare file path, or
// "mysql://user:pass@tcp(host:3306)/db" — and brings its schema up to date.
func Open(ctx context.Context, dsn string, p baobei.Policy) (*Store, error) {
	return OpenPool(ctx, dsn, p, Pool{})
}

// OpenPool is Open with a sized connection pool.
func OpenPool(ctx context.Context, dsn string, p baobei.Policy, pool Pool) (*Store, error) {
	dialect, driverDSN, err := driverDSN(dsn)
	if err != nil {
		return nil, err
	}
	if dialect == SQLite {
		if err := privateFiles(sqlitePath(dsn)); err != nil {
			return nil, err
		}
	}
	name := dialect
	if pool.Driver != "" {
		name = pool.Driver
	}
	sdb, err := sql.Open(name, driverDSN)
	db := sqlx.NewDb(sdb, dialect)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dialect, err)
	}
	if pool.MaxOpen <= 0 {
		pool.MaxOpen = map[string]int{SQLite: 8, MySQL: 16}[dialect]
	}
	if pool.MaxIdle <= 0 || pool.MaxIdle > pool.MaxOpen {
		pool.MaxIdle = pool.MaxOpen
	}
	db.SetMaxOpenConns(pool.MaxOpen)
	db.SetMaxIdleConns(pool.MaxIdle)
	db.SetConnMaxLifetime(30 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect %s: %w", dialect, err)
	}
	s := &Store{db: db, dialect: dialect, policy: p}
	if err := s.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if dialect == SQLite { // the WAL and its index exist now; older ones may be world-readable
		if err := privateFiles(sqlitePath(dsn)); err != nil {
			db.Close()
			return nil, err
		}
	}
	return s, nil
}

// privateFiles makes the SQLite database at path readable by its owner only
// (0600): it holds the customers, the org and, in console-only setups, the
// card-signing secret. The file is created 0600 before SQLite opens it, so
// SQLite creates the -wal and -shm files with the same mode; files left by
// an older version are narrowed to 0600.
func privateFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err == nil && fi.Mode().Perm() != 0o600 {
			err = os.Chmod(p, 0o600)
		}
		if err != nil {
			return fmt.Errorf("sqlite: make %s private (chmod 600): %w", p, err)
		}
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// OnQueued sets what runs after a transaction commits that may have queued
// pushes (the pusher's wake-up). Set it before the store is used.
func (s *Store) OnQueued(f func()) { s.queued = f }

func (s *Store) wake() {
	if s.queued != nil {
		s.queued()
	}
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.db.GetContext(ctx, &one, "SELECT 1")
}

// PoolStats reports the connection pool's use.
func (s *Store) PoolStats() sql.DBStats { return s.db.Stats() }

// querier is what reads and writes need: the pool, or the unit's transaction.
type querier interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// q is where a read goes: the unit's transaction when bound to one, so a
// command sees its own writes, else the pool.
func (s *Store) q() querier {
	if s.unit != nil {
		return s.unit
	}
	return s.db
}

// Dialect is MySQL or SQLite.
func (s *Store) Dialect() string { return s.dialect }

// Policy is the policy the store enforces.
func (s *Store) Policy() baobei.Policy { return s.policy }

func driverDSN(dsn string) (dialect, driver string, err error) {
	switch {
	case strings.HasPrefix(dsn, "mysql://"):
		cfg, err := mysql.ParseDSN(strings.TrimPrefix(dsn, "mysql://"))
		if err != nil {
			return "", "", fmt.Errorf("mysql dsn: %w", err)
		}
		cfg.ParseTime = true
		cfg.Loc = time.UTC
		cfg.InterpolateParams = true
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params["time_zone"] = "'+00:00'"
		cfg.Collation = "utf8mb4_bin"
		return MySQL, cfg.FormatDSN(), nil
	case strings.Contains(dsn, "://") && !strings.HasPrefix(dsn, "sqlite://"):
		return "", "", fmt.Errorf("unsupported database %q: use sqlite:///path/baobei.db or mysql://user:pass@tcp(host:3306)/db", dsn)
	}
	path := sqlitePath(dsn)
	q := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite"
	return SQLite, "file:" + path + "?" + q, nil
}

// sqlitePath is the file of a SQLite DSN.
func sqlitePath(dsn string) string {
	if path := strings.TrimPrefix(dsn, "sqlite://"); path != "" {
		return path
	}
	return "baobei.db"
}

// errStale means a conditional write matched no row because someone changed
// the row since it was read: the whole transaction is run again.
var errStale = fmt.Errorf("row changed concurrently: %w", baobei.ErrRetry)

// tx runs fn in a transaction, retried a few times with jitter when the
// database reports a deadlock, a lock wait timeout, SQLITE_BUSY, or when fn
// lost an optimistic race (errStale). Bound to a unit of work, fn runs in a
// savepoint of the unit's transaction instead, and such errors go up to the
// unit, which runs the whole command again.
func (s *Store) tx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	return s.txWith(ctx, nil, fn)
}

// txRC is tx at READ COMMITTED on MySQL (as units are): every statement
// sees what committed before it, so counts read after a lock see every
// change the lock's previous holder made.
func (s *Store) txRC(ctx context.Context, fn func(*sqlx.Tx) error) error {
	return s.txWith(ctx, s.readCommitted(), fn)
}

// readCommitted is the transaction options of READ COMMITTED on MySQL
// (SQLite serialises writers and needs none).
func (s *Store) readCommitted() *sql.TxOptions {
	if s.dialect != MySQL {
		return nil
	}
	return &sql.TxOptions{Isolation: sql.LevelReadCommitted}
}

func (s *Store) txWith(ctx context.Context, opts *sql.TxOptions, fn func(*sqlx.Tx) error) error {
	if s.unit != nil {
		if *s.broken != nil {
			return *s.broken // nothing more may run: it would autocommit
		}
		err := savepoint(ctx, s.unit, "sp", func() error { return fn(s.unit) })
		if aborted(err) {
			*s.broken = err
			return fmt.Errorf("%w: %w", baobei.ErrRetry, err)
		}
		return err
	}
	const attempts = 8
	var err error
	for i := 0; i < attempts; i++ {
		if err = s.tx1(ctx, opts, fn); err == nil || !retryable(err) {
			return err
		}
		d := time.Duration(1+rand.IntN(10*(i+1))) * time.Millisecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
	return err
}

// tx1 runs fn in one transaction.
func (s *Store) tx1(ctx context.Context, opts *sql.TxOptions, fn func(*sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.wake()
	return nil
}

// savepoint runs fn inside a savepoint of tx: when fn fails, what it wrote
// is undone and the transaction goes on.
func savepoint(ctx context.Context, tx *sqlx.Tx, name string, fn func() error) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name)
	return err
}

func retryable(err error) bool {
	if errors.Is(err, errStale) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

func isDuplicate(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1062
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// ts is how every time is stored: UTC, whole seconds.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func tsp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := ts(*t)
	return &u
}

func notFound(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// affected turns a conditional write that matched nothing into errStale.
func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errStale
	}
	return nil
}

var _ baobei.Service = (*Store)(nil)

// DB exposes the connection pool to tests and benchmarks (bulk seeding).
func (s *Store) DB() *sqlx.DB { return s.db }
