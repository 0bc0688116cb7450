package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, dsn := range []string{"mysql://u:s3cr@t/:x@tcp(db:3306)/baobei", "mysql://u:plain@tcp(db:3306)/baobei?parseTime=true"} {
		got := redact(dsn)
		if strings.Contains(got, "s3cr") || strings.Contains(got, "plain") || !strings.Contains(got, "***") {
			t.Errorf("redact(%q) = %q", dsn, got)
		}
	}
	if got := redact("sqlite://baobei.db"); got != "sqlite://baobei.db" {
		t.Errorf("sqlite DSN changed: %q", got)
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "baobei.yaml")
	yaml := "db: sqlite://from-file.db\naddr: 127.0.0.1:9000\npolicy:\n  protection_days: 15\norg:\n  auto_register: true\n  teams:\n    - name: 一组\n      chat: g1\n      members:\n        - {id: u1, name: 甲, role: manager}\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BAOBEI_ADDR", "127.0.0.1:9100")
	cfg, err := loadConfig("serve", []string{"--config", path, "--db", "sqlite://from-flag.db"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB != "sqlite://from-flag.db" || cfg.Addr != "127.0.0.1:9100" || cfg.Policy.ProtectionDays != 15 ||
		cfg.Policy.MaxHeld != 100 || cfg.Org == nil || !cfg.Org.AutoRegister || cfg.Org.Teams[0].Members[0].Role != "manager" {
		t.Fatalf("config = %+v", cfg)
	}
	os.WriteFile(path, []byte("policy:\n  max_held: 0\n"), 0o600)
	if _, err := loadConfig("serve", []string{"--config", path}); err == nil {
		t.Fatal("a zero limit must be refused")
	}
	os.WriteFile(path, []byte("timezone: Mars/Olympus\n"), 0o600)
	if _, err := loadConfig("serve", []string{"--config", path}); err == nil {
		t.Fatal("an unknown time zone must be refused")
	}
}
