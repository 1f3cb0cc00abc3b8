package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/authz"
	"doanbd/core/sqldb"
)

type fakeResolver map[string]core.Tenant

func (f fakeResolver) Resolve(_ context.Context, slug string, write bool) (core.Tenant, error) {
	t, ok := f[slug]
	if !ok || (write && t.Status == core.TenantEnded) {
		return core.Tenant{}, core.Errorf(core.ENOTFOUND, "Không tìm thấy đơn vị")
	}
	return t, nil
}

type fakeAuth struct{}

func (fakeAuth) Authenticate(*gin.Context) (core.Principal, error) {
	return core.Principal{UserID: "u1"}, nil
}

type fakeAuthorizer struct{ err error }

func (f fakeAuthorizer) Authorize(context.Context, core.Principal, string, string, string) error {
	return f.err
}

// TestGuardHidesUnknownTenants: an unknown tenant, an ended one for a write,
// and a foreign one (refused by the authorizer) give one identical answer.
func TestGuardHidesUnknownTenants(t *testing.T) {
	g := &guard{auth: fakeAuth{}, authz: fakeAuthorizer{err: authz.ErrHidden()}, tenants: fakeResolver{
		"p79": {ID: "p79", Status: core.TenantActive},
		"p72": {ID: "p72", Status: core.TenantEnded},
	}}
	ctx := context.Background()
	foreign := g.Authorize(ctx, core.Principal{UserID: "u1"}, "p79", authz.ObjPlan, authz.ActRead)
	_, unknown := g.ResolveTenant(ctx, "zz99", false)
	_, endedWrite := g.ResolveTenant(ctx, "p72", true)
	for name, err := range map[string]error{"unknown": unknown, "ended write": endedWrite} {
		if core.ErrorCode(err) != core.ENOTFOUND || core.ErrorMessage(err) != core.ErrorMessage(foreign) {
			t.Errorf("%s tenant: %v; a foreign tenant: %v", name, err, foreign)
		}
	}
	if _, err := g.ResolveTenant(ctx, "p72", false); err != nil {
		t.Errorf("ended tenant not readable: %v", err)
	}
}

// TestPolicyAPI drives role administration through HTTP as tenant and
// central admins.
func TestPolicyAPI(t *testing.T) {
	for _, d := range []string{sqldb.SQLite, sqldb.Postgres} {
		t.Run(d, func(t *testing.T) {
			e := newIsoEnv(t, d)
			admin79, learner79 := e.user(authz.RoleTenantAdmin, "p79"), e.user(authz.RoleLearner, "p79")
			central := e.user(authz.RoleCentralAdmin, "tw")
			body := func(user, role string) string { return fmt.Sprintf(`{"user_id":%q,"role":%q}`, user, role) }
			steps := []struct {
				name, method, tenant string
				path                 string // default /roles
				as                   isoUser
				body                 string
				want                 int
			}{
				{"a learner cannot read the registry", http.MethodGet, "p79", "/tenants", learner79, "", http.StatusForbidden},
				{"tenant admin grants in its tenant", http.MethodPost, "p79", "", admin79, body(learner79.ID, authz.RolePlanner), http.StatusCreated},
				{"the granted planner role works at once", http.MethodGet, "p79", "/tenants", learner79, "", http.StatusOK},
				{"granting again changes nothing", http.MethodPost, "p79", "", admin79, body(learner79.ID, authz.RolePlanner), http.StatusCreated},
				{"tenant admin revokes", http.MethodDelete, "p79", "", admin79, body(learner79.ID, authz.RolePlanner), http.StatusNoContent},
				{"revoking again", http.MethodDelete, "p79", "", admin79, body(learner79.ID, authz.RolePlanner), http.StatusNotFound},
				{"the revoked planner role is gone at once", http.MethodGet, "p79", "/tenants", learner79, "", http.StatusForbidden},
				{"tenant admin grants a central role", http.MethodPost, "p79", "", admin79, body(learner79.ID, authz.RoleCentralAdmin), http.StatusUnprocessableEntity},
				{"tw's tenant admin grants a central role", http.MethodPost, "tw", "", e.user(authz.RoleTenantAdmin, "tw"), body(learner79.ID, authz.RoleCentralViewer), http.StatusForbidden},
				{"unknown role", http.MethodPost, "p79", "", admin79, body(learner79.ID, "boss"), http.StatusUnprocessableEntity},
				{"unknown user", http.MethodPost, "p79", "", admin79, body("u_nobody", authz.RolePlanner), http.StatusUnprocessableEntity},
				{"tenant admin in another tenant", http.MethodPost, "p01", "", admin79, body(learner79.ID, authz.RolePlanner), http.StatusNotFound},
				{"planner cannot manage roles", http.MethodPost, "p79", "", e.user(authz.RolePlanner, "p79"), body(learner79.ID, authz.RoleAuditor), http.StatusForbidden},
				{"central admin grants in a province", http.MethodPost, "p01", "", central, body(learner79.ID, authz.RoleAuditor), http.StatusCreated},
				{"central admin grants a central role", http.MethodPost, "tw", "", central, body(learner79.ID, authz.RoleCentralViewer), http.StatusCreated},
			}
			for _, s := range steps {
				path := s.path
				if path == "" {
					path = "/roles"
				}
				st, b := e.do(s.method, "/api/v1/t/"+s.tenant+path, s.as.Token, s.body)
				if st != s.want {
					t.Errorf("%s: %d %s, want %d", s.name, st, b, s.want)
				}
			}
			// The learner now holds learner in p79, auditor in p01, central_viewer in tw.
			st, b := e.do(http.MethodGet, "/api/v1/t/p01/roles?limit=200", central.Token, "")
			var list struct {
				Items []authz.Assignment
				Total int
			}
			if st != http.StatusOK || json.Unmarshal(b, &list) != nil {
				t.Fatalf("list: %d %s", st, b)
			}
			found := false
			for _, a := range list.Items {
				found = found || (a.UserID == learner79.ID && a.Role == authz.RoleAuditor && a.Tenant == "p01")
			}
			if !found || list.Total != len(list.Items) {
				t.Errorf("p01's assignments miss the grant: %+v", list)
			}
			if st, _ := e.do(http.MethodGet, "/api/v1/t/p01/audit", learner79.Token, ""); st != http.StatusOK {
				t.Errorf("the granted auditor role does not work at once: %d", st)
			}
		})
	}
}
