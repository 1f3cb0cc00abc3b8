package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"doanbd/core/benchkit"
	"doanbd/core/config"
	"doanbd/core/identity"
	"doanbd/core/sqldb"
	"doanbd/core/testenv"
)

const pagesTestPassword = "Trang-chinh-2026!"

// pagesApp is an in-process App built as `serve` builds it, over the quick
// synthetic data, with the pages' users logged in through the API.
type pagesApp struct {
	t      *testing.T
	h      http.Handler
	tokens map[string]string
	ids    pageIDs
}

func newPagesApp(t *testing.T, dialect string) *pagesApp {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.LogLevel = "error"
	cfg.EncryptionKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // test key: 32 bytes, base64
	if dialect == sqldb.Postgres {
		pg := testenv.Postgres(t)
		addr, idx := testenv.Redis(t)
		cfg.DatabaseURL, cfg.MigrateURL, cfg.RedisURL = pg.AppURL, pg.OwnerURL, fmt.Sprintf("redis://%s/%d", addr, idx)
		if _, err := migrate(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	a, err := Open(ctx, cfg, newLogger(cfg))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	t.Cleanup(cancel)
	for _, s := range a.seedSteps() {
		if err := s.Run(ctx, a, SeedOptions{Out: io.Discard}); err != nil {
			t.Fatalf("seed %s: %v", s.Name, err)
		}
	}
	syn := syntheticFlags{on: true, quick: true, seed: 1}
	if err := syn.run(ctx, a, io.Discard); err != nil {
		t.Fatal(err)
	}
	id, err := a.identityForCommand(ctx)
	if err != nil {
		t.Fatal(err)
	}
	users := append([]pageUser(nil), pageUsers...)
	for i := 0; i < pageExtraMembers; i++ {
		users = append(users, extraMember(i))
	}
	for _, u := range users {
		if _, err := id.AddUser(ctx, identity.Actor{Email: "seed"}, identity.AddUserInput{Tenant: u.Tenant, Email: u.Email,
			Name: "Người dùng " + u.Key, Password: pagesTestPassword, Role: u.Role}); err != nil {
			t.Fatalf("add %s: %v", u.Key, err)
		}
	}
	if err := a.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	p := &pagesApp{t: t, h: a.Web.Handler(), tokens: map[string]string{}}
	for _, u := range pageUsers {
		p.tokens[u.Key] = p.login(u.Email)
	}
	if p.ids, err = findPageIDs(ctx, a.DB, 2026); err != nil {
		t.Fatal(err)
	}
	if p.ids.PlanSmall, p.ids.PlanLarge, err = makePlanPair(p.do, p.ids.PlanMany); err != nil {
		t.Fatal(err)
	}
	if err := countInbox(p.do, &p.ids); err != nil {
		t.Fatal(err)
	}
	return p
}

// do is a pageClient over the in-process handler.
func (p *pagesApp) do(method, path, user string, body []byte) (int, http.Header, []byte, error) {
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+p.tokens[user])
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	p.h.ServeHTTP(w, r)
	return w.Code, w.Header(), w.Body.Bytes(), nil
}

func (p *pagesApp) login(email string) string {
	p.t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login",
		strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, pagesTestPassword)))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	p.h.ServeHTTP(w, r)
	var out struct{ Token string }
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &out) != nil || out.Token == "" {
		p.t.Fatalf("login %s: %d %s", email, w.Code, w.Body)
	}
	return out.Token
}

// get requests a page as user and returns its database round trips.
func (p *pagesApp) get(user, path string) int {
	p.t.Helper()
	st, h, body, _ := p.do(http.MethodGet, path, user, nil)
	if st != http.StatusOK {
		p.t.Fatalf("GET %s as %s: %d %s", path, user, st, body)
	}
	n := pageQueries(h)
	if n <= 0 {
		p.t.Fatalf("GET %s: no query count in Server-Timing %q", path, h.Get("Server-Timing"))
	}
	return n
}

// TestBenchPagesQueryCount renders every main page of the pages benchmark,
// and each page of a pair at its two sizes: the database round trips must
// not grow with what the page shows (no query per row).
func TestBenchPagesQueryCount(t *testing.T) {
	for _, dialect := range []string{sqldb.SQLite, sqldb.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			p := newPagesApp(t, dialect)
			for _, pg := range mainPages(p.ids) {
				t.Logf("%-60s %3d round trips", pg.Name, p.get(pg.User, pg.Path))
			}
			for _, pair := range sizePairs(p.ids) {
				// Warm the caches (tenant registry, workflow definitions).
				p.get(pair.SmallUser, pair.Small)
				p.get(pair.LargeUser, pair.Large)
				small, large := p.get(pair.SmallUser, pair.Small), p.get(pair.LargeUser, pair.Large)
				t.Logf("%-28s %3d round trips for %d items, %3d for %d", pair.Name, small, pair.SmallN, large, pair.LargeN)
				if large < small || large > small+pair.Once {
					t.Errorf("%s: %d round trips at the small size (%s), %d at the large (%s)", pair.Name, small, pair.Small, large, pair.Large)
				}
			}
		})
	}
}

// TestBenchPagesQuick runs the pages benchmark end to end at the quick
// scale on both stacks through the real binary and checks every page was
// timed against its baseline and every pair's round trips were read
// (figures are not judged).
func TestBenchPagesQuick(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	env, log := quickBenchEnv(ctx, t)
	rows, err := env.benchPages(ctx)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	want := 2 * (1 + len(mainPages(pageIDs{})) + len(sizePairs(pageIDs{}))) // with the seed row
	if len(rows) != want {
		t.Fatalf("%d rows, want %d: %+v", len(rows), want, rows)
	}
	for _, r := range rows {
		if r.Skipped != "" {
			t.Fatalf("%s: %s not measured: %s", r.Benchmark, r.Figure, r.Skipped)
		}
		if strings.HasPrefix(r.Figure, "N+1") {
			if r.Goal.Kind != benchkit.Below || !strings.Contains(r.Note, "round trips for") {
				t.Errorf("%s: %+v", r.Figure, r)
			}
			continue
		}
		if strings.HasPrefix(r.Figure, "seed --synthetic") {
			if r.Value <= 0 || !strings.Contains(r.Note, "--enrolments") {
				t.Errorf("%s: %+v", r.Figure, r)
			}
			continue
		}
		if r.Value <= 0 || r.Baseline == nil || r.Baseline.Value <= 0 || r.Goal.Limit != pagesGoal {
			t.Errorf("%s: %s: %+v", r.Benchmark, r.Figure, r)
		}
	}
}
