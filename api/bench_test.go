package api_test

// BenchmarkLeadsAPI is `make bench-api`: POST /api/v1/leads over real HTTP
// (an httptest.Server with the gin engine, keep-alive clients) on a
// throw-away MariaDB database, next to the raw INSERT rate measured on the
// same database in the same run. It is skipped unless BAOBEI_TEST_MYSQL_DSN
// is set and, being a benchmark, never runs in `make test`. See
// docs/PERFORMANCE.md; BENCH_API_N, BENCH_API_CLIENTS, BENCH_API_REPS and
// BENCH_API_RAW change the sizes.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"baobei"
	"baobei/api"
	"baobei/cards"
	"baobei/store"
	"baobei/store/storetest"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"
)

const benchPool = 16 // the store's MySQL pool (its default), and the yardstick's

type benchParams struct {
	N       int // leads posted
	Clients int // concurrent HTTP clients (and yardstick goroutines)
	Reps    int // reps in the one team
	Raw     int // rows of each raw INSERT yardstick
}

func benchParamsFromEnv(b *testing.B) benchParams {
	p := benchParams{N: 20000, Clients: 16, Reps: 50, Raw: 20000}
	for k, dst := range map[string]*int{"BENCH_API_N": &p.N, "BENCH_API_CLIENTS": &p.Clients, "BENCH_API_REPS": &p.Reps, "BENCH_API_RAW": &p.Raw} {
		if v := os.Getenv(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				b.Fatalf("%s=%q: want a positive count", k, v)
			}
			*dst = n
		}
	}
	return p
}

func BenchmarkLeadsAPI(b *testing.B) {
	if storetest.MySQLDSN() == "" {
		b.Skip("BAOBEI_TEST_MYSQL_DSN not set")
	}
	p := benchParamsFromEnv(b)
	ctx := context.Background()

	pol := baobei.DefaultPolicy()
	pol.MaxHeld = 1_000_000 // 400 leads a rep must not hit the holding limit
	pol.Assignment = baobei.AssignmentPolicy{Strategy: baobei.RoundRobin, Rules: []baobei.AssignRule{{Team: "bench"}}}
	dsn, drop, err := storetest.CreateMySQL()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(drop)
	s, err := store.OpenPool(ctx, dsn, pol, store.Pool{MaxOpen: benchPool})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	now := time.Now()
	team := baobei.OrgTeam{Code: "bench", Name: "压测组", Chat: "bench-chat", Members: []baobei.OrgMember{{ID: "benchmgr", Name: "经理", Role: baobei.RoleManager}}}
	for i := 0; i < p.Reps; i++ {
		team.Members = append(team.Members, baobei.OrgMember{ID: fmt.Sprintf("rep%02d", i), Name: fmt.Sprintf("销售%02d", i)})
	}
	if err := s.SyncOrg(ctx, baobei.Org{Teams: []baobei.OrgTeam{team}}, now); err != nil {
		b.Fatal(err)
	}
	_, tok, err := s.CreateToken(ctx, now, "bench", []string{baobei.ScopeLeadsWrite})
	if err != nil {
		b.Fatal(err)
	}
	signer, err := cards.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		b.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	api.New(s, &baobei.OffsetClock{}, pol, signer, api.Config{Rate: 1e6, Burst: 1e6}, slog.New(slog.NewTextHandler(io.Discard, nil))).Mount(engine)
	srv := httptest.NewServer(engine)
	b.Cleanup(srv.Close)

	// The yardsticks first, on a copy of the customers table (same columns
	// and indexes) so that the check below counts only the API's rows.
	db := s.DB()
	if _, err := db.Exec("CREATE TABLE raw_customers LIKE customers"); err != nil {
		b.Fatal(err)
	}
	single, err := storetest.RawInsert(db, "raw_customers", p.Raw, p.Clients)
	if err != nil {
		b.Fatal(err)
	}
	multi := rawMulti(b, db, p.Raw)
	b.Logf("raw INSERT: %.0f rows/s single-row (%d goroutines), %.0f rows/s multi-row (1,000 a statement)", single, p.Clients, multi)

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: p.Clients, MaxIdleConnsPerHost: p.Clients}, Timeout: time.Minute}
	b.Cleanup(client.CloseIdleConnections)
	body := func(i int) []byte {
		raw, _ := json.Marshal(map[string]string{"name": fmt.Sprintf("客户%d", i), "phone": fmt.Sprintf("139%08d", i), "source": "官网", "city": "杭州", "demand": "沙发"})
		return raw
	}
	post := func(i int) error {
		req, err := http.NewRequest("POST", srv.URL+"/api/v1/leads", bytes.NewReader(body(i)))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		var out struct {
			Status string `json:"status"`
		}
		if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &out) != nil || out.Status != "assigned" {
			return fmt.Errorf("lead %d: %d %s", i, resp.StatusCode, raw)
		}
		return nil
	}
	// Warm the connections (and the team's rows) with a few leads of their own.
	for i := 0; i < p.Clients; i++ {
		if err := post(p.N + i + 1); err != nil {
			b.Fatal(err)
		}
	}
	warm := p.Clients

	lat := make([]time.Duration, p.N)
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < p.Clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(p.N); i = next.Add(1) {
				t0 := time.Now()
				if err := post(int(i)); err != nil {
					failed.Store(err)
					return
				}
				lat[i-1] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	rate := float64(p.N) / elapsed.Seconds()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(rate, "leads/s")
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(single, "raw-single-rows/s")
	b.ReportMetric(multi, "raw-multi-rows/s")

	// Every lead is one customer, owned, and round robin spread them evenly.
	total := p.N + warm
	var n, owned int
	if err := db.Get(&n, "SELECT COUNT(*) FROM customers"); err != nil {
		b.Fatal(err)
	}
	if err := db.Get(&owned, "SELECT COUNT(*) FROM customers WHERE status = ? AND owner_id IS NOT NULL", baobei.StatusOwned); err != nil {
		b.Fatal(err)
	}
	var per []int
	if err := db.Select(&per, "SELECT COUNT(*) FROM customers c JOIN users u ON u.id = c.owner_id WHERE u.uid LIKE 'rep%' GROUP BY c.owner_id ORDER BY 1"); err != nil {
		b.Fatal(err)
	}
	if n != total || owned != total {
		b.Fatalf("customers = %d, owned %d; want %d", n, owned, total)
	}
	if len(per) != p.Reps || per[len(per)-1]-per[0] > 1 || sum(per) != total {
		b.Fatalf("leads per rep = %v (%d reps), want %d reps within ±1 summing to %d", per, len(per), p.Reps, total)
	}

	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("\nPOST /api/v1/leads: %d leads (+%d warm-up), %d keep-alive clients, %d reps, pool %d\n", p.N, warm, p.Clients, p.Reps, benchPool)
	fmt.Printf("  leads:   %.0f leads/s in %.1f s; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", rate, elapsed.Seconds(), ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]), ms(lat[len(lat)-1]))
	fmt.Printf("  raw:     single-row INSERT %.0f rows/s (%d goroutines) — leads at %.1f %%; multi-row (1,000 a statement) %.0f rows/s\n", single, p.Clients, 100*rate/single, multi)
	fmt.Printf("  check:   %d customers, all owned, %d–%d per rep over %d reps\n", n, per[0], per[len(per)-1], len(per))
	fmt.Printf("  machine: %d CPUs, load %s\n", runtime.NumCPU(), strings.Join(strings.Fields(string(load))[:3], " "))
}

// rawMulti is bench-import's yardstick: the rows as multi-row INSERTs of
// 1,000 a statement, one connection. Rows per second.
func rawMulti(b *testing.B, db *sqlx.DB, n int) float64 {
	now := time.Now().UTC().Truncate(time.Second)
	until := now.Add(30 * 24 * time.Hour)
	start := time.Now()
	for lo := 0; lo < n; lo += 1000 {
		var vals []string
		var args []any
		for i := lo; i < n && i < lo+1000; i++ {
			vals = append(vals, "(?, ?, '新线索', 'owned', 1, ?, 1, ?)")
			args = append(args, "raw", fmt.Sprintf("135%08d", i), until, now)
		}
		if _, err := db.Exec("INSERT INTO raw_customers (name, phone, stage, status, owner_id, protected_until, reporter_id, reported_at) VALUES "+strings.Join(vals, ","), args...); err != nil {
			b.Fatalf("raw multi-row insert: %v", err)
		}
	}
	return float64(n) / time.Since(start).Seconds()
}

func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}
