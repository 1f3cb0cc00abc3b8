package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"doanbd/core/benchkit"
	"doanbd/core/sqldb"
)

// The pages benchmark: `doanbd seed --synthetic` at national scale (about
// 100 tenants, 500,000 cadres; the schema has no enrolments yet), the
// journeys' users added with `doanbd user add`, then every main page served
// by the real `doanbd serve` (SQLite with the embedded queue, PostgreSQL with
// Redis) timed one request at a time, alternating with the page's JSON API
// equivalent as the same-run baseline; and each page of sizePairs at its two
// sizes, whose database round trips (the Server-Timing header) must not
// differ.

func (e *benchEnv) pagesSizes() (cadres, iterations int) {
	if e.quick {
		return quickCadres, 5
	}
	return 500_000, 120
}

// pagesGoal is the p99 a page must stay under.
const pagesGoal = 100

func (e *benchEnv) benchPages(ctx context.Context) ([]benchkit.Row, error) {
	var rows []benchkit.Row
	for _, pg := range []bool{false, true} {
		name := "pages · SQLite + embedded queue"
		if pg {
			name = "pages · PostgreSQL + Redis"
		}
		got, err := e.pagesStack(ctx, name, pg)
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

// pagesStack seeds one database, starts `doanbd serve` on it and measures.
func (e *benchEnv) pagesStack(ctx context.Context, name string, pg bool) ([]benchkit.Row, error) {
	cadres, iterations := e.pagesSizes()
	st, err := e.newServerStack(ctx, "pages", pg)
	if err != nil {
		return nil, err
	}
	env, dbOpts := st.env, st.owner
	enrolments := 4 * cadres
	_, wall, cpu, err := runCLI(ctx, e.binary, env, "seed", "--synthetic", "--cadres", strconv.Itoa(cadres), "--enrolments", strconv.Itoa(enrolments))
	if err != nil {
		return nil, err
	}
	seedRow := benchkit.Row{Benchmark: name, Figure: fmt.Sprintf("seed --synthetic, national data: %s cadres and %s enrolments (wall time)", group(cadres), group(enrolments)),
		Value: wall.Seconds(), Unit: "s",
		Note: fmt.Sprintf("`doanbd seed --synthetic --cadres %d --enrolments %d` in a fresh database (plans, classes, budget lines and workflow states included): "+
			"CPU time %.1f s; the data every page below is measured on; no goal (the 60 s goal is on 500,000 cadres alone, in the http benchmark's rows)",
			cadres, enrolments, cpu.Seconds())}
	users := append([]pageUser(nil), pageUsers...)
	for i := 0; i < pageExtraMembers; i++ {
		users = append(users, extraMember(i))
	}
	for _, u := range users {
		if _, _, _, err := runCLI(ctx, e.binary, env, "user", "add", "--tenant", u.Tenant, "--email", u.Email, "--role", u.Role); err != nil {
			return nil, err
		}
	}
	srv, err := e.startChild(ctx, "doanbd-pages", e.binary, []string{"serve"}, env, "/readyz")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	base := "http://" + srv.addr
	tokens := map[string]string{}
	for _, u := range pageUsers {
		if tokens[u.Key], err = login(ctx, base, u.Email, benchPassword); err != nil {
			return nil, fmt.Errorf("%s: %w", u.Email, err)
		}
	}
	client := &http.Client{Timeout: time.Minute}
	do := func(method, path, user string, body []byte) (int, http.Header, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
		if err != nil {
			return 0, nil, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tokens[user])
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b, err
	}
	db, err := sqldb.Open(ctx, dbOpts)
	if err != nil {
		return nil, err
	}
	ids, err := findPageIDs(ctx, db, 2026)
	db.Close()
	if err != nil {
		return nil, err
	}
	if ids.PlanSmall, ids.PlanLarge, err = makePlanPair(do, ids.PlanMany); err != nil {
		return nil, err
	}
	if err := countInbox(do, &ids); err != nil {
		return nil, err
	}
	rows, err := measurePages(ctx, name, mainPages(ids), iterations, do)
	rows = append([]benchkit.Row{seedRow}, rows...)
	if err != nil {
		return rows, err
	}
	pairs, err := measurePairs(name, sizePairs(ids), do)
	return append(rows, pairs...), err
}

// pageTimes are one page's and its baseline's latencies.
type pageTimes struct {
	page, api []time.Duration
	server    []time.Duration // the page's own Server-Timing total
	queries   int
}

// measurePages requests every page and its JSON equivalent iterations
// times, one request at a time, in rounds that alternate which goes first
// (the shared machine's load weighs on both alike), after one warm-up round.
func measurePages(ctx context.Context, name string, pages []pageSpec, iterations int, do pageClient) ([]benchkit.Row, error) {
	times := make([]pageTimes, len(pages))
	get := func(user, path string) (time.Duration, http.Header, error) {
		start := time.Now()
		st, h, body, err := do(http.MethodGet, path, user, nil)
		took := time.Since(start)
		if err != nil || st != http.StatusOK {
			return 0, nil, fmt.Errorf("GET %s as %s: %d %v %.300s", path, user, st, err, body)
		}
		return took, h, nil
	}
	for round := -1; round < iterations; round++ {
		for i, p := range pages {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			order := []bool{true, false} // page first
			if round%2 == 1 {
				order = []bool{false, true}
			}
			for _, isPage := range order {
				path := p.API
				if isPage {
					path = p.Path
				}
				d, h, err := get(p.User, path)
				if err != nil {
					return nil, err
				}
				if round < 0 {
					continue // warm-up
				}
				if isPage {
					times[i].page, times[i].queries = append(times[i].page, d), pageQueries(h)
					times[i].server = append(times[i].server, pageServerTime(h))
				} else {
					times[i].api = append(times[i].api, d)
				}
			}
		}
	}
	var rows []benchkit.Row
	for i, p := range pages {
		t := times[i]
		r := benchkit.Row{Benchmark: name, Figure: p.Name + " · p99", Value: benchkit.Ms(benchkit.Percentile(t.page, 99)), Unit: "ms",
			Baseline: &benchkit.Baseline{Name: "JSON API " + p.API, Value: benchkit.Ms(benchkit.Percentile(t.api, 99))},
			Goal:     benchkit.Goal{Kind: benchkit.Below, Limit: pagesGoal},
			Note: fmt.Sprintf("GET %s as %s: p50 %.1f ms (JSON API p50 %.1f ms); the server's own time (Server-Timing) p50 %.1f ms, p99 %.1f ms; %d database round trips a request",
				p.Path, p.User, benchkit.Ms(benchkit.Percentile(t.page, 50)), benchkit.Ms(benchkit.Percentile(t.api, 50)),
				benchkit.Ms(benchkit.Percentile(t.server, 50)), benchkit.Ms(benchkit.Percentile(t.server, 99)), t.queries)}
		if i == 0 {
			r.Note += fmt.Sprintf(". For every page: %d requests after one warm-up, one at a time from the benchmark process over loopback "+
				"(latency as the client sees it: the server's whole time plus a local round trip), alternating with the page's JSON API "+
				"equivalent (the home page's: GET /api/v1/me); bearer tokens from POST /api/v1/auth/login; load average after the run: %s",
				len(t.page), loadAverage())
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// measurePairs reads the database round trips of each page at its two
// sizes (after a request of each to warm the caches).
func measurePairs(name string, pairs []pagePair, do pageClient) ([]benchkit.Row, error) {
	var rows []benchkit.Row
	queries := func(user, path string) (int, error) {
		st, h, body, err := do(http.MethodGet, path, user, nil)
		if err != nil || st != http.StatusOK {
			return 0, fmt.Errorf("GET %s as %s: %d %v %.300s", path, user, st, err, body)
		}
		return pageQueries(h), nil
	}
	for _, p := range pairs {
		var got [4]int
		for i, req := range [][2]string{{p.SmallUser, p.Small}, {p.LargeUser, p.Large}, {p.SmallUser, p.Small}, {p.LargeUser, p.Large}} {
			n, err := queries(req[0], req[1])
			if err != nil {
				return rows, err
			}
			got[i] = n
		}
		small, large := got[2], got[3]
		note := fmt.Sprintf("%d round trips for %s (%s), %d for %s (%s)", small, items(p.SmallN), p.Small, large, items(p.LargeN), p.Large)
		if p.Once > 0 {
			note += fmt.Sprintf("; %d of them only when there are items at all, whatever their number", p.Once)
		}
		rows = append(rows, benchkit.Row{Benchmark: name, Figure: "N+1 check, " + p.Name + ": extra round trips at the larger size",
			Value: float64(large - small - p.Once), Unit: "queries", Goal: benchkit.Goal{Kind: benchkit.Below, Limit: 1}, Note: note})
	}
	return rows, nil
}

func items(n int) string {
	if n < 0 {
		return "its items"
	}
	return strconv.Itoa(n) + " items"
}
