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
	dsn := MySQLDSN()
	if dsn == "" {
		t.Skip("BAOBEI_TEST_MYSQL_DSN not set")
	}
	cfg, err := mysql.ParseDSN(strings.TrimPrefix(dsn, "mysql://"))
	if err != nil {
		t.Fatalf("BAOBEI_TEST_MYSQL_DSN: %v", err)
	}
	cfg.DBName = ""
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "baobei_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("mysql", cfg.FormatDSN())
		if err == nil {
			db.Exec("DROP DATABASE IF EXISTS " + name)
			db.Close()
		}
	})
	cfg.DBName = name
	return open(t, "mysql://"+cfg.FormatDSN(), p)
}

func open(t testing.TB, dsn string, p baobei.Policy) *store.Store {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Open(ctx, dsn, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}
