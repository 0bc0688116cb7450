// Command baobei is the 报备助手 service.
//
//	baobei [serve] [--config baobei.yaml] [--db DSN] [--addr :8080]
//	baobei migrate [--db DSN]
//	baobei webhook add --url URL --events customer.won,… | list | remove ID | test ID
//	baobei import FILE.xlsx|FILE.csv [--dry-run] [--sheet NAME] [--owner UID] [--report OUT.xlsx|OUT.csv]
//	baobei export [--team NAME] [--format xlsx|csv] [--out FILE]
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // the static image has no zoneinfo

	"baobei/store"

	"golang.org/x/sync/errgroup"
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
	switch sub {
	case "webhook":
		return webhookCmd(ctx, args, os.Stdout)
	case "import":
		return importCmd(ctx, args, os.Stdout)
	case "export":
		return exportCmd(ctx, args, os.Stdout)
	case "token":
		return tokenCmd(ctx, args, os.Stdout)
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
	return fmt.Errorf("unknown command %q: use serve, migrate, webhook, token, import or export", sub)
}

// serve runs the HTTP server, the worker, the pusher, the DingTalk stream
// and the scheduler under one errgroup until ctx ends (SIGTERM, SIGINT) or
// one of them fails. Stopping: the server stops accepting and finishes its
// requests, the worker finishes the messages it started (within 10 s), then
// the pusher sends what those queued (within 10 s), and only then is the
// store closed.
func serve(ctx context.Context, cfg Config) error {
	log := newLogger(cfg.LogFormat, os.Stderr)
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("baobei listening", "addr", ln.Addr().String(), "db", redact(cfg.DB), "wecom", cfg.WeCom.Configured(), "dingtalk", cfg.DingTalk.Configured())
	if a.console {
		log.Info("console", "url", "http://127.0.0.1"+portOf(ln.Addr().String())+"/console")
	}
	err = a.run(ctx, ln)
	log.Info("baobei stopped", "err", err)
	return err
}

// run is serve's errgroup (tests call it with their own listener).
func (a *app) run(ctx context.Context, ln net.Listener) error {
	g, gctx := errgroup.WithContext(ctx)
	srv := &http.Server{Handler: a.handler, ReadHeaderTimeout: 10 * time.Second}
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	})
	pushCtx, stopPush := context.WithCancel(context.WithoutCancel(gctx))
	defer stopPush()
	g.Go(func() error {
		defer stopPush() // the pusher outlives the worker: it sends what the last messages queued
		return a.worker.Run(gctx)
	})
	g.Go(func() error { return a.pusher.Run(pushCtx) })
	if a.stream != nil {
		g.Go(func() error { return stopped(gctx, a.stream(gctx)) })
	}
	g.Go(func() error {
		// A database that fails at start delays the jobs; it does not stop the service.
		for err := a.sched.Start(gctx); err != nil && gctx.Err() == nil; err = a.sched.Start(gctx) {
			a.log.Error("scheduler start; trying again in 5 s", "err", err)
			select {
			case <-gctx.Done():
			case <-time.After(5 * time.Second):
			}
		}
		<-gctx.Done()
		return nil
	})
	return g.Wait()
}

// stopped drops the error of a part that ended because the service stops.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// newLogger writes text to a terminal and JSON otherwise, unless format
// says which.
func newLogger(format string, w *os.File) *slog.Logger {
	if format == "" {
		format = "json"
		if fi, err := w.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

func portOf(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[i:]
		}
	}
	return ""
}
