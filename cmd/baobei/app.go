package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/bot/console"
	"baobei/cards"
	"baobei/handlers"
	"baobei/store"

	"github.com/gin-gonic/gin"
	"github.com/go-sql-driver/mysql"
)

// app is the wired service: store, router, adapters, pusher and HTTP handler.
type app struct {
	store   *store.Store
	router  *bot.Router
	pusher  *bot.Pusher
	console *console.Adapter
	clock   baobei.Clock
	handler http.Handler
}

// newApp wires everything. With no platform configured (the only mode so
// far) the console is the channel and its clock can be moved.
func newApp(ctx context.Context, cfg Config, log *slog.Logger) (*app, error) {
	s, err := store.Open(ctx, cfg.DB, cfg.Policy)
	if err != nil {
		return nil, err
	}
	a, err := wire(ctx, cfg, s, log)
	if err != nil {
		s.Close()
	}
	return a, err
}

func wire(ctx context.Context, cfg Config, s *store.Store, log *slog.Logger) (*app, error) {
	clock, err := consoleClock(ctx, s)
	if err != nil {
		return nil, err
	}
	org := baobei.DemoOrg()
	if cfg.Org != nil {
		org = *cfg.Org
	}
	if err := s.SyncOrg(ctx, org, clock.Now()); err != nil {
		return nil, fmt.Errorf("org: %w", err)
	}
	secret := []byte(cfg.secret)
	if len(secret) == 0 {
		if secret, err = s.Secret(ctx, "card_secret"); err != nil {
			return nil, err
		}
	}
	signer, err := cards.NewSigner(secret)
	if err != nil {
		return nil, fmt.Errorf("BAOBEI_SECRET: %w", err)
	}
	router := bot.NewRouter(s, clock, cfg.Policy, signer, org.AutoRegister, log)
	handlers.Register(router, s, cfg.Policy, signer)

	con := console.New(s, clock, cfg.Policy)
	con.ClockControl = clock
	pusher := bot.NewPusher(s, con, clock, log)
	con.Pusher = pusher

	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.Use(gin.Recovery())
	engine.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	engine.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/console") })
	con.Mount(engine, router)
	return &app{store: s, router: router, pusher: pusher, console: con, clock: clock, handler: engine}, nil
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
