package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core/benchkit"
	"doanbd/core/loadbench"
	"doanbd/core/sqldb"
)

// The HTTP benchmark: `doanbd seed --synthetic` at national scale, then the
// roster list (GET /api/v1/t/p79/cadres, pages of 50, filtered) served by
// the real `doanbd serve` — gin, bearer-token authentication, Casbin
// authorization, tenant scoping (row-level security on PostgreSQL) — under
// 64 concurrent clients, against loadbench's plain net/http handler doing the
// same queries and JSON on the same database in the same run. Both stacks:
// SQLite with the embedded queue, PostgreSQL with Redis.

const (
	benchClients  = 64
	benchTenant   = "p79"
	benchEmail    = "bench.planner@doanbd.local"
	benchPassword = "Mat-khau-do-tai-2026"
)

// httpSizes: each measurement is rounds × duration (paced: rounds × paced),
// each round after its own warm-up.
type httpSizes struct {
	cadres                  int
	rounds                  int
	warmup, duration, paced time.Duration
}

func (e *benchEnv) httpSizes() httpSizes {
	if e.quick {
		// No warm-up: every client's first request counts, so a run always
		// has figures however busy the machine (the quick run is a test).
		return httpSizes{cadres: 2000, rounds: 1, duration: time.Second, paced: time.Second}
	}
	return httpSizes{cadres: 500_000, rounds: 3, warmup: time.Second, duration: 5 * time.Second, paced: 4 * time.Second}
}

func (e *benchEnv) benchHTTP(ctx context.Context) ([]benchkit.Row, error) {
	plaind, buildErr := e.buildPlaind(ctx)
	var rows []benchkit.Row
	for _, pg := range []bool{false, true} {
		name := "roster list · SQLite + embedded queue"
		if pg {
			name = "roster list · PostgreSQL + Redis"
		}
		got, err := e.httpStack(ctx, name, pg, plaind, buildErr)
		if err != nil {
			got = append(got, benchkit.Row{Benchmark: name, Figure: "(not measured)", Skipped: err.Error()})
		}
		rows = append(rows, got...)
		if ctx.Err() != nil {
			return rows, ctx.Err()
		}
	}
	return rows, nil
}

// httpStack seeds one database, starts both servers on it and measures.
func (e *benchEnv) httpStack(ctx context.Context, name string, pg bool, plaind string, buildErr error) ([]benchkit.Row, error) {
	sz := e.httpSizes()
	st, err := e.newServerStack(ctx, "http", pg)
	if err != nil {
		return nil, err
	}
	env, dbOpts := st.env, st.owner
	plainEnv := []string{"PLAIND_SQLITE=" + st.sqlite}
	if pg {
		// The baseline skips tenant scoping: it reads as the owner, a
		// superuser here, which row-level security does not restrict.
		plainEnv = []string{"PLAIND_DATABASE_URL=" + st.ownerURL}
	}
	var rows []benchkit.Row
	// The 60 s goal is on the cadres; the list needs no enrolments (the
	// pages benchmark seeds and times the whole national data set).
	_, wall, cpu, err := runCLI(ctx, e.binary, env, "seed", "--synthetic", "--cadres", strconv.Itoa(sz.cadres), "--enrolments", "0")
	if err != nil {
		return nil, err
	}
	seedRow := benchkit.Row{Benchmark: name, Figure: fmt.Sprintf("seed --synthetic, %s cadres (wall time)", group(sz.cadres)),
		Value: wall.Seconds(), Unit: "s",
		Note: fmt.Sprintf("`doanbd seed --synthetic --cadres %d --enrolments 0` in a fresh database, migrations, reference data, plans and classes included: "+
			"%.0f cadres/s; CPU time %.1f s (user + system of the seed process); no baseline: the goal is absolute",
			sz.cadres, float64(sz.cadres)/wall.Seconds(), cpu.Seconds())}
	if !pg && !e.quick {
		seedRow.Goal = benchkit.Goal{Kind: benchkit.Below, Limit: 60}
	}
	rows = append(rows, seedRow)
	if _, _, _, err := runCLI(ctx, e.binary, env, "user", "add", "--tenant", benchTenant, "--email", benchEmail, "--role", "planner"); err != nil {
		return rows, err
	}
	paths, err := listPaths(ctx, dbOpts)
	if err != nil {
		return rows, err
	}
	token, err := e.loginOnce(ctx, env)
	if err != nil {
		return rows, err
	}
	srv, err := e.startChild(ctx, "doanbd-serve", e.binary, []string{"serve"}, env, "/readyz")
	if err != nil {
		return rows, err
	}
	defer srv.stop()
	apiURLs := make([]string, len(paths))
	for i, p := range paths {
		apiURLs[i] = "http://" + srv.addr + "/api/v1/t/" + benchTenant + "/cadres?" + p.Encode()
	}
	full := target{name: "doanbd", urls: apiURLs, header: http.Header{"Authorization": {"Bearer " + token}}, proc: srv}
	var base *target
	baseNote := ""
	if buildErr != nil {
		baseNote = "no baseline: " + buildErr.Error()
	} else if c, err := e.startChild(ctx, "plaind", plaind, nil, plainEnv, "/cadres?tenant="+benchTenant); err != nil {
		baseNote = "no baseline: " + err.Error()
	} else {
		defer c.stop()
		base = &target{name: "baseline", urls: plainURLs(c.addr, paths), proc: c}
	}
	m, err := measureHTTP(ctx, e.httpSizes(), &full, base)
	if err != nil {
		return rows, err
	}
	m.baseNote = baseNote
	return append(rows, m.rows(name, pg)...), nil
}

// loginOnce gets a bearer token from a server started for that alone: the
// measured server then holds no trace of the login (argon2id takes 64 MiB
// per password check, which the Go runtime returns to the system only
// slowly). Tokens live in the database, so the other server accepts it.
func (e *benchEnv) loginOnce(ctx context.Context, env []string) (string, error) {
	s, err := e.startChild(ctx, "doanbd-login", e.binary, []string{"serve"}, env, "/readyz")
	if err != nil {
		return "", err
	}
	defer s.stop()
	return login(ctx, "http://"+s.addr, benchEmail, benchPassword)
}

// target is one server under load.
type target struct {
	name          string
	urls          []string
	header        http.Header
	proc          *child
	closed, paced loadbench.Result
	peakMB        float64
}

func (t *target) run(ctx context.Context, sz httpSizes, rate float64) (loadbench.Result, error) {
	o := loadbench.Options{Clients: benchClients, Warmup: sz.warmup, Duration: sz.duration, Header: t.header, Rate: rate}
	if rate > 0 {
		o.Duration = sz.paced
	}
	r, err := loadbench.Run(ctx, t.urls, o)
	if err != nil {
		return r, fmt.Errorf("%s: %w", t.name, err)
	}
	if r.Requests == 0 || r.Errors > 0 {
		return r, fmt.Errorf("%s answered %d of %d requests with errors (first: %s)", t.name, r.Errors, r.Requests+r.Errors, r.FirstError)
	}
	return r, nil
}

// httpMeasure is both servers' results.
type httpMeasure struct {
	full     *target
	base     *target
	rate     float64
	baseNote string
	peakNote string
}

// measureHTTP loads both servers at saturation (closed loop), then both at
// the same fixed rate, half what the baseline sustained (open loop), and
// reads their peak memory. Each measurement runs in rounds that alternate
// between the servers, so a change in the machine's other load (it is
// shared) weighs on both alike.
func measureHTTP(ctx context.Context, sz httpSizes, full, base *target) (*httpMeasure, error) {
	m := &httpMeasure{full: full, base: base}
	ts := []*target{full}
	if base != nil {
		ts = []*target{base, full}
	}
	for _, t := range ts {
		if err := t.proc.resetPeak(); err != nil {
			m.peakNote = "; the peak includes start-up and login (VmHWM could not be reset: " + err.Error() + ")"
		}
	}
	rounds := func(rate float64, set func(t *target, r loadbench.Result)) error {
		got := map[*target][]loadbench.Result{}
		for r := 0; r < sz.rounds; r++ {
			for i := range ts {
				t := ts[i]
				if r%2 == 1 {
					t = ts[len(ts)-1-i]
				}
				res, err := t.run(ctx, sz, rate)
				if err != nil {
					return err
				}
				got[t] = append(got[t], res)
			}
		}
		for _, t := range ts {
			set(t, loadbench.Merge(got[t]...))
		}
		return nil
	}
	if err := rounds(0, func(t *target, r loadbench.Result) { t.closed = r }); err != nil {
		return nil, err
	}
	m.rate = ts[0].closed.Throughput / 2
	if err := rounds(m.rate, func(t *target, r loadbench.Result) { t.paced = r }); err != nil {
		return nil, err
	}
	for _, t := range ts {
		var err error
		if t.peakMB, err = t.proc.peakMB(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func plainURLs(addr string, paths []url.Values) []string {
	urls := make([]string, len(paths))
	for i, p := range paths {
		q := url.Values{"tenant": {benchTenant}}
		for k, v := range p {
			q[k] = v
		}
		urls[i] = "http://" + addr + "/cadres?" + q.Encode()
	}
	return urls
}

// listPaths is the mix of list requests both servers answer: pages of 50
// through the tenant's roster by employment, by title, by a district's and a
// commune's subtree, and of cadres in a planning pool.
func listPaths(ctx context.Context, o sqldb.Options) ([]url.Values, error) {
	db, err := sqldb.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var district, commune string
	err = db.ConsolidationTx(ctx, []string{benchTenant}, func(ctx context.Context, tx bun.Tx) error {
		for _, u := range []struct {
			level string
			id    *string
		}{{"huyen", &district}, {"co_so", &commune}} {
			var ids []string
			if err := tx.NewRaw(`SELECT id FROM units WHERE tenant_id = ? AND level = ? AND code LIKE 'SYN-%' ORDER BY id LIMIT 1`,
				benchTenant, u.level).Scan(ctx, &ids); err != nil {
				return err
			}
			if len(ids) > 0 {
				*u.id = ids[0]
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read units for the request mix: %w", err)
	}
	if district == "" || commune == "" {
		return nil, fmt.Errorf("tenant %s has no synthetic units", benchTenant)
	}
	var out []url.Values
	for page := 0; page < 10; page++ {
		off := strconv.Itoa(page * 50)
		out = append(out,
			url.Values{"employment": {"kiem_nhiem"}, "offset": {off}},
			url.Values{"title": {"bi_thu_chi_doan"}, "offset": {off}},
			url.Values{"unit": {district}, "subtree": {"true"}, "offset": {strconv.Itoa(page % 3 * 50)}},
			url.Values{"unit": {commune}, "subtree": {"true"}},
			url.Values{"planning": {"any"}, "offset": {off}},
			url.Values{"employment": {"chuyen_trach"}, "title": {"bi_thu_xa"}, "offset": {strconv.Itoa(page % 4 * 50)}},
		)
	}
	return out, nil
}

func (m *httpMeasure) rows(name string, pg bool) []benchkit.Row {
	baseName := "plain net/http handler, same queries and JSON"
	bl := func(f func(t *target) float64) *benchkit.Baseline {
		if m.base == nil {
			return nil
		}
		return &benchkit.Baseline{Name: baseName, Value: f(m.base)}
	}
	p99Goal := benchkit.Goal{}
	if pg {
		p99Goal = benchkit.Goal{Kind: benchkit.Below, Limit: 20}
	}
	f := m.full
	note := fmt.Sprintf("%d concurrent clients in a closed loop (in the benchmark process, on the same machine), %d requests in %.0f s, "+
		"in rounds alternating with the baseline's; the same 60 URLs (6 filters × 10 pages) for both servers; load average after the run: %s",
		benchClients, f.closed.Requests, f.closed.Elapsed.Seconds(), loadAverage())
	if m.baseNote != "" {
		note += "; " + m.baseNote
	}
	return []benchkit.Row{
		{Benchmark: name, Figure: "throughput, GET /cadres (page of 50, filtered), 64 clients", Value: f.closed.Throughput, Unit: "req/s",
			Baseline: bl(func(t *target) float64 { return t.closed.Throughput }), Goal: benchkit.Goal{Kind: benchkit.RatioAtLeast, Limit: 0.8}, Note: note},
		{Benchmark: name, Figure: "p50 latency, 64 clients", Value: benchkit.Ms(f.closed.P50), Unit: "ms",
			Baseline: bl(func(t *target) float64 { return benchkit.Ms(t.closed.P50) })},
		{Benchmark: name, Figure: "p99 latency, 64 clients", Value: benchkit.Ms(f.closed.P99), Unit: "ms",
			Baseline: bl(func(t *target) float64 { return benchkit.Ms(t.closed.P99) }), Goal: p99Goal,
			Note: "closed loop: each client waits for its answer, so once the CPU is saturated latency ≈ 64 ÷ throughput (Little's law), for the baseline too"},
		{Benchmark: name, Figure: fmt.Sprintf("p99 latency at %.0f req/s (open loop, half the baseline's throughput)", m.rate),
			Value: benchkit.Ms(f.paced.P99), Unit: "ms", Baseline: bl(func(t *target) float64 { return benchkit.Ms(t.paced.P99) }), Goal: p99Goal,
			Note: fmt.Sprintf("requests sent at a fixed rate through up to %d connections for %.0f s; latency counts from when a request was due (queueing included); p50 %.1f ms",
				benchClients, f.paced.Elapsed.Seconds(), benchkit.Ms(f.paced.P50))},
		{Benchmark: name, Figure: "server peak RSS under load (VmHWM)", Value: f.peakMB, Unit: "MB",
			Baseline: bl(func(t *target) float64 { return t.peakMB }), Goal: benchkit.Goal{Kind: benchkit.Below, Limit: 200}, Note: rssNote(pg) + m.peakNote},
	}
}

func rssNote(pg bool) string {
	what := "embedded mode: API, worker, relay and scheduler in one process"
	if pg {
		what = "production mode: API and outbox relay; workers run elsewhere"
	}
	return "VmHWM of `doanbd serve` (" + what + ") and of the baseline binary over both loads (reset through /proc/PID/clear_refs " +
		"before them), read from /proc/PID/status; the token comes from another server process, so the peak holds no login " +
		"(argon2id takes 64 MiB per password check)"
}

// loadAverage is the 1-minute load average (other work on the machine
// skews every figure), or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

// group writes 500000 as "500 000".
func group(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + " " + s[i:]
	}
	return s
}
