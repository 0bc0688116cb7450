package main

// BenchmarkE2E is `make bench-e2e`: the real path, from outside. It builds
// bin/baobei and cmd/fakewecom, starts the fake WeCom API with a network
// latency, starts baobei on a throw-away MariaDB database configured by file
// and environment as a user would, and posts sealed WeCom callbacks over
// HTTP. A reply counts when the fake API received it (its arrival time in the
// fake's log, GET /fake/log); replies are matched to messages by content (the
// phone of a 报备, the customer of a 跟进), so replies merged into one push
// still count once each. See docs/PERFORMANCE.md.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"baobei"
	"baobei/bot/wecom/wecomtest"
	"baobei/store"
	"baobei/store/storetest"
)

// e2eParams come from BENCH_E2E_* variables (defaults in e2eDefaults).
type e2eParams struct {
	N       int           // messages per throughput run (报备, then 跟进)
	Senders int           // concurrent callback senders in the throughput runs
	Reps    int           // reps in the org (5 teams, one manager each)
	Rate    float64       // messages per second in the steady runs
	Steady  time.Duration // length of a steady run
	Drain   time.Duration // how long to wait at most for the last replies of a run
	Stall   time.Duration // …or until the fake received nothing for this long (longer than the worker's 1-minute lease, after which a failed message is retried)
	Latency time.Duration // the fake WeCom API's answer delay
	Bulk    int           // digest pushes queued before the last steady run
	Raw     int           // rows of the raw INSERT yardstick
}

func e2eParamsFromEnv(b *testing.B) e2eParams {
	p := e2eParams{N: 5000, Senders: 64, Reps: 200, Rate: 100, Steady: 30 * time.Second, Drain: 15 * time.Minute, Stall: 2 * time.Minute,
		Latency: 20 * time.Millisecond, Bulk: 10000, Raw: 20000}
	ints := map[string]*int{"BENCH_E2E_N": &p.N, "BENCH_E2E_SENDERS": &p.Senders, "BENCH_E2E_REPS": &p.Reps,
		"BENCH_E2E_BULK": &p.Bulk, "BENCH_E2E_RAW": &p.Raw}
	for k, dst := range ints {
		if v := os.Getenv(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				b.Fatalf("%s=%q: want a count", k, v)
			}
			*dst = n
		}
	}
	durs := map[string]*time.Duration{"BENCH_E2E_STEADY": &p.Steady, "BENCH_E2E_DRAIN": &p.Drain, "BENCH_E2E_STALL": &p.Stall, "BENCH_E2E_LATENCY": &p.Latency}
	for k, dst := range durs {
		if v := os.Getenv(k); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				b.Fatalf("%s=%q: %v", k, v, err)
			}
			*dst = d
		}
	}
	if v := os.Getenv("BENCH_E2E_RATE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 {
			b.Fatalf("BENCH_E2E_RATE=%q", v)
		}
		p.Rate = r
	}
	if p.Reps < 1 || p.Senders < 1 {
		b.Fatal("BENCH_E2E_REPS and BENCH_E2E_SENDERS must be positive")
	}
	return p
}

func BenchmarkE2E(b *testing.B) {
	if storetest.MySQLDSN() == "" {
		b.Skip("BAOBEI_TEST_MYSQL_DSN not set")
	}
	p := e2eParamsFromEnv(b)
	e := startE2E(b, p)
	res := &e2eResults{p: p}

	res.raw = e.rawInsert(p.Raw)
	e.progress("raw INSERT: %.0f rows/s", res.raw)

	// (a) throughput: N 报备 as fast as the senders can, then a 跟进 on
	// each customer they created, by its owner.
	reports := e.reports(p.N)
	res.report = e.run("报备", reports, func() { e.blast(reports, p.Senders) })
	followups := e.followUps(reports)
	res.followUp = e.run("跟进", followups, func() { e.blast(followups, p.Senders) })

	// (b) latency at a steady rate, half 报备 and half 跟进.
	steady := e.mixed(int(p.Rate*p.Steady.Seconds()), reports)
	res.steady = e.run("steady", steady, func() { e.pace(steady, p.Rate) })

	// (c) the same with the digest pushes queued in the outbox.
	bulkStart := e.collector.len()
	e.queueBulk(p.Bulk)
	loaded := e.mixed(int(p.Rate*p.Steady.Seconds()), reports)
	res.loaded = e.run("steady+bulk", loaded, func() { e.pace(loaded, p.Rate) })
	res.bulkDone, res.bulkSeen = e.waitBulk(bulkStart, p.Bulk)

	res.print(os.Stdout, e.commit)
	b.ReportMetric(res.report.rate, "report-msg/s")
	b.ReportMetric(res.followUp.rate, "followup-msg/s")
	b.ReportMetric(res.raw, "raw-insert/s")
	b.ReportMetric(ms(res.steady.reply.p99), "steady-reply-p99-ms")
	b.ReportMetric(ms(res.loaded.reply.p99), "bulk-reply-p99-ms")
	for _, r := range []runResult{res.report, res.followUp, res.steady, res.loaded} {
		if r.lost > 0 || r.refused > 0 {
			b.Errorf("%s: %d of %d accepted messages got no reply within %v of the last callback (%d refused callbacks)", r.name, r.lost, r.accepted, p.Drain, r.refused)
		}
		if r.dup > 0 || r.wrong > 0 {
			b.Errorf("%s: %d messages replied more than once, %d with an unexpected reply", r.name, r.dup, r.wrong)
		}
	}
}

// e2e is the running system: the fake, the service and the collector.
type e2e struct {
	b         testing.TB
	p         e2eParams
	dir       string
	dsn       string
	callback  string // baobei's callback URL
	client    *http.Client
	collector *collector
	commit    string
	at        int64
	msgSeq    atomic.Int64
	phoneSeq  int
}

func startE2E(b *testing.B, p e2eParams) *e2e {
	e := &e2e{b: b, p: p, dir: b.TempDir(), at: time.Now().Unix()}
	t0 := time.Now()
	root := moduleRoot(b)
	e.commit = gitCommit(root)
	baobeiBin := os.Getenv("BENCH_E2E_BIN")
	if baobeiBin == "" {
		baobeiBin = filepath.Join(root, "bin", "baobei")
		goBuild(b, root, baobeiBin, "./cmd/baobei")
	}
	fakeBin := filepath.Join(e.dir, "fakewecom")
	goBuild(b, root, fakeBin, "./cmd/fakewecom")
	e.progress("built %s and %s in %v", baobeiBin, fakeBin, time.Since(t0).Round(time.Millisecond))

	dsn, drop, err := storetest.CreateMySQL()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(drop)
	e.dsn = dsn

	fakeAddr, addr := freeAddr(b), freeAddr(b)
	e.start("fakewecom", fakeBin, nil, "serve", "--addr", fakeAddr, "--latency", p.Latency.String())
	fakeURL := "http://" + fakeAddr
	waitHTTP(b, fakeURL+"/fake/log", 30*time.Second)

	cfgPath := filepath.Join(e.dir, "baobei.yaml")
	if err := os.WriteFile(cfgPath, []byte(e2eConfigYAML(fakeURL, p.Reps)), 0o600); err != nil {
		b.Fatal(err)
	}
	e.start("baobei", baobeiBin, []string{"BAOBEI_CONFIG=" + cfgPath, "BAOBEI_DB=" + dsn, "BAOBEI_ADDR=" + addr,
		"BAOBEI_SECRET=" + testSecret, "BAOBEI_WECOM_SECRET=benchsecret", "BAOBEI_WECOM_TOKEN=" + testToken, "BAOBEI_WECOM_AES_KEY=" + testAESKey}, "serve")
	waitHTTP(b, "http://"+addr+"/healthz", time.Minute)
	e.callback = "http://" + addr + "/wecom/callback"
	e.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024}}

	e.collector = newCollector(fakeURL)
	go e.collector.run()
	b.Cleanup(e.collector.stop)
	e.progress("baobei up at %s, fake WeCom at %s (%d pushes so far), config %s", addr, fakeURL, e.collector.len(), cfgPath)

	return e
}

// openStore opens the run's database as baobei does (store.Open, its pool);
// the caller closes it, so that its connections do not count against the
// server's max_connections while baobei runs.
func (e *e2e) openStore() *store.Store {
	cfg := defaultConfig()
	if err := cfg.finish(); err != nil {
		e.b.Fatal(err)
	}
	s, err := storetest.OpenDSN(e.dsn, cfg.Policy)
	if err != nil {
		e.b.Fatal(err)
	}
	return s
}

// e2eConfigYAML is baobei.yaml: WeCom at the fake, 5 teams of reps with a
// manager each, an admin; the holding limit raised so that every 报备 of
// the run is accepted.
func e2eConfigYAML(apiBase string, reps int) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "log_format: json\npolicy:\n  max_held: 1000000\nwecom:\n  corp_id: %s\n  agent_id: 1000002\n  api_base: %s\norg:\n  teams:\n", testCorp, apiBase)
	const teams = 5
	for t := 1; t <= teams; t++ {
		fmt.Fprintf(&sb, "    - name: 销售%d组\n      chat: team%d\n      members:\n        - {id: mgr%d, name: 经理%d, role: manager}\n", t, t, t, t)
		for r := t; r <= reps; r += teams {
			fmt.Fprintf(&sb, "        - {id: %s, name: 销售%d}\n", repID(r-1), r)
		}
	}
	sb.WriteString("  admins:\n    - {id: admin, name: 管理员}\n")
	return sb.String()
}

// loadAvg is the 1-minute load average: other work on the machine skews the
// numbers, and it shows.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return f[0]
}

// progress prints a line at once (b.Logf would hold it to the end).
func (e *e2e) progress(format string, args ...any) {
	fmt.Printf("bench-e2e %s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func repID(i int) string { return fmt.Sprintf("rep%03d", i+1) }

func moduleRoot(b testing.TB) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		b.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(string(bytes.TrimSpace(out)))
}

func gitCommit(root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, _ := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); len(st) > 0 {
		c += "+dirty"
	}
	return c
}

func goBuild(b testing.TB, root, out, pkg string) {
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build %s: %v\n%s", pkg, err, msg)
	}
}

func freeAddr(b testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs a binary with its output in the temp dir, and stops it (SIGINT,
// then SIGKILL after 15 s) at cleanup; its log tail is shown when the
// benchmark failed.
func (e *e2e) start(name, bin string, env []string, args ...string) {
	logPath := filepath.Join(e.dir, name+".log")
	out, err := os.Create(logPath)
	if err != nil {
		e.b.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = e.dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		e.b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	e.b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		out.Close()
		if e.b.Failed() {
			e.b.Logf("%s log (last 4 KB of %s):\n%s", name, logPath, tail(logPath, 4096))
		}
	})
}

func tail(path string, n int64) string {
	b, _ := os.ReadFile(path)
	if int64(len(b)) > n {
		b = b[int64(len(b))-n:]
	}
	return string(b)
}

func waitHTTP(b testing.TB, url string, within time.Duration) {
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s did not answer 200 within %v: %v", url, within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// rawInsert is BenchmarkRawInsert's yardstick on the same database: one
// autocommitted single-row INSERT into customers per op from benchReps
// goroutines, through the store's pool. Returns rows per second.
func (e *e2e) rawInsert(n int) float64 {
	s := e.openStore()
	defer s.Close()
	rate, err := storetest.RawInsert(s.DB(), "customers", n, benchReps)
	if err != nil {
		e.b.Fatal(err)
	}
	return rate
}

// msg is one callback and what became of it.
type msg struct {
	kind   string // report or followup
	user   string
	text   string
	token  string // what its reply contains and no other reply does
	custID int64  // the customer it created (report) or follows up

	sent    time.Time     // the callback was posted
	ack     time.Duration // the callback's HTTP response time
	status  int           // the last HTTP status (0: no answer)
	retries int           // callbacks posted again after a failure
	replied time.Time     // the first reply arrived at the fake API
	replies int
	reply   string // the first reply's text
}

// reports are n 报备 of new phones, round-robin over the reps.
func (e *e2e) reports(n int) []*msg {
	ms := make([]*msg, n)
	for i := range ms {
		e.phoneSeq++
		phone := fmt.Sprintf("139%08d", e.phoneSeq)
		ms[i] = &msg{kind: "report", user: repID(i % e.p.Reps), text: "报备 " + phone + " 张先生 来源:抖音", token: phone}
	}
	return ms
}

// followUps are one 跟进 on each customer the given reports created, by its owner.
func (e *e2e) followUps(reports []*msg) []*msg {
	var ms []*msg
	for _, r := range reports {
		if r.custID == 0 {
			continue
		}
		ms = append(ms, &msg{kind: "followup", user: r.user, custID: r.custID,
			text: fmt.Sprintf("跟进 #%d 电话沟通，客户想看样品 下次:明天 14:00", r.custID), token: followUpToken(r.custID)})
	}
	return ms
}

func followUpToken(id int64) string { return "已记录跟进：#" + strconv.FormatInt(id, 10) + " " }

// mixed are n messages alternating 报备 (new phones) and 跟进 (on the
// customers of reports, each at most once per run).
func (e *e2e) mixed(n int, reports []*msg) []*msg {
	fus := e.followUps(reports)
	rs := e.reports((n + 1) / 2)
	ms := make([]*msg, 0, n)
	for i := 0; len(ms) < n; i++ {
		if i%2 == 1 && i/2 < len(fus) {
			ms = append(ms, fus[i/2])
		} else if len(rs) > 0 {
			ms = append(ms, rs[0])
			rs = rs[1:]
		} else {
			ms = append(ms, e.reports(1)...)
		}
	}
	return ms
}

// post delivers m's callback; after a failure it tries again 1 s and then
// 3 s later, with the same MsgId, as WeCom redelivers.
func (e *e2e) post(m *msg) {
	id := strconv.FormatInt(e.at, 10) + strconv.FormatInt(e.msgSeq.Add(1), 10)
	plain := wecomtest.Text(testCorp, m.user, m.text, id, time.Now().Unix())
	for try := 0; try < 3; try++ {
		if try > 0 {
			m.retries++
			time.Sleep(time.Duration(2*try-1) * time.Second)
		}
		q, body := wecomtest.Seal(testToken, testAESKey, testCorp, plain, time.Now().Unix())
		t0 := time.Now()
		if try == 0 {
			m.sent = t0
		}
		resp, err := e.client.Post(e.callback+"?"+q.Encode(), "text/xml", strings.NewReader(body))
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			m.status = resp.StatusCode
		}
		if try == 0 {
			m.ack = time.Since(t0)
		}
		if err == nil && m.status == http.StatusOK {
			return
		}
	}
}

// blast posts every message from `senders` goroutines, as fast as they can.
func (e *e2e) blast(ms []*msg, senders int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < senders; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(len(ms)); i = next.Add(1) {
				e.post(ms[i-1])
			}
		}()
	}
	wg.Wait()
}

// pace posts the messages at a steady rate (open loop: a slow answer does
// not hold the next message back; at most 1,000 callbacks in flight).
func (e *e2e) pace(ms []*msg, rate float64) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 1000)
	start := time.Now()
	for i, m := range ms {
		time.Sleep(time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))))
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.post(m)
			<-sem
		}()
	}
	wg.Wait()
}

// queueBulk puts n digest pushes, one per rep in turn, in the outbox
// through the store, as the daily digest does.
func (e *e2e) queueBulk(n int) {
	ns := make([]baobei.Notice, n)
	for i := range ns {
		ns[i] = baobei.Notice{ToUser: repID(i % e.p.Reps), Text: fmt.Sprintf("今日待办（日报 %d）：3 个客户今天该跟进，1 个保护期本周到期。", i), Priority: baobei.PriorityBulk}
	}
	s := e.openStore()
	defer s.Close()
	if err := s.Notify(context.Background(), time.Now(), ns...); err != nil {
		e.b.Fatalf("queue the digest pushes: %v", err)
	}
}

// waitBulk waits (within the drain time) for the digest pushes to arrive
// and returns when the last did and how many did.
func (e *e2e) waitBulk(from, n int) (time.Time, int) {
	deadline := time.Now().Add(e.p.Drain)
	for {
		var last time.Time
		seen := 0
		for _, en := range e.collector.since(from) {
			if k := strings.Count(en.Text, "今日待办（日报 "); k > 0 { // merged pushes hold several
				seen += k
				last = en.At
			}
		}
		if seen >= n || time.Now().After(deadline) {
			return last, seen
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// run sends the messages with send, waits for their replies and matches
// them. The wait ends when every accepted message has its reply, or when
// the fake received nothing for BENCH_E2E_STALL (the service went idle), or
// after BENCH_E2E_DRAIN; then a second more for duplicates.
func (e *e2e) run(name string, ms []*msg, send func()) runResult {
	mt := &matcher{c: e.collector, next: e.collector.len(), byToken: make(map[string]*msg, len(ms))}
	for _, m := range ms {
		mt.byToken[m.token] = m
	}
	e.progress("%s: %d messages (load average %s)", name, len(ms), loadAvg())
	start := time.Now()
	send()
	sentAll := time.Now()
	accepted := 0
	for _, m := range ms {
		if m.status == http.StatusOK {
			accepted++
		}
	}
	deadline := sentAll.Add(e.p.Drain)
	seen, progress := mt.next, time.Now()
	for mt.match() < accepted {
		now := time.Now()
		if n := e.collector.len(); n > seen {
			seen, progress = n, now
		}
		if now.After(deadline) || now.Sub(progress) > e.p.Stall {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	time.Sleep(time.Second)
	mt.match()
	r := summarize(name, ms, start, sentAll)
	e.progress("%s: %d accepted, %d replied in %v (load average %s)", name, r.accepted, r.accepted-r.lost, time.Since(start).Round(time.Millisecond), loadAvg())
	return r
}

var (
	phoneRE    = regexp.MustCompile(`1[3-9]\d{9}`)
	followUpRE = regexp.MustCompile(`已记录跟进：#\d+ `)
	reportedRE = regexp.MustCompile(`报备成功：#(\d+) [^\n]*?(1[3-9]\d{9})`) // the customer id of a phone
)

// matcher attributes the replies in the fake's log to the messages of a run
// by their tokens.
type matcher struct {
	c        *collector
	next     int // the first log entry not looked at yet
	byToken  map[string]*msg
	nreplied int
}

// match looks at the log entries that came since the last call and returns
// how many messages have a reply.
func (mt *matcher) match() int {
	es := mt.c.since(mt.next)
	mt.next += len(es)
	for _, en := range es {
		if en.API != "message/send" {
			continue
		}
		// A push may hold several replies; each names its phone or its
		// customer once.
		toks := append(phoneRE.FindAllString(en.Text, -1), followUpRE.FindAllString(en.Text, -1)...)
		ids := map[string]int64{}
		for _, sub := range reportedRE.FindAllStringSubmatch(en.Text, -1) {
			ids[sub[2]], _ = strconv.ParseInt(sub[1], 10, 64)
		}
		for _, tok := range toks {
			m := mt.byToken[tok]
			if m == nil || m.user != en.To {
				continue
			}
			m.replies++
			if m.replies > 1 {
				continue
			}
			mt.nreplied++
			m.replied, m.reply = en.At, lineOf(en.Text, tok)
			if m.kind == "report" {
				m.custID = ids[tok]
			}
		}
	}
	return mt.nreplied
}

// lineOf is the line of text that holds tok.
func lineOf(text, tok string) string {
	i := strings.Index(text, tok)
	start := strings.LastIndexByte(text[:i], '\n') + 1
	end := strings.IndexByte(text[i:], '\n')
	if end < 0 {
		return text[start:]
	}
	return text[start : i+end]
}

// runResult is what one run measured.
type runResult struct {
	name                         string
	start                        time.Time
	sent, accepted, refused      int
	lost, dup, wrong, retried    int
	rate, midRate                float64       // replies per second: over the run; between the 10th and 90th percentile reply
	sendRate                     float64       // callbacks per second
	duration                     time.Duration // first callback → last reply
	reply, ack                   pctl
	wrongSample, firstLostSample string
}

type pctl struct{ p50, p99, max time.Duration }

func percentiles(ds []time.Duration) pctl {
	if len(ds) == 0 {
		return pctl{}
	}
	slices.Sort(ds)
	return pctl{ds[len(ds)/2], ds[(len(ds)*99)/100], ds[len(ds)-1]}
}

func summarize(name string, ms []*msg, start, sentAll time.Time) runResult {
	r := runResult{name: name, start: start, sent: len(ms)}
	var lat, acks []time.Duration
	var arrivals []time.Time
	for _, m := range ms {
		acks = append(acks, m.ack)
		if m.retries > 0 {
			r.retried++
		}
		if m.status != http.StatusOK {
			r.refused++
			continue
		}
		r.accepted++
		switch {
		case m.replies == 0:
			r.lost++
			if r.firstLostSample == "" {
				r.firstLostSample = m.user + ": " + m.text
			}
			continue
		case m.replies > 1:
			r.dup++
		}
		want := "报备成功"
		if m.kind == "followup" {
			want = "已记录跟进"
		}
		if !strings.Contains(m.reply, want) {
			r.wrong++
			if r.wrongSample == "" {
				r.wrongSample = m.text + " → " + m.reply
			}
		}
		lat = append(lat, m.replied.Sub(m.sent))
		arrivals = append(arrivals, m.replied)
	}
	r.reply, r.ack = percentiles(lat), percentiles(acks)
	r.sendRate = float64(len(ms)) / sentAll.Sub(start).Seconds()
	if len(arrivals) > 0 {
		slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })
		r.duration = arrivals[len(arrivals)-1].Sub(start)
		r.rate = float64(len(arrivals)) / r.duration.Seconds()
		lo, hi := len(arrivals)/10, len(arrivals)*9/10
		if d := arrivals[hi-1].Sub(arrivals[lo]).Seconds(); hi-1 > lo && d > 0 {
			r.midRate = float64(hi-1-lo) / d
		}
	}
	return r
}

// collector copies the fake's log (GET /fake/log) as it grows.
type collector struct {
	url  string
	mu   sync.Mutex
	log  []wecomtest.Entry
	err  error
	done chan struct{}
	wg   sync.WaitGroup
}

func newCollector(fakeURL string) *collector {
	c := &collector{url: fakeURL + "/fake/log", done: make(chan struct{})}
	c.wg.Add(1)
	return c
}

func (c *collector) run() {
	defer c.wg.Done()
	for {
		select {
		case <-c.done:
			return
		case <-time.After(50 * time.Millisecond):
		}
		if err := c.poll(); err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
		}
	}
}

func (c *collector) poll() error {
	c.mu.Lock()
	from := len(c.log)
	c.mu.Unlock()
	resp, err := http.Get(c.url + "?from=" + strconv.Itoa(from))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var page wecomtest.LogPage
	if err := json.NewDecoder(bufio.NewReader(resp.Body)).Decode(&page); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.log) == from {
		c.log = append(c.log, page.Entries...)
	}
	return nil
}

func (c *collector) stop() {
	close(c.done)
	c.wg.Wait()
}

func (c *collector) len() int {
	c.poll()
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.log)
}

func (c *collector) since(from int) []wecomtest.Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.log[min(from, len(c.log)):]
}

// e2eResults is the whole benchmark's outcome.
type e2eResults struct {
	p                                e2eParams
	raw                              float64
	report, followUp, steady, loaded runResult
	bulkDone                         time.Time
	bulkSeen                         int
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (r *e2eResults) print(w io.Writer, commit string) {
	p := r.p
	fmt.Fprintf(w, "\nbench-e2e at commit %s: %d reps, WeCom API latency %v, MariaDB; %d CPUs, load average now %s\n", commit, p.Reps, p.Latency, runtime.NumCPU(), loadAvg())
	fmt.Fprintf(w, "raw single-row INSERT (64 goroutines, autocommit): %.0f rows/s\n\n", r.raw)
	fmt.Fprintf(w, "(a) throughput, %d messages from %d senders as fast as they can\n", p.N, p.Senders)
	for _, x := range []runResult{r.report, r.followUp} {
		ratio := 0.0
		if r.raw > 0 {
			ratio = x.rate / r.raw
		}
		fmt.Fprintf(w, "  %-6s %7.1f replies/s (%.1f%% of raw INSERT; 10–90%% window %.1f/s), %d replied in %v; callbacks sent at %.0f/s, ack p50 %.1f ms p99 %.1f ms; reply p50 %.0f ms p99 %.0f ms\n",
			x.name, x.rate, 100*ratio, x.midRate, x.accepted-x.lost, x.duration.Round(time.Millisecond), x.sendRate, ms(x.ack.p50), ms(x.ack.p99), ms(x.reply.p50), ms(x.reply.p99))
	}
	fmt.Fprintf(w, "\n(b),(c) latency at %.0f messages/s for %v from %d reps (half 报备, half 跟进)\n", p.Rate, p.Steady, p.Reps)
	for _, x := range []runResult{r.steady, r.loaded} {
		fmt.Fprintf(w, "  %-12s reply p50 %8.0f ms  p99 %8.0f ms  max %8.0f ms | ack p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms | %d replied, %.1f replies/s\n",
			x.name, ms(x.reply.p50), ms(x.reply.p99), ms(x.reply.max), ms(x.ack.p50), ms(x.ack.p99), ms(x.ack.max), x.accepted-x.lost, x.rate)
	}
	if !r.bulkDone.IsZero() {
		fmt.Fprintf(w, "  %d of %d digest pushes delivered, the last %v after the steady+bulk run began\n", r.bulkSeen, p.Bulk, r.bulkDone.Sub(r.loaded.start).Round(time.Millisecond))
	}
	fmt.Fprintf(w, "\nnothing lost: sent / accepted / lost / duplicated / unexpected reply / callbacks posted again after a non-200\n")
	for _, x := range []runResult{r.report, r.followUp, r.steady, r.loaded} {
		fmt.Fprintf(w, "  %-12s %6d %6d %6d %6d %6d %6d\n", x.name, x.sent, x.accepted, x.lost, x.dup, x.wrong, x.retried)
		if x.firstLostSample != "" {
			fmt.Fprintf(w, "    e.g. no reply to %s\n", x.firstLostSample)
		}
		if x.wrongSample != "" {
			fmt.Fprintf(w, "    e.g. %s\n", x.wrongSample)
		}
	}
	fmt.Fprintln(w)
}
