package authz_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"doanbd/configs"
	"doanbd/core"
	"doanbd/core/authz"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
	"doanbd/core/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fakeTenants is a tenant registry in memory.
type fakeTenants struct {
	mu sync.Mutex
	m  map[string]core.Tenant
}

func newTenants() *fakeTenants {
	f := &fakeTenants{m: map[string]core.Tenant{}}
	for _, t := range []core.Tenant{
		{ID: "tw", Kind: core.TenantCentral, Status: core.TenantActive},
		{ID: "p79", Kind: core.TenantProvince, Parent: "tw", Status: core.TenantActive},
		{ID: "p01", Kind: core.TenantProvince, Parent: "tw", Status: core.TenantActive},
		{ID: "bca", Kind: core.TenantMinistry, Parent: "tw", Status: core.TenantActive, AggregateOnly: true},
		{ID: "p72", Kind: core.TenantProvince, Parent: "tw", Status: core.TenantEnded, Successor: "p80"},
	} {
		f.m[t.ID] = t
	}
	return f
}

func (f *fakeTenants) Tenant(_ context.Context, slug string) (core.Tenant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.m[slug]
	if !ok {
		return core.Tenant{}, core.Errorf(core.ENOTFOUND, "Không tìm thấy đơn vị")
	}
	return t, nil
}

func (f *fakeTenants) Tenants(context.Context) ([]core.Tenant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []core.Tenant
	for _, t := range f.m {
		out = append(out, t)
	}
	return out, nil
}

func (f *fakeTenants) set(t core.Tenant) {
	f.mu.Lock()
	f.m[t.ID] = t
	f.mu.Unlock()
}

// fakeAudit records entries; fail makes Append fail (to prove the role
// change rolls back with it).
type fakeAudit struct {
	mu      sync.Mutex
	entries []authz.AuditEntry
	fail    bool
}

func (a *fakeAudit) Append(_ context.Context, _ bun.IDB, e authz.AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail {
		return errors.New("audit log unavailable")
	}
	a.entries = append(a.entries, e)
	return nil
}

func (a *fakeAudit) last() authz.AuditEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.entries) == 0 {
		return authz.AuditEntry{}
	}
	return a.entries[len(a.entries)-1]
}

type fixture struct {
	db      *sqldb.DB
	svc     *authz.Service
	tenants *fakeTenants
	audit   *fakeAudit
}

func newService(t *testing.T, db *sqldb.DB, tenants *fakeTenants, audit *fakeAudit) *authz.Service {
	t.Helper()
	s, err := authz.New(context.Background(), db, tenants, audit, authz.Options{Model: configs.CasbinModel, Policy: configs.CasbinPolicy})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// each runs fn on SQLite and PostgreSQL with a service and these users:
// one per role template, central ones in tw, the others in p79.
func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := &fixture{db: db, tenants: newTenants(), audit: &fakeAudit{}}
		f.svc = newService(t, db, f.tenants, f.audit)
		ctx := context.Background()
		for _, r := range authz.Roles {
			tenant := "p79"
			if authz.IsCentral(r) {
				tenant = "tw"
			}
			if err := f.svc.AssignRole(ctx, "", "u_"+r, r, tenant); err != nil {
				t.Fatal(err)
			}
		}
		fn(t, f)
	})
}

func mustEnforce(t *testing.T, s *authz.Service, user, tenant, obj, act string) bool {
	t.Helper()
	ok, err := s.Enforce(context.Background(), user, tenant, obj, act)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}
