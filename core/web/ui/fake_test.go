package ui

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/web"
)

// fakeIdentity stands in for the identity and authorization adapters in the
// handler tests of this package: sessions in a map, roles per tenant. The
// browser tests run the real adapters.
type fakeIdentity struct {
	mu       sync.Mutex
	sessions map[string]core.Principal // session id → user
	users    map[string]fakeUser       // email → user
	roles    map[string]map[string][]string
	tenants  map[string]core.Tenant
	// perms: role → "obj:act" allowed.
	perms map[string][]string
}

type fakeUser struct {
	p        core.Principal
	password string
}

func newFakeIdentity() *fakeIdentity {
	f := &fakeIdentity{
		sessions: map[string]core.Principal{},
		users:    map[string]fakeUser{},
		roles:    map[string]map[string][]string{},
		tenants: map[string]core.Tenant{
			"tw":  {ID: "tw", Name: "Trung ương Đoàn", Kind: core.TenantCentral, Status: core.TenantActive},
			"p79": {ID: "p79", Name: "Thành Đoàn Thành phố Hồ Chí Minh", Kind: core.TenantProvince, Parent: "tw", Status: core.TenantActive},
			"p01": {ID: "p01", Name: "Thành Đoàn Hà Nội", Kind: core.TenantProvince, Parent: "tw", Status: core.TenantActive},
		},
		perms: map[string][]string{
			"planner": {"program:read", "cadre:read", "cadre:write", "cadre:read_sensitive", "cadre:import", "cadre:export", "unit:read"},
			"admin":   {"program:read", "cadre:read"},
		},
	}
	return f
}

func (f *fakeIdentity) addUser(id, email, password string, roles map[string][]string) {
	f.users[email] = fakeUser{p: core.Principal{UserID: id, Email: email, Name: "Nguyễn Thị Lan", Via: "session"}, password: password}
	f.roles[id] = roles
}

func (f *fakeIdentity) Authenticate(c *gin.Context) (core.Principal, error) {
	ck, err := c.Cookie("sid")
	if err != nil {
		return core.Principal{}, core.Errorf(core.EUNAUTHORIZED, "Vui lòng đăng nhập.")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.sessions[ck]
	if !ok {
		return core.Principal{}, core.Errorf(core.EUNAUTHORIZED, "Vui lòng đăng nhập.")
	}
	return p, nil
}

func (f *fakeIdentity) LoginSession(c *gin.Context, email, password string) (core.Principal, error) {
	u, ok := f.users[email]
	if !ok || u.password != password {
		return core.Principal{}, core.Errorf(core.EUNAUTHORIZED, "Sai thông tin đăng nhập.")
	}
	f.mu.Lock()
	f.sessions["s-"+u.p.UserID] = u.p
	f.mu.Unlock()
	http.SetCookie(c.Writer, &http.Cookie{Name: "sid", Value: "s-" + u.p.UserID, Path: "/"})
	return u.p, nil
}

func (f *fakeIdentity) LogoutSession(c *gin.Context) error {
	ck, _ := c.Cookie("sid")
	f.mu.Lock()
	delete(f.sessions, ck)
	f.mu.Unlock()
	http.SetCookie(c.Writer, &http.Cookie{Name: "sid", Value: "", Path: "/", MaxAge: -1})
	return nil
}

func (f *fakeIdentity) CSRFToken(c *gin.Context) string { return "tok" }
func (f *fakeIdentity) CSRFField() string               { return "csrf_token" }

func (f *fakeIdentity) RolesOf(_ context.Context, userID string) (map[string][]string, error) {
	return f.roles[userID], nil
}

func (f *fakeIdentity) Get(_ context.Context, slug string) (core.Tenant, error) {
	t, ok := f.tenants[slug]
	if !ok {
		return core.Tenant{}, core.Errorf(core.ENOTFOUND, "Không tìm thấy đơn vị.")
	}
	return t, nil
}

func (f *fakeIdentity) ResolveTenant(ctx context.Context, slug string, _ bool) (core.Tenant, error) {
	return f.Get(ctx, slug)
}

func (f *fakeIdentity) Authorize(_ context.Context, p core.Principal, tenant, obj, act string) error {
	for _, r := range f.roles[p.UserID][tenant] {
		for _, pa := range f.perms[r] {
			if pa == obj+":"+act {
				return nil
			}
		}
	}
	return core.Errorf(core.ENOTFOUND, "Không tìm thấy.")
}

// testServer is a web server with the UI registered over fakes.
type testServer struct {
	t   testing.TB
	s   *web.Server
	ids *fakeIdentity
	ui  *UI
}

func newTestServer(t testing.TB, opts ...func(*Options)) *testServer {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := web.New(web.Options{Addr: "127.0.0.1:0", Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ids := newFakeIdentity()
	ids.addUser("u1", "planner@demo.vn", "đúng-mật-khẩu", map[string][]string{"p79": {"planner"}})
	ids.addUser("u2", "admin@demo.vn", "đúng-mật-khẩu", map[string][]string{"p79": {"admin"}, "tw": {"admin"}})
	s.SetGuard(ids)
	o := Options{Auth: ids, Roles: ids, Tenants: ids, Authz: ids, Log: log}
	for _, f := range opts {
		f(&o)
	}
	u, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	u.Register(s)
	return &testServer{t: t, s: s, ids: ids, ui: u}
}

// do sends a request with optional cookies and form body.
func (ts *testServer) do(method, target string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	ts.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	ts.s.Handler().ServeHTTP(w, r)
	return w
}

// login returns the session cookie of email.
func (ts *testServer) login(email string) *http.Cookie {
	ts.t.Helper()
	w := ts.do(http.MethodPost, "/login", url.Values{"email": {email}, "password": {"đúng-mật-khẩu"}})
	if w.Code != http.StatusSeeOther {
		ts.t.Fatalf("login %s: status %d: %s", email, w.Code, w.Body)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == "sid" {
			return c
		}
	}
	ts.t.Fatal("login set no session cookie")
	return nil
}
