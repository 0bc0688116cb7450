package store_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"baobei"
	"baobei/store"
)

// The SQLite database, its WAL and the WAL's index are readable by their
// owner only, whatever the umask, and files an older version left
// world-readable are narrowed on open.
func TestSQLiteFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	fresh, upgraded := filepath.Join(dir, "fresh.db"), filepath.Join(dir, "old.db")
	for _, p := range []string{upgraded, upgraded + "-wal", upgraded + "-shm"} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{fresh, upgraded} {
		s, err := store.Open(context.Background(), "sqlite://"+path, baobei.DefaultPolicy())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetSetting(context.Background(), "probe", "x"); err != nil { // writes the WAL
			t.Fatal(err)
		}
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
			}
		}
		s.Close()
	}
}
