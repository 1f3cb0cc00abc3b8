package main

// Isolation, proven: the router as `serve` builds it, every route enumerated,
// every tenant-scoped route exercised by every role against tenants and
// objects that are not theirs, on SQLite and on PostgreSQL under row-level
// security. The harness is isolation_env_test.go; the table of routes is
// isolation_matrix_test.go.

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/uptrace/bun"

	"doanbd/core/authz"
	"doanbd/core/sqldb"
	"doanbd/core/web"
)

func TestIsolation(t *testing.T) {
	for _, d := range []string{sqldb.SQLite, sqldb.Postgres} {
		t.Run(d, func(t *testing.T) {
			e := newIsoEnv(t, d)
			t.Run("routes", e.testRoutes)
			t.Run("matrix", e.testMatrix)
			t.Run("foreign_objects", e.testForeignObjects)
			t.Run("own_tenant", e.testOwnTenant)
			if d == sqldb.Postgres {
				t.Run("rls", e.testRLS)
			}
		})
	}
}

// testRoutes: every route gin knows was registered through the guarded
// registration (web.Server), and every registered route has a matrix row.
func (e *isoEnv) testRoutes(t *testing.T) {
	specs := map[string]web.RouteSpec{}
	for _, s := range e.app.Web.Routes() {
		specs[s.Method+" "+s.Path] = s
	}
	for _, r := range e.app.Web.Engine().Routes() {
		if _, ok := specs[r.Method+" "+r.Path]; !ok {
			t.Errorf("%s %s is registered on the gin engine directly, around the guard: register it through web.Server", r.Method, r.Path)
		}
	}
	for _, key := range sortedKeys(specs) {
		s := specs[key]
		row, ok := isolationMatrix[key]
		if !ok {
			t.Errorf("%s has no row in isolationMatrix (cmd/doanbd/isolation_matrix_test.go): add one", key)
			continue
		}
		switch {
		case s.Scope == web.TenantScoped && !authz.Known(s.Object, s.Action):
			t.Errorf("%s is authorized as %s.%s, which is not in authz.Catalog", key, s.Object, s.Action)
		case s.Scope != web.TenantScoped && row.Why == "":
			t.Errorf("%s is not tenant-scoped: its row must say (Why) what keeps other tenants' data out", key)
		}
	}
	// A row ahead of its route is harmless (capabilities land in pieces); it
	// is only reported.
	for _, key := range sortedKeys(isolationMatrix) {
		if _, ok := specs[key]; !ok {
			t.Logf("isolationMatrix has a row for %s, which is not registered (yet)", key)
		}
	}
	if len(e.app.Web.Routes()) == 0 {
		t.Error("no route registered")
	}
}

// call builds and sends the request of row for route s in the URL's tenant,
// with the placeholders of data's tenant.
func (e *isoEnv) call(s web.RouteSpec, row isolationRow, url, data, objectID string, u isoUser) (int, http.Header, []byte) {
	params := map[string]string{}
	for k, v := range row.Params {
		params[k] = e.expand(v, data)
	}
	params["tenant"] = url
	if row.ObjectParam != "" && objectID != "" {
		params[row.ObjectParam] = objectID
	}
	return e.doH(s.Method, fill(s.Path, params)+row.Query, u.Token, e.expand(row.Body, data))
}

// objects creates each row's objects once per tenant.
func (e *isoEnv) objects(t *testing.T, key string, row isolationRow) map[string]string {
	out := map[string]string{}
	if row.Object == nil {
		return out
	}
	for _, tn := range isoTenants {
		out[tn] = row.Object(t, e, tn)
	}
	return out
}

// testMatrix: every tenant-scoped route × every role × every tenant the role
// has no standing in (or that no explicit central rule reaches).
func (e *isoEnv) testMatrix(t *testing.T) {
	calls := 0
	for _, s := range e.app.Web.Routes() {
		if s.Scope != web.TenantScoped {
			continue
		}
		key := s.Method + " " + s.Path
		row := isolationMatrix[key]
		objs := e.objects(t, key, row)
		for _, u := range e.users {
			for _, victim := range isoTenants {
				if victim == u.Tenant || reaches(t, u.Role, victim, s.Object, s.Action) {
					continue
				}
				what := fmt.Sprintf("%s as %s in %s", key, u, victim)
				st, hdr, body := e.call(s, row, victim, victim, objs[victim], u)
				calls++
				checkRefusal(t, what, st, hdr, body, e.markers(victim))
				if authz.IsCentral(u.Role) {
					continue // tw's central users may know the tenant exists (403 is fine)
				}
				// No standing in victim: exactly what a missing tenant gets.
				mst, _, mbody := e.call(s, row, "zz99", victim, objs[victim], u)
				if st != mst || normalized(body, victim) != normalized(mbody, "zz99") {
					t.Errorf("%s: answers %d %.300s, a missing tenant %d %.300s", what, st, normalized(body, victim), mst, normalized(mbody, "zz99"))
				}
			}
		}
	}
	if calls == 0 {
		t.Fatal("the matrix made no call")
	}
	t.Logf("%d cross-tenant calls refused", calls)
}

// testForeignObjects: from one's own tenant, a foreign object's id answers
// exactly like a missing id.
func (e *isoEnv) testForeignObjects(t *testing.T) {
	checked := 0
	for _, s := range e.app.Web.Routes() {
		key := s.Method + " " + s.Path
		row := isolationMatrix[key]
		if s.Scope != web.TenantScoped || row.Object == nil || row.PerTenantIDs {
			continue
		}
		objs := e.objects(t, key, row)
		for _, u := range e.users {
			if row.CentreSees && u.Tenant == "tw" {
				continue
			}
			for owner, id := range objs {
				if owner == u.Tenant {
					continue
				}
				st, _, body := e.call(s, row, u.Tenant, u.Tenant, id, u)
				mst, _, mbody := e.call(s, row, u.Tenant, u.Tenant, "x0missing", u)
				checked++
				if st != mst || normalized(body, u.Tenant) != normalized(mbody, u.Tenant) || st < 400 {
					t.Errorf("%s as %s: %s's object answers %d %.300s, a missing one %d %.300s",
						key, u, owner, st, normalized(body, u.Tenant), mst, normalized(mbody, u.Tenant))
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no route with objects was checked")
	}
}

// rlsExempt lists tables that carry tenant_id without row-level security, and why.
var rlsExempt = map[string]string{
	"outbox":       "platform job queue: the relay reads across tenants and every handler re-checks the tenant",
	"tenant_names": "the tenant registry's name history: public names of organisations, read by every tenant",
	// The two below are per-user rather than per-tenant (0080_workflows.sql);
	// every query filters by user. They still hold tenant data (titles, who
	// delegates to whom): a weaker guarantee than RLS, recorded here on purpose.
	"notifications":        "per user, read across tenants by the cross-tenant inbox; every query filters by user_id",
	"workflow_delegations": "between two users, read across tenants (the delegate acts wherever the delegator may); every query filters by user",
	"audit_heads":          "chain heads (counts and hashes, no data) are readable by design so verification can list the chains; moving a head is tenant-scoped by its RLS policy",
}

// testRLS (PostgreSQL): every table with tenant_id has row-level security,
// enabled and forced; the application role is neither owner nor BYPASSRLS;
// and a query without the tenant set returns nothing.
func (e *isoEnv) testRLS(t *testing.T) {
	ctx := context.Background()
	var role struct {
		Super  bool `bun:"rolsuper"`
		Bypass bool `bun:"rolbypassrls"`
	}
	if err := e.app.DB.NewRaw("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").Scan(ctx, &role); err != nil {
		t.Fatal(err)
	}
	if role.Super || role.Bypass {
		t.Fatalf("the application role bypasses row-level security: %+v", role)
	}
	var tables []struct {
		Name    string `bun:"relname"`
		RLS     bool   `bun:"relrowsecurity"`
		Force   bool   `bun:"relforcerowsecurity"`
		AppOwns bool   `bun:"app_owns"`
	}
	err := e.app.DB.NewRaw(`SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
			pg_get_userbyid(c.relowner) = current_user AS app_owns
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind = 'r'
		  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
		ORDER BY c.relname`).Scan(ctx, &tables)
	if err != nil {
		t.Fatal(err)
	}
	withRows := 0
	for _, tb := range tables {
		if tb.AppOwns {
			t.Errorf("%s is owned by the application role", tb.Name)
		}
		if _, ok := rlsExempt[tb.Name]; ok {
			continue
		}
		if !tb.RLS || !tb.Force {
			t.Errorf("%s has tenant_id but row-level security is not enabled and forced (ENABLE/FORCE ROW LEVEL SECURITY, policy tenant_isolation)", tb.Name)
			continue
		}
		var owner, app int
		q := "SELECT count(*) FROM " + tb.Name
		if err := e.ownerDB.NewRaw(q).Scan(ctx, &owner); err != nil {
			t.Fatal(err)
		}
		// The pool's connections never carry a tenant outside a transaction.
		if err := e.app.DB.NewRaw(q).Scan(ctx, &app); err != nil {
			t.Fatal(err)
		}
		if app != 0 {
			t.Errorf("%s: %d rows visible without a tenant (the owner sees %d)", tb.Name, app, owner)
		}
		var other int
		if err := e.app.DB.ReadTenant(ctx, "p79", func(ctx context.Context, q bun.IDB) error {
			return q.NewRaw("SELECT count(*) FROM "+tb.Name+" WHERE tenant_id <> 'p79'").Scan(ctx, &other)
		}); err != nil {
			t.Fatal(err)
		}
		if other != 0 {
			t.Errorf("%s: p79's transaction sees %d rows of other tenants", tb.Name, other)
		}
		if owner > 0 {
			withRows++
		}
	}
	if withRows == 0 {
		t.Fatal("no tenant table holds rows: the test would prove nothing")
	}
	t.Logf("%d tenant tables under row-level security, %d with rows", len(tables)-len(rlsExempt), withRows)
}

// testOwnTenant is the control of the matrix: in their own tenant, users
// allowed a read get it (so a route that refuses everyone cannot pass the
// matrix), and users not allowed an action get 403, never the hidden 404.
// Allowed writes are not sent (they would change what other tests see).
func (e *isoEnv) testOwnTenant(t *testing.T) {
	reads := 0
	for _, s := range e.app.Web.Routes() {
		if s.Scope != web.TenantScoped {
			continue
		}
		key := s.Method + " " + s.Path
		row := isolationMatrix[key]
		objs := e.objects(t, key, row)
		for _, u := range e.users {
			allowed := allowsOwn(t, u.Role, s.Object, s.Action)
			if allowed && s.Method != http.MethodGet {
				continue
			}
			st, _, body := e.call(s, row, u.Tenant, u.Tenant, objs[u.Tenant], u)
			switch {
			case allowed && (st < 200 || st > 299):
				t.Errorf("%s as %s in its own tenant: %d %.300s, want 2xx", key, u, st, body)
			case !allowed && st != http.StatusForbidden:
				t.Errorf("%s as %s in its own tenant without the permission: %d %.300s, want 403", key, u, st, body)
			case allowed:
				reads++
			}
		}
	}
	if reads == 0 {
		t.Fatal("no allowed read was made: the matrix has no control")
	}
}
