package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"baobei"
	"baobei/bot/dingtalk"
	"baobei/bot/wecom"
	"baobei/store"

	"gopkg.in/yaml.v3"
)

// Config is baobei.yaml overridden by BAOBEI_* environment variables and
// flags. Secrets come from the environment only.
type Config struct {
	DB        string          `yaml:"-"`  // the DSN: db (a string) or db.dsn in the file
	DBFile    dbSection       `yaml:"db"` // as written in the file
	Addr      string          `yaml:"addr"`
	Timezone  string          `yaml:"timezone"`
	LogFormat string          `yaml:"log_format"` // text or json; "" (default): text on a terminal, else json
	ChartFont string          `yaml:"chart_font"` // a font with Chinese glyphs for the funnel picture
	Policy    baobei.Policy   `yaml:"policy"`
	Org       *baobei.Org     `yaml:"org"`
	WeCom     wecom.Config    `yaml:"wecom"`
	DingTalk  dingtalk.Config `yaml:"dingtalk"`
	Console   ConsoleConfig   `yaml:"console"`
	Pool      store.Pool      `yaml:"-"` // db.max_open_conns, db.max_idle_conns
	Push      PushConfig      `yaml:"push"`

	secret string // BAOBEI_SECRET: signs card buttons; generated and stored when empty
}

// dbSection is the file's db: a DSN, or {dsn, max_open_conns, max_idle_conns}.
type dbSection struct {
	DSN  string `yaml:"dsn"`
	Pool store.Pool
}

func (d *dbSection) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&d.DSN)
	}
	var v struct {
		DSN     string `yaml:"dsn"`
		MaxOpen int    `yaml:"max_open_conns"`
		MaxIdle int    `yaml:"max_idle_conns"`
	}
	if err := n.Decode(&v); err != nil {
		return err
	}
	d.DSN, d.Pool = v.DSN, store.Pool{MaxOpen: v.MaxOpen, MaxIdle: v.MaxIdle}
	return nil
}

// PushConfig tunes the pusher.
type PushConfig struct {
	Concurrency int     `yaml:"concurrency"` // sends in flight at once (default 8)
	Rate        float64 `yaml:"rate"`        // platform API calls a second; 0: the platform's default
}

// ConsoleConfig: the console is on when no platform is configured; with one,
// only when enabled (and then on loopback or behind a password).
type ConsoleConfig struct {
	Enabled  bool `yaml:"enabled"`
	password string
}

func defaultConfig() Config {
	return Config{DB: "sqlite://baobei.db", Addr: "127.0.0.1:8080", Timezone: "Asia/Shanghai", Policy: baobei.DefaultPolicy(),
		Push: PushConfig{Concurrency: 8}}
}

// loadConfig reads the file named by --config or BAOBEI_CONFIG (default
// ./baobei.yaml, optional), then the environment, then the flags.
func loadConfig(name string, args []string) (Config, error) {
	cfg := defaultConfig()
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	path := fl.String("config", envOr("BAOBEI_CONFIG", "baobei.yaml"), "config file (optional)")
	db := fl.String("db", "", "database: sqlite:///path/baobei.db or mysql://user:pass@tcp(host:3306)/db (env BAOBEI_DB)")
	addr := fl.String("addr", "", "listen address (env BAOBEI_ADDR)")
	if err := fl.Parse(args); err != nil {
		return cfg, err
	}
	if err := readYAML(*path, &cfg); err != nil {
		return cfg, err
	}
	if cfg.DBFile.DSN != "" {
		cfg.DB = cfg.DBFile.DSN
	}
	cfg.Pool = cfg.DBFile.Pool
	for env, dst := range map[string]*string{"BAOBEI_DB": &cfg.DB, "BAOBEI_ADDR": &cfg.Addr, "BAOBEI_TIMEZONE": &cfg.Timezone,
		"BAOBEI_LOG_FORMAT": &cfg.LogFormat, "BAOBEI_CHART_FONT": &cfg.ChartFont, "BAOBEI_SECRET": &cfg.secret, "BAOBEI_CONSOLE_PASSWORD": &cfg.Console.password,
		"BAOBEI_WECOM_CORP_ID": &cfg.WeCom.CorpID, "BAOBEI_WECOM_API_BASE": &cfg.WeCom.APIBase,
		"BAOBEI_WECOM_SECRET": &cfg.WeCom.Secret, "BAOBEI_WECOM_TOKEN": &cfg.WeCom.Token, "BAOBEI_WECOM_AES_KEY": &cfg.WeCom.AESKey,
		"BAOBEI_DINGTALK_CLIENT_ID": &cfg.DingTalk.ClientID, "BAOBEI_DINGTALK_CLIENT_SECRET": &cfg.DingTalk.ClientSecret,
		"BAOBEI_DINGTALK_API_BASE": &cfg.DingTalk.APIBase} {
		if v := os.Getenv(env); v != "" {
			*dst = v
		}
	}
	robots, err := keyValues(os.Getenv("BAOBEI_WECOM_ROBOTS"))
	if err != nil {
		return cfg, fmt.Errorf("BAOBEI_WECOM_ROBOTS: %w", err)
	}
	cfg.WeCom.Robots = robots
	if err := cfg.DingTalk.AddRobots(os.Getenv("BAOBEI_DINGTALK_ROBOTS")); err != nil {
		return cfg, fmt.Errorf("BAOBEI_DINGTALK_ROBOTS: %w", err)
	}
	for env, dst := range map[string]*int{"BAOBEI_DB_MAX_OPEN_CONNS": &cfg.Pool.MaxOpen, "BAOBEI_DB_MAX_IDLE_CONNS": &cfg.Pool.MaxIdle,
		"BAOBEI_PUSH_CONCURRENCY": &cfg.Push.Concurrency} {
		if v := os.Getenv(env); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return cfg, fmt.Errorf("%s: %q is not a number", env, v)
			}
			*dst = n
		}
	}
	if *db != "" {
		cfg.DB = *db
	}
	if *addr != "" {
		cfg.Addr = *addr
	}
	return cfg, cfg.finish()
}

func readYAML(path string, cfg *Config) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, cfg); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// keyValues parses "sales1=KEY1,sales2=KEY2".
func keyValues(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, kv := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%q is not chat=key", kv)
		}
		m[k] = v
	}
	return m, nil
}

// finish resolves the time zone and checks the policy and the platform.
func (c *Config) finish() error {
	if c.WeCom.Configured() && c.DingTalk.Configured() {
		return errors.New("configure one platform: wecom or dingtalk, not both")
	}
	if c.DingTalk.Configured() {
		if err := c.DingTalk.Validate(); err != nil {
			return err
		}
	}
	if w := c.WeCom; w.Configured() && (w.AgentID == 0 || w.Secret == "" || w.Token == "" || len(w.AESKey) != 43) {
		return errors.New("wecom: corp_id needs agent_id, and BAOBEI_WECOM_SECRET, BAOBEI_WECOM_TOKEN and a 43-character BAOBEI_WECOM_AES_KEY")
	}
	if c.Push.Concurrency < 1 || c.Push.Rate < 0 || c.Pool.MaxOpen < 0 || c.Pool.MaxIdle < 0 {
		return errors.New("push.concurrency must be positive; push.rate, db.max_open_conns and db.max_idle_conns must not be negative")
	}
	if c.LogFormat != "" && c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("log_format %q: use text or json", c.LogFormat)
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return fmt.Errorf("timezone %q: %w", c.Timezone, err)
	}
	c.Policy.Loc = loc
	p := c.Policy
	if p.ProtectionDays < 1 || p.MaxHeld < 1 || p.MaxClaimsPerDay < 1 || p.ReclaimCooldown < 0 || p.NameMaxRunes < 1 || p.ContentMaxRunes < 1 || p.FieldMaxRunes < 1 {
		return errors.New("policy: protection_days, max_held, max_claims_per_day, name_max, content_max and field_max must be positive")
	}
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
