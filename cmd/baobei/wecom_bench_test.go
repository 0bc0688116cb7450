package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"baobei/bot/wecom"
	"baobei/bot/wecom/wecomtest"
	"baobei/store/storetest"
)

// BenchmarkWeComCallbackAck measures how fast a WeCom callback is answered
// (verify, decrypt, record in inbound) on MySQL with 64 concurrent senders;
// the work itself happens later in the worker.
func BenchmarkWeComCallbackAck(b *testing.B) {
	if storetest.MySQLDSN() == "" {
		b.Skip("BAOBEI_TEST_MYSQL_DSN not set")
	}
	dsn, drop, err := storetest.CreateMySQL()
	if err != nil {
		b.Fatal(err)
	}
	defer drop()
	cfg := defaultConfig()
	cfg.WeCom = wecom.Config{CorpID: testCorp, AgentID: 1000002, Secret: "s", Token: testToken, AESKey: testAESKey, APIBase: "http://127.0.0.1:1"}
	cfg.secret = testSecret
	if err := cfg.finish(); err != nil {
		b.Fatal(err)
	}
	s, err := storetest.OpenDSN(dsn, cfg.Policy)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	a, err := wire(context.Background(), cfg, s, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.handler)
	defer srv.Close()
	http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost = benchReps
	now := time.Now().Unix()
	reqs := make([][2]string, b.N)
	for i := range reqs {
		plain := wecomtest.Text(testCorp, fmt.Sprintf("rep%02d", i%benchReps), "报备 13800138000 张先生", fmt.Sprintf("%d-%d", now, i), now)
		q, body := wecomtest.Seal(testToken, testAESKey, testCorp, plain, now)
		reqs[i] = [2]string{srv.URL + "/wecom/callback?" + q.Encode(), body}
	}
	var next atomic.Int64
	runConcurrent(b, func(int) error {
		r := reqs[next.Add(1)-1]
		resp, err := http.Post(r[0], "text/xml", strings.NewReader(r[1]))
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}
