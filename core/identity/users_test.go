package identity_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"doanbd/core"
	"doanbd/core/identity"
	"doanbd/core/sqldb"
	"doanbd/core/web"
)

func TestNormalize(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{" An.Nguyen@Example.VN ", "an.nguyen@example.vn", true},
		{"planner.p79@demo.doanbd.vn", "planner.p79@demo.doanbd.vn", true},
		{"An <an@example.vn>", "", false},
		{"an@localhost", "", false},
		{"no-at-sign", "", false},
		{"", "", false},
	} {
		got, err := identity.NormalizeEmail(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v", c.in, got, err)
		}
	}
	// Decomposed "Nguyễn" (e + circumflex + tilde) becomes the precomposed form.
	n, err := identity.NormalizeName("  Nguye\u0302\u0303n   Văn  An ")
	if err != nil || n != "Nguyễn Văn An" {
		t.Errorf("NormalizeName = %q, %v", n, err)
	}
	if _, err := identity.NormalizeName(" \t "); core.ErrorCode(err) != core.EINVALID {
		t.Errorf("empty name: %v", err)
	}
	for pw, ok := range map[string]bool{"ngắn": false, "đủ-mười-ký": true, "an@example.vn": false, "an-example": true} {
		if err := identity.CheckPassword(pw, "an@example.vn"); (err == nil) != ok {
			t.Errorf("CheckPassword(%q) = %v", pw, err)
		}
	}
}

func TestAddUser(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		ctx := testCtx(t)
		actor := identity.Actor{Email: "cli"}
		add := func(in identity.AddUserInput) (identity.AddUserResult, error) {
			return e.svc.AddUser(ctx, actor, in)
		}
		res, err := add(identity.AddUserInput{Tenant: "p79", Email: "Lan.Tran@Example.vn", Name: "Tra\u0302\u0300n Thi\u0323 Lan",
			Password: testPassword, Role: "planner"})
		if err != nil || !res.Created || !res.RoleAdded || res.User.Email != "lan.tran@example.vn" || res.User.Name != "Trần Thị Lan" {
			t.Fatalf("new user: %+v, %v", res, err)
		}
		id := res.User.ID
		if len(id) < 20 {
			t.Errorf("guessable id %q", id)
		}
		if e.audit.count(identity.ActionUserCreate) != 1 {
			t.Error("user creation not audited")
		}

		// Existing user, other tenant: role added, password untouched.
		res, err = add(identity.AddUserInput{Tenant: "p01", Email: "lan.tran@example.vn", Password: "mat-khau-khac-han", Role: "lecturer"})
		if err != nil || res.Created || !res.RoleAdded || res.PasswordSet || res.User.ID != id {
			t.Fatalf("existing user: %+v, %v", res, err)
		}
		if _, err := e.svc.LoginToken(ctx, "lan.tran@example.vn", testPassword, "192.0.2.60"); err != nil {
			t.Errorf("password changed by a role grant: %v", err)
		}
		// Same role again: nothing to do.
		res, err = add(identity.AddUserInput{Tenant: "p01", Email: "lan.tran@example.vn", Role: "lecturer"})
		if err != nil || res.RoleAdded || !slices.Equal(res.Roles, []string{"lecturer"}) {
			t.Fatalf("repeat: %+v, %v", res, err)
		}
		roles, _ := e.roles.RolesOf(ctx, id)
		if !slices.Equal(roles["p79"], []string{"planner"}) || !slices.Equal(roles["p01"], []string{"lecturer"}) {
			t.Errorf("roles: %v", roles)
		}
		// Explicit reset.
		res, err = add(identity.AddUserInput{Tenant: "p01", Email: "lan.tran@example.vn", Role: "lecturer",
			Password: "mat-khau-khac-han", ResetPassword: true})
		if err != nil || !res.PasswordSet {
			t.Fatalf("reset: %+v, %v", res, err)
		}
		if _, err := e.svc.LoginToken(ctx, "lan.tran@example.vn", "mat-khau-khac-han", "192.0.2.60"); err != nil {
			t.Errorf("login with the reset password: %v", err)
		}

		for _, c := range []struct {
			name string
			in   identity.AddUserInput
			code string
		}{
			{"unknown role", identity.AddUserInput{Tenant: "p79", Email: "x@example.vn", Name: "X", Password: testPassword, Role: "boss"}, core.EINVALID},
			{"central role outside tw", identity.AddUserInput{Tenant: "p79", Email: "x@example.vn", Name: "X", Password: testPassword, Role: "central_admin"}, core.EINVALID},
			{"unknown tenant", identity.AddUserInput{Tenant: "p99", Email: "x@example.vn", Name: "X", Password: testPassword, Role: "planner"}, core.EINVALID},
			{"ended tenant", identity.AddUserInput{Tenant: "p72", Email: "x@example.vn", Name: "X", Password: testPassword, Role: "planner"}, core.ECONFLICT},
			{"weak password", identity.AddUserInput{Tenant: "p79", Email: "x@example.vn", Name: "X", Password: "123456", Role: "planner"}, core.EINVALID},
			{"no name", identity.AddUserInput{Tenant: "p79", Email: "x@example.vn", Password: testPassword, Role: "planner"}, core.EINVALID},
			{"bad email", identity.AddUserInput{Tenant: "p79", Email: "x@", Name: "X", Password: testPassword, Role: "planner"}, core.EINVALID},
		} {
			if _, err := add(c.in); core.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
			}
		}
		if _, err := e.svc.UserByEmail(ctx, "x@example.vn"); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("a refused add created the user: %v", err)
		}
		if _, err := add(identity.AddUserInput{Tenant: "tw", Email: "tw.admin@example.vn", Name: "Quản Trị", Password: testPassword, Role: "central_admin"}); err != nil {
			t.Errorf("central role in tw: %v", err)
		}
	})
}

func TestTenantUsersAPI(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		e.addUser(t, "p79", "admin.p79@example.vn", "tenant_admin")
		e.addUser(t, "p79", "planner.p79@example.vn", "planner")
		e.addUser(t, "p01", "admin.p01@example.vn", "tenant_admin")
		e.addUser(t, "tw", "central@example.vn", "central_admin")
		e.addUser(t, "tw", "central@example.vn", "tenant_admin")
		as := func(email string) *client {
			cl := e.client(t, "192.0.2.70")
			w := cl.login(email, testPassword)
			wantStatus(t, w, http.StatusOK)
			cl.bearer = tokenOf(t, w, w.Body.Bytes()).Token
			return cl
		}
		admin := as("admin.p79@example.vn")

		w := admin.json(http.MethodPost, "/api/v1/t/p79/users", map[string]string{
			"email": "moi@example.vn", "name": "Lê Văn Mới", "password": testPassword, "role": "lecturer"})
		wantStatus(t, w, http.StatusCreated)
		var res identity.AddUserResult
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || !res.Created || res.User.Email != "moi@example.vn" {
			t.Fatalf("create: %s", w.Body.String())
		}
		// A known email (from another tenant) gets the role, no new account.
		w = admin.json(http.MethodPost, "/api/v1/t/p79/users", map[string]string{"email": "admin.p01@example.vn", "role": "learner"})
		wantStatus(t, w, http.StatusOK)
		// Central roles: only a central admin grants them.
		w = admin.json(http.MethodPost, "/api/v1/t/p79/users", map[string]string{
			"email": "x@example.vn", "name": "X", "password": testPassword, "role": "central_viewer"})
		wantStatus(t, w, http.StatusForbidden)
		w = as("central@example.vn").json(http.MethodPost, "/api/v1/t/tw/users", map[string]string{
			"email": "viewer@example.vn", "name": "Người Xem", "password": testPassword, "role": "central_viewer"})
		wantStatus(t, w, http.StatusCreated)
		// Another tenant, or a role without user/manage: refused by the guard.
		wantStatus(t, admin.json(http.MethodPost, "/api/v1/t/p01/users", map[string]string{
			"email": "y@example.vn", "name": "Y", "password": testPassword, "role": "planner"}), http.StatusForbidden)
		wantStatus(t, as("planner.p79@example.vn").json(http.MethodGet, "/api/v1/t/p79/users", nil), http.StatusForbidden)
		w = admin.json(http.MethodPost, "/api/v1/t/p79/users", map[string]string{"email": "z@example.vn", "role": "planner"})
		wantStatus(t, w, http.StatusUnprocessableEntity)

		// The list holds the tenant's users only, with their roles there.
		w = admin.json(http.MethodGet, "/api/v1/t/p79/users?limit=2", nil)
		wantStatus(t, w, http.StatusOK)
		var list web.List[identity.Member]
		if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil {
			t.Fatal(err)
		}
		if list.Total != 4 || len(list.Items) != 2 {
			t.Fatalf("list: %s", w.Body.String())
		}
		w = admin.json(http.MethodGet, "/api/v1/t/p79/users?limit=50&offset=2", nil)
		if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 2 || list.Items[0].Email != "moi@example.vn" || !slices.Equal(list.Items[0].Roles, []string{"lecturer"}) ||
			list.Items[1].Email != "planner.p79@example.vn" {
			t.Fatalf("page 2: %s", w.Body.String())
		}
		if containsKey(w.Body.Bytes(), "password_hash") {
			t.Error("list leaks password hashes")
		}
	})
}

func TestSeedDemo(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		ctx := testCtx(t)
		first, err := e.svc.SeedDemo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != 3+len(identity.DemoTenants)*7 {
			t.Fatalf("%d demo logins", len(first))
		}
		assigns := e.roles.assigns
		if _, err := e.svc.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		if e.roles.assigns != assigns || e.audit.count(identity.ActionUserCreate) != len(first) {
			t.Errorf("second seed changed something: %d→%d grants, %d users created", assigns, e.roles.assigns, e.audit.count(identity.ActionUserCreate))
		}
		seen := map[string]bool{}
		for _, l := range first {
			if seen[l.Tenant+"/"+l.Role] {
				t.Errorf("duplicate %s/%s", l.Tenant, l.Role)
			}
			seen[l.Tenant+"/"+l.Role] = true
		}
		for _, r := range identity.TenantRoles {
			for _, tn := range identity.DemoTenants {
				if !seen[tn+"/"+r] {
					t.Errorf("no demo user for %s in %s", r, tn)
				}
			}
		}
		u, err := e.svc.UserByEmail(ctx, "planner.p79@demo.doanbd.vn")
		if err != nil || u.Name == "" {
			t.Fatalf("planner.p79: %+v, %v", u, err)
		}
		if _, err := e.svc.LoginToken(ctx, "central_admin.tw@demo.doanbd.vn", identity.DemoPassword, "192.0.2.80"); err != nil {
			t.Errorf("demo login: %v", err)
		}
	})
}

func TestRoutesDocumented(t *testing.T) {
	e := newEnv(t, openDB(t, sqldb.Options{Path: t.TempDir() + "/doc.db"}, true))
	var missing []string
	for _, r := range e.ws.Undocumented() {
		if !strings.Contains(r, "/test/") {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		t.Errorf("undocumented: %v", missing)
	}
	if _, err := e.ws.OpenAPI("test"); err != nil {
		t.Fatalf("openapi: %v", err)
	}
}
