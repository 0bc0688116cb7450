// Command baobei is the 报备助手 service.
//
//	baobei [serve] [--config baobei.yaml] [--db DSN] [--addr :8080]
//	baobei migrate [--db DSN]
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // the static image has no zoneinfo

	"baobei/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "baobei:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	sub := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		sub, args = args[0], args[1:]
	}
	cfg, err := loadConfig(sub, args)
	if err != nil {
		return err
	}
	switch sub {
	case "serve":
		return serve(ctx, cfg)
	case "migrate":
		s, err := store.Open(ctx, cfg.DB, cfg.Policy)
		if err == nil {
			s.Close()
			fmt.Println("migrations applied to", redact(cfg.DB))
		}
		return err
	}
	return fmt.Errorf("unknown command %q: use serve or migrate", sub)
}

func serve(ctx context.Context, cfg Config) error {
	log := newLogger(cfg.LogFormat)
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	go a.pusher.Run(ctx, 2*time.Second)
	go a.worker.Run(ctx)
	if a.stream != nil {
		go func() {
			if err := a.stream(ctx); err != nil {
				log.Error("dingtalk stream stopped", "err", err)
			}
		}()
	}
	if err := a.sched.Start(ctx); err != nil {
		return err
	}
	srv := &http.Server{Addr: cfg.Addr, Handler: a.handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("baobei listening", "addr", cfg.Addr, "db", redact(cfg.DB), "wecom", cfg.WeCom.Configured(), "dingtalk", cfg.DingTalk.Configured())
	if a.console {
		log.Info("console", "url", "http://127.0.0.1"+portOf(cfg.Addr)+"/console")
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func newLogger(format string) *slog.Logger {
	if format == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}

func portOf(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[i:]
		}
	}
	return ""
}
