package identity_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/gin-gonic/gin"
	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/identity"
	"doanbd/core/sqldb"
	"doanbd/core/testenv"
	"doanbd/core/web"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// dialects runs f on a migrated SQLite database and on PostgreSQL (migrated
// as the owner, used as doanbd_app under row-level security).
func dialects(t *testing.T, f func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	t.Run(sqldb.SQLite, func(t *testing.T) {
		f(t, openDB(t, sqldb.Options{Path: filepath.Join(t.TempDir(), "test.db")}, true))
	})
	t.Run(sqldb.Postgres, func(t *testing.T) {
		pg := testenv.Postgres(t)
		openDB(t, sqldb.Options{URL: pg.OwnerURL}, true)
		f(t, openDB(t, sqldb.Options{URL: pg.AppURL}, false))
	})
}

func openDB(t *testing.T, o sqldb.Options, migrate bool) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(testCtx(t), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if migrate {
		if _, err := db.Migrate(testCtx(t)); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	return db
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeRoles keeps role assignments in memory (the Casbin adapter is tested
// on its own).
type fakeRoles struct {
	mu      sync.Mutex
	byUser  map[string]map[string][]string
	assigns int
}

func (f *fakeRoles) AssignRole(_ context.Context, _, userID, role, tenant string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byUser[userID] == nil {
		f.byUser[userID] = map[string][]string{}
	}
	if !slices.Contains(f.byUser[userID][tenant], role) {
		f.byUser[userID][tenant] = append(f.byUser[userID][tenant], role)
		f.assigns++
	}
	return nil
}

func (f *fakeRoles) RolesOf(_ context.Context, userID string) (map[string][]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string][]string{}
	for t, rs := range f.byUser[userID] {
		out[t] = slices.Clone(rs)
	}
	return out, nil
}

func (f *fakeRoles) UsersIn(_ context.Context, tenant string) (map[string][]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string][]string{}
	for u, byT := range f.byUser {
		if rs := byT[tenant]; len(rs) > 0 {
			out[u] = slices.Clone(rs)
		}
	}
	return out, nil
}

type fakeTenants map[string]core.Tenant

func (f fakeTenants) Tenant(_ context.Context, slug string) (core.Tenant, error) {
	t, ok := f[slug]
	if !ok {
		return core.Tenant{}, core.Errorf(core.ENOTFOUND, "Không tìm thấy đơn vị.")
	}
	return t, nil
}

var tenants = fakeTenants{
	"tw":  {ID: "tw", Name: "Trung ương Đoàn", Kind: core.TenantCentral, Status: core.TenantActive},
	"p79": {ID: "p79", Name: "Thành phố Hồ Chí Minh", Kind: core.TenantProvince, Parent: "tw", Status: core.TenantActive},
	"p01": {ID: "p01", Name: "Thành phố Hà Nội", Kind: core.TenantProvince, Parent: "tw", Status: core.TenantActive},
	"bqp": {ID: "bqp", Name: "Đoàn Thanh niên Quân đội", Kind: core.TenantMinistry, Parent: "tw", Status: core.TenantActive},
	"bca": {ID: "bca", Name: "Đoàn Thanh niên Công an nhân dân", Kind: core.TenantMinistry, Parent: "tw", Status: core.TenantActive},
	"p72": {ID: "p72", Name: "Tây Ninh (cũ)", Kind: core.TenantProvince, Parent: "tw", Status: core.TenantEnded, Successor: "p80"},
}

// fakeAudit records events. It checks the contract of the real audit log:
// the event has a chain, and on PostgreSQL the caller's transaction is
// scoped (app.tenants) to that chain, as row-level security requires.
type fakeAudit struct {
	mu      sync.Mutex
	dialect string
	events  []identity.AuditEvent
}

func (f *fakeAudit) Record(ctx context.Context, tx bun.Tx, e identity.AuditEvent) error {
	if e.Tenant == "" || e.Action == "" {
		return fmt.Errorf("audit event without chain or action: %+v", e)
	}
	if f.dialect == sqldb.Postgres {
		var scope string
		if err := tx.QueryRowContext(ctx, "SELECT current_setting('app.tenants', true)").Scan(&scope); err != nil {
			return err
		}
		if scope != e.Tenant {
			return fmt.Errorf("audit %s for chain %q in a transaction scoped to %q", e.Action, e.Tenant, scope)
		}
	}
	f.mu.Lock()
	f.events = append(f.events, e)
	f.mu.Unlock()
	return nil
}

func (f *fakeAudit) count(action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, e := range f.events {
		if e.Action == action {
			n++
		}
	}
	return n
}

// guard is the test's web.Guard: the real Authenticate, fake tenant
// resolution and a tiny authorizer (user/manage for tenant_admin, user/read
// also for auditor).
type guard struct {
	svc   *identity.Service
	roles *fakeRoles
}

func (g guard) Authenticate(c *gin.Context) (core.Principal, error) { return g.svc.Authenticate(c) }

func (g guard) ResolveTenant(ctx context.Context, slug string, write bool) (core.Tenant, error) {
	t, err := tenants.Tenant(ctx, slug)
	if err == nil && write && t.Status != core.TenantActive {
		return core.Tenant{}, core.Errorf(core.ENOTFOUND, "Không tìm thấy đơn vị.")
	}
	return t, err
}

func (g guard) Authorize(ctx context.Context, p core.Principal, tenant, obj, act string) error {
	roles, _ := g.roles.RolesOf(ctx, p.UserID)
	allowed := slices.Contains(roles[tenant], "tenant_admin") ||
		(act == "read" && slices.Contains(roles[tenant], "auditor")) ||
		(obj == "test")
	if !allowed {
		return core.Errorf(core.EFORBIDDEN, "Bạn không có quyền thực hiện thao tác này.")
	}
	return nil
}

type env struct {
	db    *sqldb.DB
	svc   *identity.Service
	ws    *web.Server
	roles *fakeRoles
	audit *fakeAudit
	clock *clock
}

const testPassword = "mật-khẩu-đủ-dài"

func newEnv(t *testing.T, db *sqldb.DB) *env {
	t.Helper()
	e := &env{db: db, roles: &fakeRoles{byUser: map[string]map[string][]string{}}, audit: &fakeAudit{dialect: db.Dialect},
		clock: &clock{t: time.Now().UTC()}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := identity.New(db, e.roles, tenants, e.audit, identity.Options{
		Argon: &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32},
		Now:   e.clock.Now, Log: log, TokenLifetime: time.Hour, SessionLifetime: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	ws, err := web.New(web.Options{Addr: "127.0.0.1:0", Log: log, BodyLimit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	// Registered before Install: only Authenticate's own CSRF check guards it.
	ws.Authed(http.MethodPost, "/test/early", "test", "write", func(c *gin.Context) error { c.String(200, "ok"); return nil })
	svc.Install(ws)
	ws.Public(http.MethodGet, "/test/form", func(c *gin.Context) error { c.String(200, svc.CSRFToken(c)); return nil })
	ws.Public(http.MethodPost, "/test/login", func(c *gin.Context) error {
		if _, err := svc.LoginSession(c, c.PostForm("email"), c.PostForm("password")); err != nil {
			return err
		}
		c.Redirect(http.StatusSeeOther, "/")
		return nil
	})
	ws.Authed(http.MethodPost, "/test/echo", "test", "write", func(c *gin.Context) error { c.String(200, "ok"); return nil })
	ws.SetGuard(guard{svc: svc, roles: e.roles})
	e.ws = ws
	return e
}

// addUser creates a user with a role, failing the test on error.
func (e *env) addUser(t *testing.T, tenant, email, role string) identity.User {
	t.Helper()
	res, err := e.svc.AddUser(testCtx(t), identity.Actor{Email: "test"}, identity.AddUserInput{
		Tenant: tenant, Email: email, Name: "Nguyễn Thị Thử", Password: testPassword, Role: role})
	if err != nil {
		t.Fatalf("add user %s: %v", email, err)
	}
	return res.User
}

// client is a browser or script talking to the in-process server: it keeps
// cookies, and sends from one client address.
type client struct {
	t       *testing.T
	e       *env
	ip      string
	bearer  string
	cookies map[string]*http.Cookie
	header  map[string]string // extra headers on every request
}

func (e *env) client(t *testing.T, ip string) *client {
	return &client{t: t, e: e, ip: ip, cookies: map[string]*http.Cookie{}, header: map[string]string{}}
}

func (cl *client) send(req *http.Request) *httptest.ResponseRecorder {
	cl.t.Helper()
	req.RemoteAddr = cl.ip + ":40000"
	for _, ck := range cl.cookies {
		req.AddCookie(ck)
	}
	if cl.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+cl.bearer)
	}
	for k, v := range cl.header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	cl.e.ws.Handler().ServeHTTP(w, req)
	for _, ck := range w.Result().Cookies() {
		if ck.MaxAge < 0 {
			delete(cl.cookies, ck.Name)
		} else {
			cl.cookies[ck.Name] = ck
		}
	}
	return w
}

func (cl *client) json(method, path string, body any) *httptest.ResponseRecorder {
	cl.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			cl.t.Fatal(err)
		}
		r = strings.NewReader(string(b))
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return cl.send(req)
}

func (cl *client) form(path string, v url.Values) *httptest.ResponseRecorder {
	cl.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return cl.send(req)
}

// login logs in through the API and returns the token.
func (cl *client) login(email, password string) *httptest.ResponseRecorder {
	cl.t.Helper()
	return cl.json(http.MethodPost, "/api/v1/auth/login", map[string]string{"email": email, "password": password})
}

// problemOf decodes a problem+json answer.
type problemBody struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Code   string `json:"code"`
}

func problemOf(t *testing.T, w *httptest.ResponseRecorder) problemBody {
	t.Helper()
	var p problemBody
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("not a problem document (%d): %s", w.Code, w.Body.String())
	}
	return p
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body.String())
	}
}
