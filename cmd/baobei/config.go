package main

import (
	"baobei/api"
	"baobei/bot"
	"baobei/importer"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"baobei"
	"baobei/bot/dingtalk"
	"baobei/bot/wecom"
	"baobei/store"

	"github.com/go-sql-driver/mysql"
	"gopkg.in/yaml.v3"
)

// Config is baobei.yaml overridden by BAOBEI_* environment variables and
// flags. Secrets come from the environment only.
type Config struct {
	DB        string          `yaml:"-"`  // the DSN: db (a string) or db.dsn in the file
	DBFile    dbSection       `yaml:"db"` // as written in the file
	Addr      string          `yaml:"addr"`
	PublicURL string          `yaml:"public_url"` // how users reach the service from their phones (导出 links)
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
	API       api.Config      `yaml:"api"`

	secret string   // BAOBEI_SECRET: signs card buttons; generated and stored when empty
	args   []string // what the flags left (a subcommand's arguments)
}

// dbSection is the file's db: a DSN, or {dsn, max_open_conns, max_idle_conns}.
type dbSection struct {
	DSN     string `yaml:"dsn"`
	MaxOpen int    `yaml:"max_open_conns"`
	MaxIdle int    `yaml:"max_idle_conns"`
}

func (d *dbSection) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&d.DSN)
	}
	type plain dbSection
	return n.Decode((*plain)(d))
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
	return Config{DBFile: dbSection{DSN: "sqlite://baobei.db"}, Addr: "127.0.0.1:8080", Timezone: "Asia/Shanghai", Policy: baobei.DefaultPolicy(),
		Push: PushConfig{Concurrency: 8}, API: api.Config{Rate: 10, Burst: 20}}
}

// loadConfig reads the file named by --config or BAOBEI_CONFIG (default
// ./baobei.yaml, optional), then the environment, then the flags; more
// declares a subcommand's own flags, and cfg.args keeps the arguments left.
func loadConfig(name string, args []string, more ...func(*flag.FlagSet)) (Config, error) {
	cfg := defaultConfig()
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	for _, m := range more {
		m(fl)
	}
	path := fl.String("config", envOr("BAOBEI_CONFIG", "baobei.yaml"), "config file (optional)")
	db := fl.String("db", "", "database: sqlite:///path/baobei.db or mysql://user:pass@tcp(host:3306)/db (env BAOBEI_DB)")
	addr := fl.String("addr", "", "listen address (env BAOBEI_ADDR)")
	for rest := args; ; { // flags may come before or after the arguments (import FILE --dry-run)
		if err := fl.Parse(rest); err != nil {
			return cfg, err
		}
		if rest = fl.Args(); len(rest) == 0 {
			break
		}
		cfg.args, rest = append(cfg.args, rest[0]), rest[1:]
	}
	if err := readYAML(*path, &cfg); err != nil {
		return cfg, err
	}
	if err := overrideFromEnv(reflect.ValueOf(&cfg).Elem(), "BAOBEI"); err != nil {
		return cfg, err
	}
	cfg.DB, cfg.Pool = cfg.DBFile.DSN, store.Pool{MaxOpen: cfg.DBFile.MaxOpen, MaxIdle: cfg.DBFile.MaxIdle}
	if err := readSecrets(&cfg); err != nil {
		return cfg, err
	}
	if *db != "" {
		cfg.DB = *db
	}
	if *addr != "" {
		cfg.Addr = *addr
	}
	return cfg, cfg.finish()
}

// readYAML decodes the file strictly: an unknown key is an error naming the
// closest known one, and a secret is refused with its environment variable.
func readYAML(path string, cfg *Config) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	if err := checkKeys(doc.Content[0], reflect.TypeOf(*cfg), ""); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := doc.Decode(cfg); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if dsn, err := mysql.ParseDSN(strings.TrimPrefix(cfg.DBFile.DSN, "mysql://")); err == nil && dsn.Passwd != "" && strings.HasPrefix(cfg.DBFile.DSN, "mysql://") {
		return fmt.Errorf("%s: db holds a password; keep the DSN out of the file and set BAOBEI_DB=%s in the environment", path, redact(cfg.DBFile.DSN))
	}
	return nil
}

// secretKeys are keys a user may write into the file that must come from
// the environment instead (* stands for any map key or list item).
var secretKeys = map[string]string{
	"secret": "BAOBEI_SECRET", "console.password": "BAOBEI_CONSOLE_PASSWORD",
	"wecom.secret": "BAOBEI_WECOM_SECRET", "wecom.token": "BAOBEI_WECOM_TOKEN", "wecom.aes_key": "BAOBEI_WECOM_AES_KEY",
	"wecom.encoding_aes_key": "BAOBEI_WECOM_AES_KEY", "wecom.robots": "BAOBEI_WECOM_ROBOTS",
	"dingtalk.client_secret": "BAOBEI_DINGTALK_CLIENT_SECRET", "dingtalk.app_secret": "BAOBEI_DINGTALK_CLIENT_SECRET",
	"dingtalk.robots": "BAOBEI_DINGTALK_ROBOTS", "dingtalk.groups.*.webhook": "BAOBEI_DINGTALK_ROBOTS",
	"dingtalk.groups.*.secret": "BAOBEI_DINGTALK_ROBOTS",
}

// checkKeys walks a YAML node along the Go type it will decode into and
// reports every key the type does not have.
func checkKeys(n *yaml.Node, t reflect.Type, path string) error {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var errs []error
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			f, ok := fields[k.Value]
			if ok {
				errs = append(errs, checkKeys(n.Content[i+1], f.Type, path+k.Value+"."))
				continue
			}
			key := path + k.Value
			if env, secret := secretKeys[key]; secret {
				errs = append(errs, fmt.Errorf("line %d: %s is a secret and does not belong in the file; set %s in the environment", k.Line, key, env))
			} else {
				errs = append(errs, fmt.Errorf("line %d: unknown key %s%s", k.Line, key, closest(k.Value, fields)))
			}
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			errs = append(errs, checkKeys(n.Content[i], t.Elem(), path+"*."))
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for _, c := range n.Content {
			errs = append(errs, checkKeys(c, t.Elem(), path+"*."))
		}
	}
	return errors.Join(errs...)
}

// yamlFields maps a struct's YAML keys to its fields (yaml.v3's naming:
// the tag's name, else the lower-cased field name; "-" and unexported skipped).
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	m := map[string]reflect.StructField{}
	for _, f := range reflect.VisibleFields(t) {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = f
	}
	return m
}

// closest suggests the known key nearest to an unknown one.
func closest(key string, fields map[string]reflect.StructField) string {
	best, dist := "", 0
	for k := range fields {
		d := editDistance(key, k)
		if d > max(len(key), len(k))/2 {
			continue // too far to be a typo of it
		}
		if best == "" || d < dist || d == dist && k < best {
			best, dist = k, d
		}
	}
	if best == "" {
		known := slices.Sorted(maps.Keys(fields))
		return " (known keys here: " + strings.Join(known, ", ") + ")"
	}
	return "; did you mean " + best + "?"
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	row := make([]int, len(rb)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		prev := row[0]
		row[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			prev, row[j] = row[j], min(row[j]+1, row[j-1]+1, prev+cost)
		}
	}
	return row[len(rb)]
}

// overrideFromEnv sets every scalar setting from BAOBEI_<PATH> (the YAML
// path upper-cased, dots as underscores: BAOBEI_POLICY_PROTECTION_DAYS);
// lists are comma-separated, and a map of scalars takes one variable per
// key (BAOBEI_POLICY_STALE_DAYS_A=5).
func overrideFromEnv(v reflect.Value, prefix string) error {
	var errs []error
	for name, f := range yamlFields(v.Type()) {
		fv, env := v.FieldByIndex(f.Index), prefix+"_"+strings.ToUpper(name)
		switch {
		case fv.Kind() == reflect.Struct:
			errs = append(errs, overrideFromEnv(fv, env))
		case fv.Kind() == reflect.Map && isScalar(fv.Type().Elem().Kind()) && fv.Type().Key().Kind() == reflect.String:
			for _, kv := range os.Environ() {
				k, val, _ := strings.Cut(kv, "=")
				key, ok := strings.CutPrefix(k, env+"_")
				if !ok || key == "" {
					continue
				}
				if fv.IsNil() {
					fv.Set(reflect.MakeMap(fv.Type()))
				}
				e := reflect.New(fv.Type().Elem()).Elem()
				errs = append(errs, setScalar(e, k, val))
				fv.SetMapIndex(reflect.ValueOf(key).Convert(fv.Type().Key()), e)
			}
		case fv.Kind() == reflect.Slice && isScalar(fv.Type().Elem().Kind()):
			if val, ok := os.LookupEnv(env); ok {
				items := strings.FieldsFunc(val, func(r rune) bool { return r == ',' || r == '，' })
				list := reflect.MakeSlice(fv.Type(), len(items), len(items))
				for i, it := range items {
					errs = append(errs, setScalar(list.Index(i), env, strings.TrimSpace(it)))
				}
				fv.Set(list)
			}
		case isScalar(fv.Kind()):
			if val, ok := os.LookupEnv(env); ok && val != "" {
				errs = append(errs, setScalar(fv, env, val))
			}
		}
	}
	return errors.Join(errs...)
}

func isScalar(k reflect.Kind) bool {
	switch k {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Float64:
		return true
	}
	return false
}

func setScalar(v reflect.Value, env, s string) error {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%s: %q is not true or false", env, s)
		}
		v.SetBool(b)
	case reflect.Int64:
		if v.Type() != reflect.TypeOf(time.Duration(0)) {
			return setInt(v, env, s)
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%s: %q is not a duration (write 2h, 90m)", env, s)
		}
		v.SetInt(int64(d))
	case reflect.Int:
		return setInt(v, env, s)
	case reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%s: %q is not a number", env, s)
		}
		v.SetFloat(f)
	}
	return nil
}

func setInt(v reflect.Value, env, s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("%s: %q is not a whole number", env, s)
	}
	v.SetInt(n)
	return nil
}

// readSecrets takes the secrets, and the DSN that may carry one, from the
// environment; they never come from the file.
func readSecrets(cfg *Config) error {
	for env, dst := range map[string]*string{"BAOBEI_DB": &cfg.DB, "BAOBEI_SECRET": &cfg.secret, "BAOBEI_CONSOLE_PASSWORD": &cfg.Console.password,
		"BAOBEI_WECOM_SECRET": &cfg.WeCom.Secret, "BAOBEI_WECOM_TOKEN": &cfg.WeCom.Token, "BAOBEI_WECOM_AES_KEY": &cfg.WeCom.AESKey,
		"BAOBEI_DINGTALK_CLIENT_SECRET": &cfg.DingTalk.ClientSecret} {
		if v := os.Getenv(env); v != "" {
			*dst = v
		}
	}
	robots, err := keyValues(os.Getenv("BAOBEI_WECOM_ROBOTS"))
	if err != nil {
		return fmt.Errorf("BAOBEI_WECOM_ROBOTS: %w", err)
	}
	cfg.WeCom.Robots = robots
	if err := cfg.DingTalk.AddRobots(os.Getenv("BAOBEI_DINGTALK_ROBOTS")); err != nil {
		return fmt.Errorf("BAOBEI_DINGTALK_ROBOTS: %w", err)
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
	if u, err := url.Parse(c.PublicURL); c.PublicURL != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
		return fmt.Errorf("public_url %q: write the address users open, e.g. https://crm.example.com", c.PublicURL)
	}
	if c.API.Rate <= 0 || c.API.Burst < 1 {
		return errors.New("api.rate (requests a second per token) and api.burst must be positive")
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
	if p.ProtectionDays < 1 || p.MaxHeld < 1 || p.MaxClaimsPerDay < 1 || p.ReclaimCooldown < 0 || p.NameMaxRunes < 1 || p.ContentMaxRunes < 1 || p.FieldMaxRunes < 1 || p.WarnDays < 1 {
		return errors.New("policy: protection_days, max_held, max_claims_per_day, name_max, content_max, field_max and warn_days must be positive")
	}
	if v := p.Visits; v.RemindMinutes < 0 || v.CheckinBefore < 0 || v.CheckinAfter < 1 || v.ReportHours < 1 || v.EscalateHours < 1 {
		return errors.New("policy.visits: checkin_after_hours, report_hours and escalate_hours must be positive; remind_before_minutes and checkin_before_hours must not be negative")
	}
	for g, v := range p.Visits.Cadence {
		if _, ok := p.Visits.CadenceDays(g); !ok {
			return fmt.Errorf("policy.visits.cadence.%s: %q is not a number of days (write 30d)", g, v)
		}
	}
	if err := checkAssignment(p.Assignment, c.Org); err != nil {
		return err
	}
	if _, _, err := p.SLA.Hours(); err != nil {
		return err
	}
	if p.SLA.FirstContact < 0 || (p.SLA.FirstContact > 0 && p.SLA.EscalateAfter <= 0) {
		return errors.New("policy.sla: first_contact must not be negative (0 turns the rule off) and escalate_after must be positive (write 2h, 1h, 30m)")
	}
	if err := c.Policy.RFM.Compile(); err != nil { // compiles the rules in place (the slice is shared)
		return err
	}
	if err := baobei.UseFields(p.Fields, func(k string) bool { return bot.IsKey(k) || importer.IsHeader(k) }); err != nil {
		return err
	}
	if err := p.Report.Check(); err != nil {
		return err
	}
	if err := useStages(&c.Policy); err != nil {
		return err
	}
	if p.Care.RevisitDays < 0 {
		return errors.New("policy.care.revisit_days must not be negative (0: no 回访)")
	}
	for _, f := range p.Visits.ReportRequired {
		if !slices.Contains(baobei.VisitFields, f) {
			return fmt.Errorf("policy.visits.report_required: %q is no report field (%s)", f, strings.Join(baobei.VisitFields, " "))
		}
	}
	return nil
}

// useStages makes policy.stages the stages in use and drops from
// policy.win_probability the default stages the list no longer has; a
// configured stage name it does not know is an error.
func useStages(p *baobei.Policy) error {
	if err := baobei.UseStages(p.Stages, baobei.FieldKeys()...); err != nil {
		return err
	}
	defaults := baobei.DefaultPolicy().WinProbability
	for _, d := range p.Stages { // a default stage renamed (its old name an alias) keeps its probability
		for _, a := range d.Aliases {
			if pct, ok := defaults[baobei.Stage(a)]; ok && p.WinProbability[d.Name] == 0 && !d.Won && !d.Lost {
				p.WinProbability[d.Name] = pct
			}
		}
	}
	for st, pct := range p.WinProbability {
		if slices.Contains(baobei.FunnelStages(), st) && st != baobei.StageWon {
			continue
		}
		if d, ok := defaults[st]; !ok || d != pct {
			return fmt.Errorf("policy.win_probability: %q is not an open stage of policy.stages (%s)", st, baobei.StageList())
		}
		delete(p.WinProbability, st)
	}
	return nil
}

// checkAssignment refuses an unknown strategy and rules naming no team of
// the org (by code or name).
func checkAssignment(a baobei.AssignmentPolicy, org *baobei.Org) error {
	if a.Strategy != baobei.RoundRobin && a.Strategy != baobei.LeastLoaded {
		return fmt.Errorf("policy.assignment.strategy %q: use %s or %s", a.Strategy, baobei.RoundRobin, baobei.LeastLoaded)
	}
	if a.MaxPerDay < 0 {
		return errors.New("policy.assignment.max_per_day must not be negative (0: no cap)")
	}
	o := baobei.DemoOrg()
	if org != nil {
		o = *org
	}
	for _, name := range a.Teams() {
		if !slices.ContainsFunc(o.Teams, func(t baobei.OrgTeam) bool { return t.TeamCode() == name || t.Name == name }) {
			return fmt.Errorf("policy.assignment: team %q is not in org.teams (use a team's code or name)", name)
		}
	}
	return nil
}

// openAction reads `baobei NAME ACTION [flags] [args]`: the action, the
// config with the action's flags, and the store it names.
func openAction(ctx context.Context, name, usage string, args []string, flags func(action string, fl *flag.FlagSet)) (string, Config, *store.Store, error) {
	if len(args) == 0 {
		return "", Config{}, nil, fmt.Errorf("%s", usage)
	}
	action, args := args[0], args[1:]
	cfg, err := loadConfig(name+" "+action, args, func(fl *flag.FlagSet) { flags(action, fl) })
	if err != nil {
		return action, cfg, nil, err
	}
	s, err := store.Open(ctx, cfg.DB, cfg.Policy)
	return action, cfg, s, err
}

// numberArg reads the one argument of `baobei NAME ACTION T1` as a number
// with or without its letter.
func numberArg(args []string, letter, name, action, usage string) (int64, error) {
	if len(args) != 1 {
		return 0, fmt.Errorf("请给出 %s 编号，例如 baobei %s %s %s1。%s", name, name, action, letter, usage)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(args[0]), letter), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s 编号“%s”不是数字；用 baobei %s list 查看编号", name, args[0], name)
	}
	return id, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
