package identity_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/gin-gonic/gin"

	"doanbd/core/identity"
	"doanbd/core/sqldb"
)

// replica is a second identity.Service on the same database and clock, as
// another instance of doanbd serve would be.
func (e *env) replica(t *testing.T) *identity.Service {
	t.Helper()
	svc, err := identity.New(e.db, e.roles, tenants, e.audit, identity.Options{
		Argon: &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32},
		Now:   e.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), TokenLifetime: time.Hour,
		SessionLifetime: time.Hour, TokenCacheTTL: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// accepts reports whether svc authenticates the bearer token.
func accepts(t *testing.T, svc *identity.Service, token string) bool {
	t.Helper()
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	c.Request.Header.Set("Authorization", "Bearer "+token)
	_, err := svc.Authenticate(c)
	return err == nil
}

// TestTokenCacheRevocation: the instance that revokes a token (logout,
// password change, disabled user) refuses it at once; another instance that
// had it cached refuses it once the cache's time (10 s) has passed.
func TestTokenCacheRevocation(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		other := e.replica(t)
		u := e.addUser(t, "p79", "cache@example.vn", "planner")
		login := func() string {
			w := e.client(t, "192.0.2.30").login("cache@example.vn", testPassword)
			wantStatus(t, w, http.StatusOK)
			return tokenOf(t, w, w.Body.Bytes()).Token
		}
		ctx := testCtx(t)
		actor := identity.Actor{Email: "test"}
		cases := []struct {
			name   string
			revoke func(token string)
		}{
			{"logout", func(token string) {
				cl := e.client(t, "192.0.2.30")
				cl.bearer = token
				wantStatus(t, cl.json(http.MethodPost, "/api/v1/auth/logout", nil), http.StatusNoContent)
			}},
			{"password", func(string) {
				if err := e.svc.SetPassword(ctx, actor, u.ID, "một-mật-khẩu-mới-dài"); err != nil {
					t.Fatal(err)
				}
			}},
			{"disabled", func(string) {
				if err := e.svc.SetStatus(ctx, actor, u.ID, identity.StatusDisabled); err != nil {
					t.Fatal(err)
				}
			}},
		}
		for _, c := range cases {
			token := login()
			if !accepts(t, e.svc, token) || !accepts(t, other, token) {
				t.Fatalf("%s: a fresh token is refused", c.name)
			}
			c.revoke(token)
			if accepts(t, e.svc, token) {
				t.Errorf("%s: the revoking instance still accepts the token", c.name)
			}
			// The other instance trusts what the database said less than
			// 10 s ago, and no longer.
			e.clock.Add(9 * time.Second)
			if !accepts(t, other, token) {
				t.Errorf("%s: the other instance dropped its cache entry early", c.name)
			}
			e.clock.Add(time.Second)
			if accepts(t, other, token) {
				t.Errorf("%s: the other instance accepts a revoked token after its cache time", c.name)
			}
			if c.name == "password" {
				// Later logins use the new password.
				if err := e.svc.SetPassword(ctx, actor, u.ID, testPassword); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// TestTokenCacheExpiry: a cached token is refused at its own expiry even if
// the database confirmed it moments before.
func TestTokenCacheExpiry(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		e.addUser(t, "p79", "expiry@example.vn", "planner")
		w := e.client(t, "192.0.2.31").login("expiry@example.vn", testPassword)
		wantStatus(t, w, http.StatusOK)
		token := tokenOf(t, w, w.Body.Bytes()).Token
		e.clock.Add(time.Hour - 2*time.Second) // TokenLifetime is an hour
		if !accepts(t, e.svc, token) {
			t.Fatal("token refused before its expiry")
		}
		e.clock.Add(2 * time.Second)
		if accepts(t, e.svc, token) {
			t.Error("cached token accepted at its expiry")
		}
	})
}
