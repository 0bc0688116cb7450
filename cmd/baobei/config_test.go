package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"baobei"
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

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "baobei.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigStrict(t *testing.T) {
	t.Cleanup(func() { baobei.UseFields(nil, func(string) bool { return false }) })
	for _, c := range []struct{ file, want string }{
		{"policy:\n  protection_day: 15\n", "line 2: unknown key policy.protection_day; did you mean protection_days?"},
		{"adr: 127.0.0.1:9000\n", "unknown key adr; did you mean addr?"},
		{"org:\n  teams:\n    - name: 一组\n      members:\n        - {id: u1, nmae: 甲}\n", "unknown key org.teams.*.members.*.nmae; did you mean name?"},
		{"wecom:\n  corp_id: ww1\n  secret: abc\n", "line 3: wecom.secret is a secret and does not belong in the file; set BAOBEI_WECOM_SECRET in the environment"},
		{"secret: abc\n", "set BAOBEI_SECRET in the environment"},
		{"dingtalk:\n  groups:\n    sales1: {conversation_id: c1, webhook: https://x}\n", "set BAOBEI_DINGTALK_ROBOTS"},
		{"db: mysql://root:hunter2@tcp(db:3306)/baobei\n", "set BAOBEI_DB=mysql://root:***@tcp(db:3306)/baobei"},
		{"db:\n  dsn: sqlite://x.db\n  max_open: 4\n", "did you mean max_open_conns?"},
		{"policy:\n  protection_days: \"15\"\n", "cannot unmarshal"},
		{"push:\n  zzzzzzzzzz: 1\n", "known keys here: concurrency, rate"},
		{"policy:\n  sla:\n    working_hours: 21:00-09:00\n", "policy.sla.working_hours"},
		{"policy:\n  sla:\n    first_contact: 2h\n    escalate_after: 0s\n", "escalate_after must be positive"},
		{"policy:\n  assignment:\n    strategy: random\n", "use round_robin or least_loaded"},
		{"public_url: crm.example.com\n", "public_url"},
		{"api:\n  rate: 0\n", "api.rate"},
		{"policy:\n  stages:\n    - {name: 初访}\n    - {name: 丢单, lost: true}\n", "exactly one with won: true"},
		{"policy:\n  win_probability: {方案: 50}\n", `policy.win_probability: "方案" is not an open stage`},
		{"policy:\n  fields:\n    - {key: 来源, type: text}\n", `"来源" is already a built-in key`},
		{"policy:\n  fields:\n    - {key: 城市, type: text}\n", `"城市" is already a built-in key`}, // an import header
		{"policy:\n  fields:\n    - {key: 团队, type: text}\n", `"团队" is already a built-in key`}, // an export column
		{"policy:\n  fields:\n    - {key: 面积, type: int}\n", "use number, text, date or choice"},
		{"policy:\n  fields:\n    - {key: 面积, type: number}\n  report:\n    required: [电话, 楼层]\n", `"楼层" is neither`},
		{"policy:\n  report:\n    required: [姓名]\n", "must name 电话"},
		{"policy:\n  stages:\n    - {name: 初访, required: [面积]}\n    - {name: 签单, won: true}\n    - {name: 丢单, lost: true}\n", `requires "面积"`},
	} {
		_, err := loadConfig("serve", []string{"--config", writeConfig(t, c.file)})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.file, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	cfg, err := loadConfig("serve", []string{"--config", writeConfig(t, "db:\n  max_open_conns: 4\n")})
	if err != nil || cfg.DB != "sqlite://baobei.db" || cfg.Pool.MaxOpen != 4 {
		t.Fatalf("db without dsn: %v %+v", err, cfg.Pool)
	}
}

func TestConfigEnvOverridesEveryScalar(t *testing.T) {
	path := writeConfig(t, "policy:\n  protection_days: 15\n  stale_days: {A: 3}\n")
	t.Setenv("BAOBEI_POLICY_PROTECTION_DAYS", "20")
	t.Setenv("BAOBEI_POLICY_APPROVAL_COMPANY", "false")
	t.Setenv("BAOBEI_POLICY_APPROVAL_GRADES", "A,B")
	t.Setenv("BAOBEI_POLICY_STALE_DAYS_A", "5")
	t.Setenv("BAOBEI_PUSH_RATE", "2.5")
	t.Setenv("BAOBEI_DB_MAX_IDLE_CONNS", "3")
	t.Setenv("BAOBEI_WECOM_CALLBACK_PATH", "/wx")
	t.Setenv("BAOBEI_POLICY_SLA_FIRST_CONTACT", "90m")
	t.Setenv("BAOBEI_PUBLIC_URL", "https://crm.example.com")
	cfg, err := loadConfig("serve", []string{"--config", path})
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Policy
	if p.ProtectionDays != 20 || p.Approval.Company || strings.Join(p.Approval.Grades, ",") != "A,B" || p.StaleDays["A"] != 5 ||
		cfg.Push.Rate != 2.5 || cfg.Pool.MaxIdle != 3 || cfg.WeCom.CallbackPath != "/wx" || p.SLA.FirstContact != 90*time.Minute ||
		cfg.PublicURL != "https://crm.example.com" {
		t.Fatalf("config = %+v", cfg)
	}
	t.Setenv("BAOBEI_POLICY_MAX_HELD", "many")
	if _, err := loadConfig("serve", []string{"--config", path}); err == nil || !strings.Contains(err.Error(), "BAOBEI_POLICY_MAX_HELD") {
		t.Fatalf("a bad number: %v", err)
	}
}

// TestConfigREADME holds the README's configuration block to the code:
// every key the file may hold is shown there.
func TestConfigREADME(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var readme string // the YAML blocks only
	for _, part := range strings.Split(string(b), "```yaml")[1:] {
		block, _, _ := strings.Cut(part, "```")
		readme += block
	}
	var walk func(rt reflect.Type, path string)
	walk = func(rt reflect.Type, path string) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || rt == reflect.TypeOf(time.Time{}) {
			return
		}
		for name, f := range yamlFields(rt) {
			if !strings.Contains(readme, name+":") {
				t.Errorf("README does not show the config key %s%s", path, name)
			}
			walk(f.Type, path+name+".")
		}
	}
	walk(reflect.TypeOf(Config{}), "")
}

// A default stage renamed in policy.stages (its old name kept as an alias)
// keeps its win probability; names are used trimmed.
func TestConfigRenamedStage(t *testing.T) {
	t.Cleanup(func() { baobei.UseStages(baobei.DefaultStages()) })
	cfg, err := loadConfig("serve", []string{"--config", writeConfig(t, `policy:
  stages:
    - {name: 新线索}
    - {name: " 方案", aliases: [报价], required: [金额]}
    - {name: 已成交, won: true}
    - {name: 已流失, lost: true}
`)})
	if err != nil {
		t.Fatal(err)
	}
	wp := cfg.Policy.WinProbability
	if wp["方案"] != 60 || len(wp) != 2 {
		t.Errorf("win_probability = %v, want 新线索 5 and 方案 60 (报价's)", wp)
	}
	if cfg.Policy.Stages[1].Name != "方案" {
		t.Errorf("stage name %q, want it trimmed", cfg.Policy.Stages[1].Name)
	}
}
