package main

import (
	"baobei/api"
	"baobei/dash"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/bot/console"
	"baobei/bot/dingtalk"
	"baobei/bot/wecom"
	"baobei/cards"
	"baobei/handlers"
	"baobei/scheduler"
	"baobei/store"

	"github.com/gin-gonic/gin"
	"github.com/go-sql-driver/mysql"
)

// app is the wired service: store, router, channels, worker, pusher and the
// HTTP handler.
type app struct {
	store   *store.Store
	router  *bot.Router
	pusher  *bot.Pusher
	worker  *bot.Worker
	sched   *scheduler.Scheduler
	stream  func(ctx context.Context) error // the DingTalk stream, when configured
	ding    *dingtalk.Adapter               // the DingTalk channel, when configured
	ready   func() error                    // nil when the platform connection is up
	clock   *baobei.OffsetClock
	handler http.Handler
	console bool // the console is served
	log     *slog.Logger
}

// newApp opens the store and wires everything.
func newApp(ctx context.Context, cfg Config, log *slog.Logger) (*app, error) {
	if err := requireSecret(cfg); err != nil {
		return nil, err // before the database is touched
	}
	s, err := store.OpenPool(ctx, cfg.DB, cfg.Policy, cfg.Pool)
	if err != nil {
		return nil, err
	}
	a, err := wire(ctx, cfg, s, log)
	if err != nil {
		s.Close()
	}
	return a, err
}

// wire builds the service on s. With a platform configured, pushes go to
// the platform and the console is off unless enabled (then loopback only or
// behind console.password); with none, the console is the channel and its
// clock can be moved.
func wire(ctx context.Context, cfg Config, s *store.Store, log *slog.Logger) (*app, error) {
	platform := cfg.WeCom.Configured() || cfg.DingTalk.Configured()
	clock := &baobei.OffsetClock{}
	if !platform {
		var err error
		if clock, err = consoleClock(ctx, s); err != nil {
			return nil, err
		}
	}
	router, org, signer, err := newRouter(ctx, cfg, s, clock, log)
	if err != nil {
		return nil, err
	}
	a := &app{store: s, router: router, clock: clock, log: log, ready: func() error { return nil }}
	engine := newEngine(a)
	api.New(s, clock, cfg.Policy, signer, cfg.API, log).Mount(engine)
	dash.New(s, clock, cfg.Policy, signer, publicURL(cfg), chartFont(cfg.ChartFont), log).Mount(engine)
	con := console.New(s, clock, cfg.Policy)
	var out bot.Adapter = con
	switch {
	case cfg.WeCom.Configured():
		wc := wecom.New(cfg.WeCom, (*lazyWorker)(a), log)
		wc.Mount(engine, router)
		if org.AutoRegister {
			router.SetNameLookup("wecom", wc.UserName)
		}
		out = wc
	case cfg.DingTalk.Configured():
		dt := dingtalk.New(cfg.DingTalk, (*lazyWorker)(a), log)
		dt.Signatures = s
		dt.Mount(engine, router)
		out, a.stream, a.ding = dt, dt.Start, dt
		if cfg.DingTalk.Mode != "http" {
			a.ready = dt.StreamReady
		}
	}
	a.pusher = bot.NewPusher(s, out, clock, log, cfg.Push.Rate)
	a.pusher.Concurrency = cfg.Push.Concurrency
	a.pusher.Hooks = &bot.Webhooks{Store: s}
	s.OnQueued(a.pusher.Wake)
	a.worker = bot.NewWorker(s, router, clock, log)
	a.sched = scheduler.New(s, clock, log, scheduler.Jobs(s, cfg.Policy, funnelChart(cfg.ChartFont, log))...)
	if err := mountConsole(engine, cfg, platform, con, a, router); err != nil {
		return nil, err
	}
	a.handler = engine
	return a, nil
}

// lazyWorker lets the platform adapter be built before the worker it feeds.
type lazyWorker app

func (l *lazyWorker) Accept(ctx context.Context, m bot.Message) (bool, error) {
	return l.worker.Accept(ctx, m)
}

func newRouter(ctx context.Context, cfg Config, s *store.Store, clock baobei.Clock, log *slog.Logger) (*bot.Router, baobei.Org, *cards.Signer, error) {
	org := orgOf(cfg)
	if err := s.SyncOrg(ctx, org, clock.Now()); err != nil {
		return nil, org, nil, fmt.Errorf("org: %w", err)
	}
	secret, err := cardSecret(ctx, cfg, s)
	if err != nil {
		return nil, org, nil, err
	}
	signer, err := cards.NewSigner(secret)
	if err != nil {
		return nil, org, nil, fmt.Errorf("BAOBEI_SECRET: %w", err)
	}
	router := bot.NewRouter(s, clock, cfg.Policy, signer, org.AutoRegister, log)
	handlers.Register(router, cfg.Policy, signer, publicURL(cfg))
	return router, org, signer, nil
}

// requireSecret refuses a platform without BAOBEI_SECRET: the card-signing
// secret would otherwise live in the database (settings.card_secret), where
// whoever reads a backup or the SQLite file could sign any button tap.
func requireSecret(cfg Config) error {
	if cfg.secret == "" && (cfg.WeCom.Configured() || cfg.DingTalk.Configured()) {
		return errors.New("BAOBEI_SECRET is required with WeCom or DingTalk configured (it signs card buttons); " +
			"generate one with `openssl rand -hex 32` and set it in the environment of every replica / " +
			"配置了企业微信或钉钉时必须设置 BAOBEI_SECRET：用 openssl rand -hex 32 生成，每个副本设置相同的值")
	}
	return nil
}

// cardSecret is BAOBEI_SECRET, or, in a console-only setup without it, a
// secret generated once and kept in the database.
func cardSecret(ctx context.Context, cfg Config, s *store.Store) ([]byte, error) {
	if err := requireSecret(cfg); err != nil {
		return nil, err
	}
	if cfg.secret != "" {
		return []byte(cfg.secret), nil
	}
	return s.Secret(ctx, "card_secret")
}

// newEngine serves the operator's endpoints: /healthz (the process is
// alive), /readyz (the database answers within a second and the platform
// stream, where used, is connected) and /metrics.
func newEngine(a *app) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.Use(gin.Recovery())
	engine.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	engine.GET("/readyz", func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), time.Second)
		defer cancel()
		if err := a.store.Ping(ctx); err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"ok": false, "error": "database: " + err.Error()})
			return
		}
		if err := a.ready(); err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"ok": false, "error": err.Error()})
			return
		}
		c.JSON(http.StatusOK, gin.H{"ok": true})
	})
	engine.GET("/metrics", gin.WrapH(metricsHandler(a)))
	return engine
}

// mountConsole serves the console when it is allowed (see wire).
func mountConsole(engine *gin.Engine, cfg Config, platform bool, con *console.Adapter, a *app, router *bot.Router) error {
	if platform && !cfg.Console.Enabled {
		return nil
	}
	a.console = true
	con.Pusher = a.pusher
	var r gin.IRouter = engine
	switch {
	case cfg.Console.password != "":
		r = engine.Group("", gin.BasicAuth(gin.Accounts{"admin": cfg.Console.password}))
	case platform && !loopback(cfg.Addr):
		return errors.New("console.enabled with a platform configured needs a loopback addr or BAOBEI_CONSOLE_PASSWORD: anyone on the console can act as anyone")
	}
	if !platform {
		con.ClockControl, con.OnAdvance = a.clock, a.sched.RunDue
	}
	engine.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/console") })
	con.Mount(r, router)
	return nil
}

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	return err == nil && (host == "localhost" || (ip != nil && ip.IsLoopback()))
}

// funnelChart draws the weekly funnel with a CJK font (chart_font, or one
// of the usual Debian fonts); without one the summaries are text only.
// publicURL is public_url; in console-only mode without one, the console's
// own address, so that 看板 and 导出 links open from the console directly.
func publicURL(cfg Config) string {
	if cfg.PublicURL != "" || cfg.WeCom.Configured() || cfg.DingTalk.Configured() {
		return cfg.PublicURL
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return ""
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// chartFont is the dashboard charts' font: chart_font, else the first
// TrueType CJK font found (go-analyze/charts reads TrueType, not CFF); nil:
// the library's own, with Chinese measured roughly.
func chartFont(path string) []byte {
	for _, p := range append([]string{path}, cards.CJKFonts...) {
		if b, err := os.ReadFile(p); p != "" && err == nil && dash.CanUseFont(b) {
			return b
		}
	}
	return nil
}

func funnelChart(path string, log *slog.Logger) scheduler.Chart {
	f := cards.LoadFonts(path)
	if f.CJK == nil {
		log.Warn("no readable CJK font: weekly summaries go out as text only (apt-get install fonts-droid-fallback, or set chart_font)", "chart_font", path)
		return nil
	}
	return func(title string, st *baobei.Stats) []byte {
		png, err := cards.FunnelPNG(title, st, f)
		if err != nil {
			log.Error("funnel chart", "err", err)
		}
		return png
	}
}

// consoleClock restores the console clock's offset, so that a restart does
// not move time backwards under customers reported in the "future".
func consoleClock(ctx context.Context, s *store.Store) (*baobei.OffsetClock, error) {
	clock := &baobei.OffsetClock{}
	v, ok, err := s.Setting(ctx, console.ClockSetting)
	if err != nil || !ok {
		return clock, err
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return nil, fmt.Errorf("setting %s: %w", console.ClockSetting, err)
	}
	clock.SetOffset(d)
	return clock, nil
}

func (a *app) Close() error { return a.store.Close() }

// redact hides the password in a DSN for logs.
func redact(dsn string) string {
	rest, ok := strings.CutPrefix(dsn, "mysql://")
	if !ok {
		return dsn
	}
	cfg, err := mysql.ParseDSN(rest)
	if err != nil {
		return "mysql://(unparsable DSN)"
	}
	if cfg.Passwd != "" {
		cfg.Passwd = "***"
	}
	return "mysql://" + cfg.FormatDSN()
}

// orgOf is the configured org, or the demo org without one.
func orgOf(cfg Config) baobei.Org {
	if cfg.Org != nil {
		return *cfg.Org
	}
	return baobei.DemoOrg()
}
