package main

// The isolation tests' harness: an in-process App built as `serve` builds it,
// with users for every role in every test tenant, logged in through the API.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"doanbd/configs"
	"doanbd/core"
	"doanbd/core/authz"
	"doanbd/core/config"
	"doanbd/core/identity"
	"doanbd/core/sqldb"
	"doanbd/core/testenv"
)

// isoTenants are the tenants of the matrix: two provinces, a ministry (marked
// aggregate-only for the centre) and the centre.
var isoTenants = []string{"tw", "p79", "p01", "bca"}

const isoAggregateOnly = "bca"

// isoUser is one test user: one role in one tenant.
type isoUser struct {
	Role, Tenant, Email, ID, Token string
}

func (u isoUser) String() string { return u.Role + "@" + u.Tenant }

// isoEnv is an in-process App with users for every role in every tenant.
type isoEnv struct {
	t       *testing.T
	app     *App
	h       http.Handler
	dialect string
	ownerDB *sqldb.DB // PostgreSQL only: the owner connection (bypasses nothing: owner is not subject to RLS)
	users   []isoUser
}

func newIsoEnv(t *testing.T, dialect string) *isoEnv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.LogLevel = "error"
	cfg.EncryptionKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // test key: 32 bytes, base64
	e := &isoEnv{t: t, dialect: dialect}
	if dialect == sqldb.Postgres {
		pg := testenv.Postgres(t)
		owner, err := sqldb.Open(ctx, sqldb.Options{URL: pg.OwnerURL})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = owner.Close() })
		if _, err := owner.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		e.ownerDB = owner
		addr, idx := testenv.Redis(t)
		cfg.DatabaseURL, cfg.RedisURL = pg.AppURL, fmt.Sprintf("redis://%s/%d", addr, idx)
	} else {
		cfg.DataDir = filepath.Join(t.TempDir(), "data")
	}
	a, err := Open(ctx, cfg, newLogger(cfg))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	t.Cleanup(cancel) // runs before a.Close: the watcher stops first
	e.app = a
	if err := seedTenants(ctx, a, SeedOptions{Out: io.Discard}); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Table("tenants").Set("aggregate_only = ?", true).Where("id = ?", isoAggregateOnly).Exec(ctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Users before Setup: the server's authorization service loads them.
	id, err := a.identityForCommand(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range isoTenants {
		for _, r := range authz.Roles {
			if authz.IsCentral(r) && tn != core.CentralTenant {
				continue
			}
			u := isoUser{Role: r, Tenant: tn, Email: strings.ReplaceAll(r, "_", "-") + "." + tn + "@iso.test"}
			res, err := id.AddUser(ctx, identity.Actor{Email: "seed"}, identity.AddUserInput{Tenant: tn, Email: u.Email,
				Name: "Người dùng " + u.String(), Password: isoPassword, Role: r})
			if err != nil {
				t.Fatalf("add %s: %v", u, err)
			}
			u.ID = res.User.ID
			e.users = append(e.users, u)
		}
	}
	if err := a.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	e.h = a.Web.Handler()
	for i := range e.users {
		e.users[i].Token = e.login(e.users[i].Email)
	}
	return e
}

const isoPassword = "Cách-ly-2026!"

func (e *isoEnv) login(email string) string {
	e.t.Helper()
	st, body := e.do(http.MethodPost, "/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, email, isoPassword))
	var out struct{ Token string }
	if st != http.StatusOK || json.Unmarshal(body, &out) != nil || out.Token == "" {
		e.t.Fatalf("login %s: %d %s", email, st, body)
	}
	return out.Token
}

// do sends one request and returns status and body.
func (e *isoEnv) do(method, path, token, body string) (int, []byte) {
	st, _, b := e.doH(method, path, token, body)
	return st, b
}

func (e *isoEnv) doH(method, path, token, body string) (int, http.Header, []byte) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec.Code, rec.Header(), rec.Body.Bytes()
}

// user returns the user holding role in tenant.
func (e *isoEnv) user(role, tenant string) isoUser {
	for _, u := range e.users {
		if u.Role == role && u.Tenant == tenant {
			return u
		}
	}
	panic("isolation test: no user " + role + "@" + tenant)
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// fill builds a concrete path from a gin pattern.
func fill(pattern string, params map[string]string) string {
	return ginParam.ReplaceAllStringFunc(pattern, func(m string) string {
		if v, ok := params[m[1:]]; ok {
			return v
		}
		return "x0missing"
	})
}

// expand replaces the placeholders of a row's body or params.
func (e *isoEnv) expand(s, tenant string) string {
	return strings.NewReplacer("{learner}", e.user(authz.RoleLearner, tenant).ID, "{tenant}", tenant).Replace(s)
}

// problemKeys are the only keys an error body may carry.
var problemKeys = map[string]bool{"type": true, "title": true, "status": true, "code": true, "detail": true, "errors": true, "request_id": true}

var (
	perRequest = regexp.MustCompile(`((?:csrf-token" content|name="csrf_token" value)=")[^"]*"|<code>[0-9a-f]{16,64}</code>`)
	// urlEcho matches the tenant of the URL where a page echoes its own path.
	urlEcho = func(tenant string) *strings.Replacer {
		return strings.NewReplacer("/t/"+tenant+"/", "/t/{tenant}/", "%2ft%2f"+tenant+"%2f", "%2ft%2f{tenant}%2f", "%2Ft%2F"+tenant+"%2F", "%2Ft%2F{tenant}%2F")
	}
)

// normalized is a refusal's body without what differs per request: the
// request id and CSRF token, and the URL's own tenant where a page echoes
// its path (the caller typed it; it tells nothing).
func normalized(body []byte, urlTenant string) string {
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		delete(m, "request_id")
		b, _ := json.Marshal(m)
		return string(b)
	}
	s := perRequest.ReplaceAllString(string(body), "$1")
	return urlEcho(urlTenant).Replace(s)
}

// checkRefusal fails unless a response is a 403/404 that carries no data.
func checkRefusal(t *testing.T, what string, st int, hdr http.Header, body []byte, markers []string) {
	t.Helper()
	if st != http.StatusForbidden && st != http.StatusNotFound {
		t.Errorf("%s: status %d, want 403 or 404; body %.300s", what, st, body)
		return
	}
	if strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("%s: problem body is not JSON: %.300s", what, body)
		}
		for k := range m {
			if !problemKeys[k] {
				t.Errorf("%s: refusal carries %q: %.300s", what, k, body)
			}
		}
	}
	for _, mk := range markers {
		if mk != "" && bytes.Contains(body, []byte(mk)) {
			t.Errorf("%s: refusal shows %q: %.300s", what, mk, body)
		}
	}
}

// markers are strings that only the tenant's own data contains.
func (e *isoEnv) markers(tenant string) []string {
	var out []string
	for _, u := range e.users {
		if u.Tenant == tenant {
			out = append(out, u.Email, u.ID)
		}
	}
	return out
}

// reaches reports whether the shipped policy lets a central template held in
// tw act on obj.act in another tenant: an oracle read from policy.csv, not
// from the enforcer under test.
func reaches(t *testing.T, role, tenant, obj, act string) bool {
	t.Helper()
	if !authz.IsCentral(role) || tenant == core.CentralTenant {
		return false
	}
	rules, err := authz.ParsePolicy(configs.CasbinPolicy)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r[0] != role {
			continue
		}
		if r[1] == authz.Perm(obj, act, authz.ScopeAnyChild) ||
			(r[1] == authz.Perm(obj, act, authz.ScopeChild) && tenant != isoAggregateOnly) {
			return true
		}
	}
	return false
}

// allowsOwn reports whether the shipped policy lets role do obj.act in a
// tenant where it is held (the same independent oracle as reaches).
func allowsOwn(t *testing.T, role, obj, act string) bool {
	t.Helper()
	rules, err := authz.ParsePolicy(configs.CasbinPolicy)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r[0] == role && r[1] == authz.Perm(obj, act, authz.ScopeOwn) {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
