package identity_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"doanbd/core/identity"
	"doanbd/core/sqldb"
)

type loginResp struct {
	Token     string        `json:"token"`
	ExpiresAt time.Time     `json:"expires_at"`
	User      identity.User `json:"user"`
}

func tokenOf(t *testing.T, w interface{ Result() *http.Response }, body []byte) loginResp {
	t.Helper()
	var r loginResp
	if err := json.Unmarshal(body, &r); err != nil || r.Token == "" {
		t.Fatalf("login response without token: %s (%v)", body, err)
	}
	return r
}

func TestLogin(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		u := e.addUser(t, "p79", "Planner@Example.VN", "planner")
		off := e.addUser(t, "p79", "off@example.vn", "planner")
		if err := e.svc.SetStatus(testCtx(t), identity.Actor{Email: "test"}, off.ID, identity.StatusDisabled); err != nil {
			t.Fatal(err)
		}
		cl := e.client(t, "192.0.2.10")

		w := cl.login("planner@example.vn", testPassword)
		wantStatus(t, w, http.StatusOK)
		r := tokenOf(t, w, w.Body.Bytes())
		if r.User.ID != u.ID || r.User.Email != "planner@example.vn" || len(r.Token) != 43 {
			t.Fatalf("login response: %+v", r)
		}
		if want := e.clock.Now().Add(time.Hour); !r.ExpiresAt.Equal(want.UTC()) {
			t.Errorf("expires_at %v, want %v", r.ExpiresAt, want)
		}
		if w.Body.String() == "" || json.Valid(w.Body.Bytes()) && containsKey(w.Body.Bytes(), "password_hash") {
			t.Errorf("login response leaks the hash: %s", w.Body.String())
		}

		// Every failure answers the same: status, code and message.
		var first problemBody
		for i, c := range []struct{ email, password string }{
			{"planner@example.vn", "sai-mat-khau-roi"},
			{"nobody@example.vn", testPassword},
			{"off@example.vn", testPassword},
			{"", ""},
		} {
			w := cl.login(c.email, c.password)
			wantStatus(t, w, http.StatusUnauthorized)
			p := problemOf(t, w)
			if p.Title != "Email hoặc mật khẩu không đúng." {
				t.Errorf("failure %d message %q", i, p.Title)
			}
			if i == 0 {
				first = p
			} else if p != first {
				t.Errorf("failure %d answers %+v, first answered %+v", i, p, first)
			}
		}
		if n := e.audit.count(identity.ActionLoginFailed); n != 4 {
			t.Errorf("%d failed logins audited, want 4", n)
		}
		if n := e.audit.count(identity.ActionLogin); n != 1 {
			t.Errorf("%d logins audited, want 1", n)
		}

		// The token identifies the caller; /me lists their roles per tenant.
		cl.bearer = r.Token
		w = cl.json(http.MethodGet, "/api/v1/me", nil)
		wantStatus(t, w, http.StatusOK)
		var me struct {
			User  identity.User       `json:"user"`
			Roles map[string][]string `json:"roles"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &me); err != nil {
			t.Fatal(err)
		}
		if me.User.ID != u.ID || len(me.Roles["p79"]) != 1 || me.Roles["p79"][0] != "planner" || me.User.LastLoginAt == nil {
			t.Errorf("me: %s", w.Body.String())
		}
		for _, bad := range []string{"Bearer nonsense", "Basic " + r.Token, "Bearer"} {
			cl.bearer = ""
			cl.header["Authorization"] = bad
			w = cl.json(http.MethodGet, "/api/v1/me", nil)
			wantStatus(t, w, http.StatusUnauthorized)
			if p := problemOf(t, w); p.Title != "Vui lòng đăng nhập." {
				t.Errorf("%q: %q", bad, p.Title)
			}
		}
		delete(cl.header, "Authorization")
		wantStatus(t, cl.json(http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized)
	})
}

func containsKey(b []byte, key string) bool {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return false
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case map[string]any:
			for k, vv := range x {
				if k == key || walk(vv) {
					return true
				}
			}
		}
		return false
	}
	return walk(m)
}

func TestTokenExpiryAndLogout(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		e.addUser(t, "p01", "hv@example.vn", "learner")
		a, b := e.client(t, "192.0.2.20"), e.client(t, "192.0.2.20")
		w := a.login("hv@example.vn", testPassword)
		wantStatus(t, w, http.StatusOK)
		a.bearer = tokenOf(t, w, w.Body.Bytes()).Token
		w = b.login("hv@example.vn", testPassword)
		wantStatus(t, w, http.StatusOK)
		b.bearer = tokenOf(t, w, w.Body.Bytes()).Token

		// Logout revokes only the caller's token.
		wantStatus(t, a.json(http.MethodPost, "/api/v1/auth/logout", nil), http.StatusNoContent)
		wantStatus(t, a.json(http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized)
		wantStatus(t, b.json(http.MethodGet, "/api/v1/me", nil), http.StatusOK)
		if n := e.audit.count(identity.ActionLogout); n != 1 {
			t.Errorf("%d logouts audited, want 1", n)
		}

		// An hour later (TokenLifetime) the other token has expired.
		e.clock.Add(time.Hour - time.Second)
		wantStatus(t, b.json(http.MethodGet, "/api/v1/me", nil), http.StatusOK)
		e.clock.Add(time.Second)
		wantStatus(t, b.json(http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized)
	})
}

func TestThrottle(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		e.addUser(t, "p79", "target@example.vn", "planner")
		e.addUser(t, "p79", "other@example.vn", "planner")

		t.Run("per account", func(t *testing.T) {
			// Five failures from five addresses lock the account everywhere.
			for i := range 5 {
				w := e.client(t, "198.51.100."+strconv.Itoa(i+1)).login("TARGET@example.vn", "sai-mat-khau-roi")
				wantStatus(t, w, http.StatusUnauthorized)
			}
			cl := e.client(t, "198.51.100.99")
			w := cl.login("target@example.vn", testPassword) // right password, still refused
			wantStatus(t, w, http.StatusTooManyRequests)
			if p := problemOf(t, w); p.Title != "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút." {
				t.Errorf("message %q", p.Title)
			}
			if ra := w.Header().Get("Retry-After"); ra != "900" {
				t.Errorf("Retry-After %q, want 900", ra)
			}
			// Another account from the same address is not affected.
			wantStatus(t, cl.login("other@example.vn", testPassword), http.StatusOK)

			e.clock.Add(10 * time.Minute)
			w = cl.login("target@example.vn", testPassword)
			wantStatus(t, w, http.StatusTooManyRequests)
			if p := problemOf(t, w); p.Title != "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 5 phút." {
				t.Errorf("message after 10 min %q", p.Title)
			}
			e.clock.Add(5*time.Minute + time.Second)
			wantStatus(t, cl.login("target@example.vn", testPassword), http.StatusOK)

			// A success clears the account's failures: four more do not lock it.
			for range 4 {
				wantStatus(t, cl.login("target@example.vn", "sai-mat-khau-roi"), http.StatusUnauthorized)
			}
			wantStatus(t, cl.login("target@example.vn", testPassword), http.StatusOK)
		})

		t.Run("per address", func(t *testing.T) {
			e.clock.Add(time.Hour)
			bad := e.client(t, "203.0.113.7")
			for i := range 20 {
				wantStatus(t, bad.login("guess"+strconv.Itoa(i)+"@example.vn", "x"), http.StatusUnauthorized)
			}
			w := bad.login("other@example.vn", testPassword)
			wantStatus(t, w, http.StatusTooManyRequests)
			if w.Header().Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
			wantStatus(t, e.client(t, "203.0.113.8").login("other@example.vn", testPassword), http.StatusOK)
		})
	})
}
