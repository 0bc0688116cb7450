package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"baobei/bot"
	"baobei/store/storetest"
)

// apiConfig is a baobei.yaml with lead assignment (杭州 → 销售一组, round
// robin) and the API's rate limit.
const apiConfig = `policy:
  assignment:
    strategy: round_robin
    rules:
      - regions: [杭州]
        team: 销售一组
api: {rate: 50, burst: 50}
`

// tokenCLI runs `baobei token ARGS --config path --db dsn` as a user would.
func tokenCLI(t *testing.T, path, dsn string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := tokenCmd(context.Background(), append(args, "--config", path, "--db", dsn), &out)
	return out.String(), err
}

// apiCall is one request to the HTTP API with a bearer token; it answers the
// status and the decoded JSON body.
func apiCall(t *testing.T, method, url, token, idemKey string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %d, body is not JSON: %q", method, url, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// waitInbox waits for the running pusher to put a message that match
// accepts into the console inbox of query (user=… or chat=…).
func waitInbox(t *testing.T, c *consoleClient, query string, match func(bot.Out) bool) bot.Out {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		outs := c.inbox(query)
		for _, o := range outs {
			if match(o) {
				return o
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("inbox %s has no such message: %+v", query, outs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// leadCardIn waits for the card of lead #id in user's inbox.
func leadCardIn(t *testing.T, c *consoleClient, user string, id int) bot.Out {
	t.Helper()
	return waitInbox(t, c, "user="+user, func(o bot.Out) bool {
		return o.Card != nil && strings.Contains(o.Text, "分配给你一个新线索 #"+itoa(id)+" ")
	})
}

// The HTTP API from outside: a config file with lead assignment and an api
// section, a token made with the CLI, leads posted over a real listener
// and assigned round robin (with an idempotent replay and a duplicate
// refused), the rep's card in the console with a button that logs a
// follow-up, a customer list by owner, a revoked token refused, and a config
// naming an unknown team refused.
func TestAPIEndToEnd(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dsn := testDSN(t, b)
			path := writeConfig(t, apiConfig)

			out, err := tokenCLI(t, path, dsn, "create", "--name", "官网表单", "--scopes", "leads:write,customers:read")
			if err != nil {
				t.Fatalf("token create: %v", err)
			}
			m := regexp.MustCompile(`(?m)^(bb_[0-9a-f]+)$`).FindStringSubmatch(out)
			if m == nil || !strings.Contains(out, "T1") || !strings.Contains(out, "官网表单") {
				t.Fatalf("token create printed %q", out)
			}
			token := m[1]

			cfg, err := loadConfig("serve", []string{"--config", path, "--db", dsn, "--addr", "127.0.0.1:0"})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.API.Rate != 50 || cfg.API.Burst != 50 || cfg.Policy.Assignment.Strategy != "round_robin" ||
				len(cfg.Policy.Assignment.Rules) != 1 || cfg.Policy.Assignment.Rules[0].Team != "销售一组" {
				t.Fatalf("config api = %+v, assignment = %+v", cfg.API, cfg.Policy.Assignment)
			}
			a, err := newApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			base, stop := serveTest(t, a)
			defer func() {
				// A connection the client dialed during the concurrent posts and
				// never used is StateNew, which Shutdown waits 5 s for: close it.
				http.DefaultClient.CloseIdleConnections()
				if err := stop(); err != nil {
					t.Errorf("serve returned %v", err)
				}
			}()
			// The console helpers, on the real listener.
			c := &consoleClient{t: t, srv: &httptest.Server{URL: base}, app: a}

			// Unauthenticated: 401 with the API's code.
			if code, body := apiCall(t, "POST", base+"/api/v1/leads", "", "", map[string]string{"name": "王总", "phone": "13800138001"}); code != http.StatusUnauthorized || body["code"] != "ETOKEN" {
				t.Fatalf("no token: %d %v", code, body)
			}

			leads := []map[string]string{
				{"name": "王总", "phone": "13800138001", "city": "杭州", "source": "官网", "demand": "三人沙发"},
				{"name": "李女士", "phone": "13800138002", "city": "杭州", "source": "官网"},
			}
			var ids []float64
			for i, want := range []string{"zhangsan", "lisi"} {
				code, body := apiCall(t, "POST", base+"/api/v1/leads", token, "lead-"+itoa(i+1), leads[i])
				owner, _ := body["owner"].(map[string]any)
				if code != http.StatusCreated || body["status"] != "assigned" || owner["uid"] != want || body["team"] != "销售一组" || body["replayed"] != false {
					t.Fatalf("lead %d: %d %v, want 201 assigned to %s", i+1, code, body, want)
				}
				ids = append(ids, body["customer_id"].(float64))
			}
			code, body := apiCall(t, "POST", base+"/api/v1/leads", token, "lead-1", leads[0])
			if code != http.StatusOK || body["replayed"] != true || body["customer_id"] != ids[0] {
				t.Fatalf("replay: %d %v, want 200 replayed customer %v", code, body, ids[0])
			}
			code, body = apiCall(t, "POST", base+"/api/v1/leads", token, "", map[string]string{"name": "王先生", "phone": "13800138001", "city": "杭州"})
			if code != http.StatusConflict || body["code"] != "ECONFLICT" || body["customer_id"] != ids[0] || body["owned"] != true {
				t.Fatalf("duplicate phone: %d %v, want 409 ECONFLICT", code, body)
			}
			if strings.Contains(body["message"].(string), "张三") || strings.Contains(body["message"].(string), "13800138001") {
				t.Fatalf("the conflict tells who holds it: %v", body)
			}
			if n := c.count("SELECT COUNT(*) FROM customers"); n != 2 {
				t.Fatalf("customers = %d after a replay and a duplicate, want 2", n)
			}
			// Concurrent posts with one key: one lead, one 201, the same customer for all.
			var wg sync.WaitGroup
			codes, cids := make([]int, 8), make([]any, 8)
			for i := range codes {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					code, body := apiCall(t, "POST", base+"/api/v1/leads", token, "lead-3", map[string]string{"name": "赵总", "phone": "13800138003", "city": "杭州"})
					codes[i], cids[i] = code, body["customer_id"]
				}(i)
			}
			wg.Wait()
			created := 0
			for i, code := range codes {
				if code == http.StatusCreated {
					created++
				}
				if (code != http.StatusCreated && code != http.StatusOK) || cids[i] != cids[0] {
					t.Fatalf("concurrent posts with one key: codes %v, customers %v", codes, cids)
				}
			}
			if n := c.count("SELECT COUNT(*) FROM customers"); created != 1 || n != 3 {
				t.Fatalf("concurrent posts with one key: %d created (codes %v), %d customers", created, codes, n)
			}

			// The reps' cards, pushed to the console by the running pusher.
			card := leadCardIn(t, c, "zhangsan", int(ids[0]))
			wantHas(t, card.Text, "王总", "13800138001", "官网", "杭州")
			if len(card.Card.Buttons) != 2 || card.Card.Buttons[0].Label != "已联系" || card.Card.Buttons[1].Label != "转给同事" {
				t.Fatalf("lead card buttons = %+v", card.Card.Buttons)
			}
			wantHas(t, leadCardIn(t, c, "lisi", int(ids[1])).Text, "李女士")
			line := "新线索 #" + itoa(int(ids[0])) + " 王总（官网）已分配给 张三"
			waitInbox(t, c, "chat=sales1", func(o bot.Out) bool { return strings.Contains(o.Text, line) })
			for _, o := range c.inbox("user=zhangsan") {
				if strings.Contains(o.Text, "李女士") {
					t.Fatalf("zhangsan got lisi's lead: %q", o.Text)
				}
			}
			wantHas(t, c.tap("lisi", card.Card.Buttons[0].Action), "这个按钮不是给你的") // the button is zhangsan's
			wantHas(t, c.tap("zhangsan", card.Card.Buttons[0].Action), "已记录跟进")
			if n := c.count("SELECT COUNT(*) FROM followups WHERE customer_id = ?", int64(ids[0])); n != 1 {
				t.Fatalf("follow-ups of #%v = %d after 已联系, want 1", ids[0], n)
			}

			// The customer list by owner, then the token revoked.
			list := func() (int, map[string]any) {
				return apiCall(t, "GET", base+"/api/v1/customers?owner=zhangsan", token, "", nil)
			}
			code, body = list()
			cs, _ := body["customers"].([]any)
			if code != http.StatusOK || len(cs) != 1 {
				t.Fatalf("customers?owner=zhangsan: %d %v", code, body)
			}
			got := cs[0].(map[string]any)
			owner, _ := got["owner"].(map[string]any)
			if got["id"] != ids[0] || got["phone"] != "13800138001" || owner["uid"] != "zhangsan" || got["last_followup_at"] == nil {
				t.Fatalf("zhangsan's customer = %v", got)
			}
			code, body = apiCall(t, "GET", base+"/api/v1/customers/"+itoa(int(ids[0])), token, "", nil)
			fs, _ := body["followups"].([]any)
			if code != http.StatusOK || len(fs) != 1 || !strings.Contains(fs[0].(map[string]any)["content"].(string), "已联系") {
				t.Fatalf("customer #%v: %d %v", ids[0], code, body)
			}
			if code, body = apiCall(t, "GET", base+"/api/v1/stats", token, "", nil); code != http.StatusForbidden || body["code"] != "EFORBIDDEN" {
				t.Fatalf("stats without stats:read: %d %v", code, body)
			}
			out, err = tokenCLI(t, path, dsn, "revoke", "T1")
			if err != nil || !strings.Contains(out, "已吊销 token T1") {
				t.Fatalf("revoke: %q %v", out, err)
			}
			if code, body = list(); code != http.StatusUnauthorized || body["code"] != "ETOKEN" {
				t.Fatalf("revoked token: %d %v, want 401 ETOKEN", code, body)
			}
			if out, err = tokenCLI(t, path, dsn, "list"); err != nil || !strings.Contains(out, "已吊销") || strings.Contains(out, token) {
				t.Fatalf("list: %q %v", out, err)
			}
		})
	}
}

// A rule naming a team the org does not have stops the config from
// loading, for the service and for the CLI, with the team's name.
func TestAPIAssignmentUnknownTeam(t *testing.T) {
	path := writeConfig(t, strings.Replace(apiConfig, "team: 销售一组", "team: 不存在的组", 1))
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "baobei.db")
	_, err := loadConfig("serve", []string{"--config", path, "--db", dsn})
	if err == nil || !strings.Contains(err.Error(), "不存在的组") || !strings.Contains(err.Error(), "policy.assignment") {
		t.Fatalf("loadConfig = %v, want an error naming 不存在的组", err)
	}
	if _, err := tokenCLI(t, path, dsn, "create", "--name", "x", "--scopes", "leads:write"); err == nil || !strings.Contains(err.Error(), "不存在的组") {
		t.Fatalf("token create = %v", err)
	}
	if _, err := os.Stat(strings.TrimPrefix(dsn, "sqlite://")); err == nil {
		t.Fatal("a bad config created the database")
	}
}
