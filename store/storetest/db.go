// Package storetest opens throw-away databases for tests: SQLite always,
// MySQL/MariaDB when BAOBEI_TEST_MYSQL_DSN is set (a server DSN such as
// mysql://root@tcp(127.0.0.1:3306)/). Each database has a unique name and is
// dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/store"

	"github.com/go-sql-driver/mysql"
)

// Backend opens a fresh, migrated store.
type Backend struct {
	Name string
	Open func(t testing.TB, p baobei.Policy) *store.Store
}

// Backends lists SQLite and, when configured, MySQL. Under CI=true a missing
// MySQL DSN fails the test instead of skipping it.
func Backends(t testing.TB) []Backend {
	bs := []Backend{{Name: store.SQLite, Open: OpenSQLite}}
	if MySQLDSN() != "" {
		bs = append(bs, Backend{Name: store.MySQL, Open: OpenMySQL})
	} else if os.Getenv("CI") == "true" {
		t.Fatal("BAOBEI_TEST_MYSQL_DSN is not set: under CI=true the MySQL backend must be tested")
	}
	return bs
}

// MySQLDSN is the server DSN from the environment, or "".
func MySQLDSN() string { return os.Getenv("BAOBEI_TEST_MYSQL_DSN") }

// OpenSQLite opens a migrated SQLite store in the test's temp dir.
func OpenSQLite(t testing.TB, p baobei.Policy) *store.Store {
	t.Helper()
	return open(t, "sqlite://"+filepath.Join(t.TempDir(), "baobei.db"), p)
}

// OpenMySQL creates a database with a unique name, drops it at cleanup, and
// opens a migrated store on it.
func OpenMySQL(t testing.TB, p baobei.Policy) *store.Store {
	t.Helper()
	if MySQLDSN() == "" {
		t.Skip("BAOBEI_TEST_MYSQL_DSN not set")
	}
	dsn, drop, err := CreateMySQL()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return open(t, dsn, p)
}

// CreateMySQL creates an empty database with a unique name on the server of
// BAOBEI_TEST_MYSQL_DSN and returns its DSN and a function that drops it.
func CreateMySQL() (dsn string, drop func(), err error) {
	cfg, err := mysql.ParseDSN(strings.TrimPrefix(MySQLDSN(), "mysql://"))
	if err != nil {
		return "", nil, fmt.Errorf("BAOBEI_TEST_MYSQL_DSN: %w", err)
	}
	cfg.DBName = ""
	server := cfg.FormatDSN()
	admin, err := sql.Open("mysql", server)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "baobei_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		return "", nil, fmt.Errorf("create test database: %w", err)
	}
	drop = func() {
		if db, err := sql.Open("mysql", server); err == nil {
			db.Exec("DROP DATABASE IF EXISTS " + name)
			db.Close()
		}
	}
	cfg.DBName = name
	return "mysql://" + cfg.FormatDSN(), drop, nil
}

// OpenDSN opens (and migrates) a store outside a test's lifetime.
func OpenDSN(dsn string, p baobei.Policy) (*store.Store, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return store.Open(ctx, dsn, p)
}

func open(t testing.TB, dsn string, p baobei.Policy) *store.Store {
	t.Helper()
	s, err := OpenDSN(dsn, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
