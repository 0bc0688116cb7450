package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"baobei/store"
	"baobei/store/storetest"
)

// serveTest runs the app's errgroup on a loopback port until stop is
// called; stop returns run's error.
func serveTest(t *testing.T, a *app) (base string, stop func() error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- a.run(ctx, ln) }()
	return "http://" + ln.Addr().String(), func() error {
		defer cancel()
		syscall.Kill(os.Getpid(), syscall.SIGTERM) // caught by NotifyContext, as in main
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop within 30 s of SIGTERM")
			return nil
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The service starts, answers, exports its metrics and stops on SIGTERM
// with everything joined before the store closes.
func TestServeMetricsReadyAndSIGTERM(t *testing.T) {
	faults := &storetest.Faults{}
	s, _ := storetest.OpenFaulty(t, store.SQLite, defaultConfig().Policy, faults)
	cfg := defaultConfig()
	if err := cfg.finish(); err != nil {
		t.Fatal(err)
	}
	a, err := wire(context.Background(), cfg, s, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	base, stop := serveTest(t, a)
	for i := 0; ; i++ {
		if code, _ := get(t, base+"/readyz"); code == http.StatusOK {
			break
		} else if i > 100 {
			t.Fatalf("/readyz = %d", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, before := get(t, base+"/metrics")
	resp, err := http.Post(base+"/console/api/messages", "application/json",
		bytes.NewBufferString(`{"user":"zhangsan","text":"报备 13800138000 张先生","msg_id":"x1"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("console message: %v %v", resp, err)
	}
	resp.Body.Close()
	_, metrics := get(t, base+"/metrics")
	for _, counter := range []string{`baobei_commands_total{command="report",outcome="ok"}`, `baobei_command_duration_seconds_count{command="report"}`} {
		if d := metricValue(metrics, counter) - metricValue(before, counter); d != 1 {
			t.Errorf("%s rose by %v, want 1", counter, d)
		}
	}
	for _, want := range []string{
		`baobei_outbox_pending{priority="1"} 0`,
		`baobei_inbound_pending 0`,
		`baobei_pushes_total{platform="console",result="sent"}`,
		`baobei_db_connections_in_use`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	faults.Down(3 * time.Second)
	if code, body := get(t, base+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "database") {
		t.Fatalf("/readyz with the database down = %d %s", code, body)
	}
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d while the process is alive", code)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("still serving after SIGTERM")
	}
}

// metricValue reads one sample from a Prometheus text exposition (0 when absent).
func metricValue(exposition, name string) float64 {
	for _, line := range strings.Split(exposition, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}
