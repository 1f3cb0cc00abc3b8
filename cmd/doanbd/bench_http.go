package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
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

type httpSizes struct {
	cadres           int
	warmup, duration time.Duration
}

func (e *benchEnv) httpSizes() httpSizes {
	if e.quick {
		return httpSizes{cadres: 2000, warmup: 200 * time.Millisecond, duration: time.Second}
	}
	return httpSizes{cadres: 500_000, warmup: 3 * time.Second, duration: 15 * time.Second}
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
	data, err := e.scratch("http")
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	env := []string{"DOANBD_DATA_DIR=" + data, "DOANBD_LOG_LEVEL=warn", "DOANBD_PASSWORD=" + benchPassword,
		"DOANBD_ENCRYPTION_KEY=" + base64.StdEncoding.EncodeToString(key)}
	plainEnv := []string{"PLAIND_SQLITE=" + filepath.Join(data, "doanbd.db")}
	dbOpts := sqldb.Options{Path: filepath.Join(data, "doanbd.db")}
	if pg {
		srv, err := e.postgres(ctx)
		if err != nil {
			return nil, err
		}
		owner, app, err := freshDatabase(ctx, srv.OwnerURL, srv.AppURL, "bench_http")
		if err != nil {
			return nil, err
		}
		redis, err := e.redisAddr()
		if err != nil {
			return nil, err
		}
		env = append(env, "DOANBD_DATABASE_URL="+app, "DOANBD_MIGRATE_DATABASE_URL="+owner, "DOANBD_REDIS_URL=redis://"+redis+"/0")
		// The baseline skips tenant scoping: it reads as the owner, a
		// superuser here, which row-level security does not restrict.
		plainEnv = []string{"PLAIND_DATABASE_URL=" + owner}
		dbOpts = sqldb.Options{URL: owner, MaxConns: 2}
	}
	var rows []benchkit.Row
	_, wall, cpu, err := runCLI(ctx, e.binary, env, "seed", "--synthetic", "--cadres", strconv.Itoa(sz.cadres))
	if err != nil {
		return nil, err
	}
	seedRow := benchkit.Row{Benchmark: name, Figure: fmt.Sprintf("seed --synthetic, %s cadres (wall time)", group(sz.cadres)),
		Value: wall.Seconds(), Unit: "s",
		Note: fmt.Sprintf("`doanbd seed --synthetic --cadres %d` in a fresh database, migrations and reference data included: "+
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
	srv, err := e.startChild(ctx, "doanbd-serve", e.binary, []string{"serve"}, env, "/readyz")
	if err != nil {
		return rows, err
	}
	defer srv.stop()
	token, err := login(ctx, "http://"+srv.addr, benchEmail, benchPassword)
	if err != nil {
		return rows, err
	}
	o := loadbench.Options{Clients: benchClients, Warmup: sz.warmup, Duration: sz.duration,
		Header: http.Header{"Authorization": {"Bearer " + token}}}
	apiURLs := make([]string, len(paths))
	for i, p := range paths {
		apiURLs[i] = "http://" + srv.addr + "/api/v1/t/" + benchTenant + "/cadres?" + p.Encode()
	}
	full, err := loadbench.Run(ctx, apiURLs, o)
	if err != nil {
		return rows, err
	}
	if full.Requests == 0 || full.Errors > 0 {
		return rows, fmt.Errorf("doanbd answered %d of %d requests with errors (first: %s)", full.Errors, full.Requests+full.Errors, full.FirstError)
	}
	fullRSS, err := srv.peakMB()
	if err != nil {
		return rows, err
	}
	var base *loadbench.Result
	baseRSS := 0.0
	baseNote := ""
	if buildErr != nil {
		baseNote = "no baseline: " + buildErr.Error()
	} else {
		b, rss, err := e.runPlain(ctx, plaind, plainEnv, paths, o)
		if err != nil {
			baseNote = "no baseline: " + err.Error()
		} else {
			base, baseRSS = &b, rss
		}
	}
	return append(rows, httpRows(name, pg, full, fullRSS, base, baseRSS, baseNote)...), nil
}

// runPlain starts the baseline server on the same database and loads it
// with the same requests.
func (e *benchEnv) runPlain(ctx context.Context, plaind string, env []string, paths []url.Values, o loadbench.Options) (loadbench.Result, float64, error) {
	c, err := e.startChild(ctx, "plaind", plaind, nil, env, "/cadres?tenant="+benchTenant)
	if err != nil {
		return loadbench.Result{}, 0, err
	}
	defer c.stop()
	urls := make([]string, len(paths))
	for i, p := range paths {
		q := url.Values{"tenant": {benchTenant}}
		for k, v := range p {
			q[k] = v
		}
		urls[i] = "http://" + c.addr + "/cadres?" + q.Encode()
	}
	o.Header = nil
	res, err := loadbench.Run(ctx, urls, o)
	if err != nil {
		return res, 0, err
	}
	if res.Requests == 0 || res.Errors > 0 {
		return res, 0, fmt.Errorf("baseline answered %d requests with errors (first: %s)", res.Errors, res.FirstError)
	}
	rss, err := c.peakMB()
	return res, rss, err
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

func httpRows(name string, pg bool, full loadbench.Result, fullRSS float64, base *loadbench.Result, baseRSS float64, baseNote string) []benchkit.Row {
	baseName := "plain net/http handler, same queries and JSON"
	bl := func(v float64) *benchkit.Baseline {
		if base == nil {
			return nil
		}
		return &benchkit.Baseline{Name: baseName, Value: v}
	}
	var bt, b50, b99 float64
	if base != nil {
		bt, b50, b99 = base.Throughput, benchkit.Ms(base.P50), benchkit.Ms(base.P99)
	}
	p99Goal := benchkit.Goal{}
	if pg {
		p99Goal = benchkit.Goal{Kind: benchkit.Below, Limit: 20}
	}
	note := fmt.Sprintf("%d concurrent clients in a closed loop (in the benchmark process, on the same machine), %d requests in %.1f s; "+
		"the same 60 URLs (6 filters × 10 pages) for both servers, one after the other; load average after the run: %s",
		benchClients, full.Requests, full.Elapsed.Seconds(), loadAverage())
	if baseNote != "" {
		note += "; " + baseNote
	}
	return []benchkit.Row{
		{Benchmark: name, Figure: "throughput, GET /cadres (page of 50, filtered), 64 clients", Value: full.Throughput, Unit: "req/s",
			Baseline: bl(bt), Goal: benchkit.Goal{Kind: benchkit.RatioAtLeast, Limit: 0.8}, Note: note},
		{Benchmark: name, Figure: "p50 latency", Value: benchkit.Ms(full.P50), Unit: "ms", Baseline: bl(b50)},
		{Benchmark: name, Figure: "p99 latency", Value: benchkit.Ms(full.P99), Unit: "ms", Baseline: bl(b99), Goal: p99Goal},
		{Benchmark: name, Figure: "server peak RSS under load (VmHWM)", Value: fullRSS, Unit: "MB", Baseline: bl(baseRSS),
			Goal: benchkit.Goal{Kind: benchkit.Below, Limit: 200},
			Note: rssNote(pg)},
	}
}

func rssNote(pg bool) string {
	what := "embedded mode: API, worker, relay and scheduler in one process"
	if pg {
		what = "production mode: API and outbox relay; workers run elsewhere"
	}
	return "VmHWM of `doanbd serve` (" + what + ") and of the baseline binary, read from /proc/PID/status after the load"
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
