package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"doanbd/core/config"
	"doanbd/core/identity"
)

// TestIdentityWired runs the API of a fully set-up app (real tenant
// registry, Casbin policy and guard) against the demo users.
func TestIdentityWired(t *testing.T) {
	t.Setenv("DOANBD_DATA_DIR", t.TempDir())
	t.Setenv("DOANBD_DATABASE_URL", "")
	t.Setenv("DOANBD_REDIS_URL", "")
	t.Setenv("DOANBD_LOG_LEVEL", "error")
	if out, err := run(t, "seed", "--demo"); err != nil {
		t.Fatalf("seed --demo: %v\n%s", err, out)
	}
	cfg, err := config.Load("", os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, err := Open(ctx, cfg, newLogger(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	h := a.Web.Handler()
	call := func(method, path, bearer string, body any) *httptest.ResponseRecorder {
		t.Helper()
		var b strings.Builder
		if body != nil {
			if err := json.NewEncoder(&b).Encode(body); err != nil {
				t.Fatal(err)
			}
		}
		req := httptest.NewRequest(method, path, strings.NewReader(b.String()))
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	login := func(email string) string {
		t.Helper()
		w := call(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": identity.DemoPassword})
		var r identity.TokenLogin
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &r) != nil || r.Token == "" {
			t.Fatalf("login %s: %d %s", email, w.Code, w.Body.String())
		}
		return r.Token
	}

	admin := login("tenant_admin.p79@demo.doanbd.vn")
	w := call(http.MethodGet, "/api/v1/me", admin, nil)
	var me struct {
		Roles map[string][]string `json:"roles"`
	}
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &me) != nil || !slices.Equal(me.Roles["p79"], []string{"tenant_admin"}) {
		t.Fatalf("me: %d %s", w.Code, w.Body.String())
	}
	w = call(http.MethodPost, "/api/v1/t/p79/users", admin, map[string]string{
		"email": "moi.p79@example.vn", "name": "Trần Văn Mới", "password": "mat-khau-du-dai", "role": "lecturer"})
	if w.Code != http.StatusCreated {
		t.Fatalf("create user in p79: %d %s", w.Code, w.Body.String())
	}
	w = call(http.MethodGet, "/api/v1/t/p79/users?limit=200", admin, nil)
	var list struct {
		Total int `json:"total"`
	}
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &list) != nil || list.Total != 8 {
		t.Fatalf("users of p79: %d %s", w.Code, w.Body.String())
	}
	if w := call(http.MethodPost, "/api/v1/t/p01/users", admin, map[string]string{
		"email": "x@example.vn", "name": "X", "password": "mat-khau-du-dai", "role": "planner"}); w.Code != http.StatusNotFound {
		t.Errorf("p79 admin creating a user in p01: %d %s", w.Code, w.Body.String())
	}
	if w := call(http.MethodGet, "/api/v1/t/p79/users", login("planner.p79@demo.doanbd.vn"), nil); w.Code != http.StatusForbidden {
		t.Errorf("planner listing users: %d", w.Code)
	}
	// The new user logs in with the password the admin set.
	w = call(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": "moi.p79@example.vn", "password": "mat-khau-du-dai"})
	if w.Code != http.StatusOK {
		t.Errorf("new user login: %d %s", w.Code, w.Body.String())
	}
	if w := call(http.MethodPost, "/api/v1/auth/logout", admin, nil); w.Code != http.StatusNoContent {
		t.Fatalf("logout: %d %s", w.Code, w.Body.String())
	}
	if w := call(http.MethodGet, "/api/v1/me", admin, nil); w.Code != http.StatusUnauthorized {
		t.Errorf("me after logout: %d", w.Code)
	}
}
