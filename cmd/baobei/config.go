package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"time"

	"baobei"

	"gopkg.in/yaml.v3"
)

// Config is baobei.yaml overridden by BAOBEI_* environment variables and
// flags. Secrets come from the environment only.
type Config struct {
	DB        string        `yaml:"db"`
	Addr      string        `yaml:"addr"`
	Timezone  string        `yaml:"timezone"`
	LogFormat string        `yaml:"log_format"` // json (default) or text
	Policy    baobei.Policy `yaml:"policy"`
	Org       *baobei.Org   `yaml:"org"`

	secret string // BAOBEI_SECRET: signs card buttons; generated and stored when empty
}

func defaultConfig() Config {
	return Config{DB: "sqlite://baobei.db", Addr: "127.0.0.1:8080", Timezone: "Asia/Shanghai", LogFormat: "json", Policy: baobei.DefaultPolicy()}
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
	for env, dst := range map[string]*string{"BAOBEI_DB": &cfg.DB, "BAOBEI_ADDR": &cfg.Addr, "BAOBEI_TIMEZONE": &cfg.Timezone,
		"BAOBEI_LOG_FORMAT": &cfg.LogFormat, "BAOBEI_SECRET": &cfg.secret} {
		if v := os.Getenv(env); v != "" {
			*dst = v
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

// finish resolves the time zone and checks the policy.
func (c *Config) finish() error {
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
