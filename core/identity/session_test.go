package identity_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"doanbd/core/identity"
	"doanbd/core/sqldb"
)

const cookie = "doanbd_session"

// formToken opens a form page and returns its CSRF token.
func (cl *client) formToken() string {
	cl.t.Helper()
	w := cl.json(http.MethodGet, "/test/form", nil)
	wantStatus(cl.t, w, http.StatusOK)
	if w.Body.Len() < 40 {
		cl.t.Fatalf("no csrf token: %q", w.Body.String())
	}
	return w.Body.String()
}

// browserLogin logs a browser in through the login form.
func (cl *client) browserLogin(email string) {
	cl.t.Helper()
	tok := cl.formToken()
	w := cl.form("/test/login", url.Values{"email": {email}, "password": {testPassword}, "csrf_token": {tok}})
	wantStatus(cl.t, w, http.StatusSeeOther)
}

func TestSessionLoginRotatesAndLogsOut(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		u := e.addUser(t, "p79", "cb@example.vn", "planner")
		br := e.client(t, "192.0.2.30")

		// An anonymous form page starts a session for its CSRF token.
		tok := br.formToken()
		before := br.cookies[cookie]
		if before == nil {
			t.Fatal("no session cookie after a form page")
		}
		w := br.json(http.MethodGet, "/test/form", nil)
		if w.Body.String() != tok || len(w.Result().Cookies()) != 0 {
			t.Errorf("second page: token %q (want %q), cookies %v", w.Body.String(), tok, w.Result().Cookies())
		}
		wantStatus(t, br.json(http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized)

		w = br.form("/test/login", url.Values{"email": {"cb@example.vn"}, "password": {testPassword}, "csrf_token": {tok}})
		wantStatus(t, w, http.StatusSeeOther)
		var set *http.Cookie
		for _, c := range w.Result().Cookies() {
			if c.Name == cookie {
				set = c
			}
		}
		if set == nil || set.Value == before.Value {
			t.Fatalf("login did not rotate the session token: %v", w.Result().Cookies())
		}
		if !set.HttpOnly || set.SameSite != http.SameSiteLaxMode || set.Path != "/" || set.MaxAge <= 0 {
			t.Errorf("cookie attributes: %+v", set)
		}
		if n := len(w.Header().Values("Set-Cookie")); n != 1 {
			t.Errorf("%d Set-Cookie headers, want 1", n)
		}

		// The new session is the user; the old token is gone from the store.
		w = br.json(http.MethodGet, "/api/v1/me", nil)
		wantStatus(t, w, http.StatusOK)
		var me struct {
			User identity.User `json:"user"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &me); err != nil || me.User.ID != u.ID {
			t.Fatalf("me: %s", w.Body.String())
		}
		old := e.client(t, "192.0.2.31")
		old.cookies[cookie] = before
		wantStatus(t, old.json(http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized)
		if tok2 := br.formToken(); tok2 == tok {
			t.Error("the CSRF token survived the login")
		}

		// Logout over the API with the session: CSRF header required.
		wantStatus(t, br.json(http.MethodPost, "/api/v1/auth/logout", nil), http.StatusForbidden)
		br.header["X-CSRF-Token"] = br.formToken()
		live := br.cookies[cookie]
		w = br.json(http.MethodPost, "/api/v1/auth/logout", nil)
		wantStatus(t, w, http.StatusNoContent)
		if !strings.Contains(w.Header().Get("Set-Cookie"), "Max-Age=0") {
			t.Errorf("logout did not clear the cookie: %q", w.Header().Get("Set-Cookie"))
		}
		if e.audit.count(identity.ActionLogout) != 1 {
			t.Error("session logout not audited")
		}
		replay := e.client(t, "192.0.2.32")
		replay.cookies[cookie] = live
		wantStatus(t, replay.json(http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized)
	})
}

func TestSessionDisabledUser(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		u := e.addUser(t, "p79", "cb@example.vn", "planner")
		br := e.client(t, "192.0.2.40")
		br.browserLogin("cb@example.vn")
		wantStatus(t, br.json(http.MethodGet, "/api/v1/me", nil), http.StatusOK)
		if err := e.svc.SetStatus(testCtx(t), identity.Actor{Email: "test"}, u.ID, identity.StatusDisabled); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, br.json(http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized)
	})
}

func TestCSRF(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		e.addUser(t, "p79", "cb@example.vn", "planner")
		br := e.client(t, "192.0.2.50")
		br.browserLogin("cb@example.vn")
		tok := br.formToken()
		const refused = "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại."

		cases := []struct {
			name   string
			path   string
			form   url.Values
			header map[string]string
			status int
			msg    string
		}{
			{"no token", "/test/echo", url.Values{}, nil, http.StatusForbidden, refused},
			{"wrong token", "/test/echo", url.Values{"csrf_token": {tok + "x"}}, nil, http.StatusForbidden, refused},
			{"form field", "/test/echo", url.Values{"csrf_token": {tok}}, nil, http.StatusOK, ""},
			{"header", "/test/echo", url.Values{}, map[string]string{"X-CSRF-Token": tok}, http.StatusOK, ""},
			{"same origin", "/test/echo", url.Values{"csrf_token": {tok}},
				map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"}, http.StatusOK, ""},
			{"cross-site fetch", "/test/echo", url.Values{"csrf_token": {tok}},
				map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden, "Yêu cầu bị từ chối vì được gửi từ một trang web khác."},
			{"foreign origin", "/test/echo", url.Values{"csrf_token": {tok}},
				map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden, "Yêu cầu bị từ chối vì được gửi từ một trang web khác."},
			{"route before middleware, no token", "/test/early", url.Values{}, nil, http.StatusForbidden, refused},
			{"route before middleware, token", "/test/early", url.Values{"csrf_token": {tok}}, nil, http.StatusOK, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				br.header = map[string]string{}
				for k, v := range c.header {
					br.header[k] = v
				}
				w := br.form(c.path, c.form)
				wantStatus(t, w, c.status)
				if c.msg != "" {
					if p := problemOf(t, w); p.Title != c.msg {
						t.Errorf("message %q, want %q", p.Title, c.msg)
					}
				}
			})
		}
		br.header = map[string]string{}

		// A bearer request needs no CSRF token, even with a cookie present.
		api := e.client(t, "192.0.2.51")
		w := api.login("cb@example.vn", testPassword)
		wantStatus(t, w, http.StatusOK)
		api.bearer = tokenOf(t, w, w.Body.Bytes()).Token
		api.cookies = br.cookies
		wantStatus(t, api.form("/test/echo", url.Values{}), http.StatusOK)

		// A login form posted with a session but without its token is refused;
		// a cross-site login post is refused even without a session.
		fresh := e.client(t, "192.0.2.52")
		fresh.formToken()
		wantStatus(t, fresh.form("/test/login", url.Values{"email": {"cb@example.vn"}, "password": {testPassword}}), http.StatusForbidden)
		anon := e.client(t, "192.0.2.53")
		anon.header["Sec-Fetch-Site"] = "cross-site"
		wantStatus(t, anon.form("/test/login", url.Values{"email": {"cb@example.vn"}, "password": {testPassword}}), http.StatusForbidden)
		if e.audit.count(identity.ActionLoginFailed) != 0 {
			t.Error("a refused form counted as a failed login")
		}
	})
}
