package authz_test

import (
	"context"
	"testing"

	"doanbd/core"
	"doanbd/core/authz"
)

func TestDecisions(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		cases := []struct {
			user, tenant, obj, act string
			want                   bool
		}{
			// Own tenant.
			{"u_planner", "p79", authz.ObjPlan, authz.ActWrite, true},
			{"u_planner", "p79", authz.ObjCadre, authz.ActImport, true},
			{"u_planner", "p79", authz.ObjPlan, authz.ActApprove, false},
			{"u_approver", "p79", authz.ObjPlan, authz.ActApprove, true},
			{"u_approver", "p79", authz.ObjPlan, authz.ActWrite, false},
			{"u_committee_recorder", "p79", authz.ObjPlan, authz.ActRecordDecision, true},
			{"u_committee_recorder", "p79", authz.ObjPlan, authz.ActApprove, false},
			{"u_tenant_admin", "p79", authz.ObjRole, authz.ActManage, true},
			{"u_tenant_admin", "p79", authz.ObjRole, authz.ActGrantCentral, false},
			{"u_tenant_admin", "p79", authz.ObjPlan, authz.ActWrite, false},
			{"u_auditor", "p79", authz.ObjAudit, authz.ActVerify, true},
			{"u_auditor", "p79", authz.ObjCadre, authz.ActWrite, false},
			{"u_learner", "p79", authz.ObjProgram, authz.ActRead, true},
			{"u_learner", "p79", authz.ObjPlan, authz.ActRead, false},
			{"u_lecturer", "p79", authz.ObjClass, authz.ActRead, true},
			// Another tenant: tenant roles never reach it.
			{"u_planner", "p01", authz.ObjPlan, authz.ActRead, false},
			{"u_tenant_admin", "p01", authz.ObjUser, authz.ActRead, false},
			{"u_planner", "tw", authz.ObjPlan, authz.ActRead, false},
			// Central roles in tw and, through explicit child rules, in children.
			{"u_central_admin", "tw", authz.ObjTenant, authz.ActCreate, true},
			{"u_central_admin", "p79", authz.ObjTenant, authz.ActCreate, false},
			{"u_central_admin", "p79", authz.ObjUser, authz.ActManage, true},
			{"u_central_admin", "bca", authz.ObjUser, authz.ActManage, true},
			{"u_central_admin", "p79", authz.ObjPlan, authz.ActWrite, false},
			{"u_central_reviewer", "p79", authz.ObjPlan, authz.ActReview, true},
			{"u_central_reviewer", "p79", authz.ObjPlan, authz.ActReturn, true},
			{"u_central_reviewer", "p79", authz.ObjPlan, authz.ActApprove, false},
			{"u_central_reviewer", "tw", authz.ObjBudget, authz.ActConsolidate, true},
			{"u_central_reviewer", "p79", authz.ObjBudget, authz.ActConsolidate, false},
			{"u_central_viewer", "p79", authz.ObjPlan, authz.ActRead, true},
			{"u_central_viewer", "p79", authz.ObjCadre, authz.ActRead, false},
			{"u_central_viewer", "p79", authz.ObjPlan, authz.ActReview, false},
			// Aggregate-only ministry: detail denied, aggregates allowed.
			{"u_central_reviewer", "bca", authz.ObjPlan, authz.ActReview, false},
			{"u_central_reviewer", "bca", authz.ObjCadre, authz.ActRead, false},
			{"u_central_reviewer", "bca", authz.ObjReport, authz.ActRead, true},
			{"u_central_reviewer", "bca", authz.ObjBudget, authz.ActRead, true},
			{"u_central_admin", "bca", authz.ObjCadre, authz.ActRead, false},
			{"u_central_viewer", "bca", authz.ObjReport, authz.ActRead, true},
			// Unknown tenants and users.
			{"u_central_admin", "nope", authz.ObjReport, authz.ActRead, false},
			{"nobody", "p79", authz.ObjProgram, authz.ActRead, false},
		}
		for _, c := range cases {
			if got := mustEnforce(t, f.svc, c.user, c.tenant, c.obj, c.act); got != c.want {
				t.Errorf("%s in %s: %s.%s = %v, want %v", c.user, c.tenant, c.obj, c.act, got, c.want)
			}
		}
	})
}

func TestTenantRolesInCentreDoNotReachChildren(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		if err := f.svc.AssignRole(ctx, "", "tw_admin", authz.RoleTenantAdmin, "tw"); err != nil {
			t.Fatal(err)
		}
		if !mustEnforce(t, f.svc, "tw_admin", "tw", authz.ObjUser, authz.ActManage) {
			t.Error("tenant_admin of tw cannot manage tw's users")
		}
		if mustEnforce(t, f.svc, "tw_admin", "p79", authz.ObjUser, authz.ActManage) {
			t.Error("tenant_admin held in tw reaches p79: only central templates have child rules")
		}
	})
}

func TestAggregateOnlyFollowsTheRegistry(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		if !mustEnforce(t, f.svc, "u_central_reviewer", "p79", authz.ObjCadre, authz.ActRead) {
			t.Fatal("reviewer cannot read p79's cadres before the flag")
		}
		p79, _ := f.tenants.Tenant(context.Background(), "p79")
		p79.AggregateOnly = true
		f.tenants.set(p79)
		if mustEnforce(t, f.svc, "u_central_reviewer", "p79", authz.ObjCadre, authz.ActRead) {
			t.Error("reviewer still reads cadres of a tenant now marked aggregate-only")
		}
		if !mustEnforce(t, f.svc, "u_central_reviewer", "p79", authz.ObjReport, authz.ActRead) {
			t.Error("reviewer lost the aggregate report")
		}
		if !mustEnforce(t, f.svc, "u_planner", "p79", authz.ObjCadre, authz.ActRead) {
			t.Error("the tenant's own planner lost access: the flag concerns the centre only")
		}
	})
}

func TestAuthorizeHidesForeignTenants(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		p := func(id string) core.Principal { return core.Principal{UserID: id} }
		cases := []struct {
			user, tenant, obj, act string
			want                   string
		}{
			{"u_planner", "p79", authz.ObjPlan, authz.ActWrite, ""},
			{"u_planner", "p79", authz.ObjPlan, authz.ActApprove, core.EFORBIDDEN},
			{"u_learner", "p79", authz.ObjCadre, authz.ActRead, core.EFORBIDDEN},
			{"u_planner", "p01", authz.ObjPlan, authz.ActRead, core.ENOTFOUND},
			{"u_planner", "tw", authz.ObjPlan, authz.ActRead, core.ENOTFOUND},
			{"u_planner", "nope", authz.ObjPlan, authz.ActRead, core.ENOTFOUND},
			{"u_central_reviewer", "p01", authz.ObjPlan, authz.ActReview, ""},
			{"u_central_reviewer", "p01", authz.ObjPlan, authz.ActWrite, core.EFORBIDDEN},
			{"u_central_reviewer", "bca", authz.ObjCadre, authz.ActRead, core.EFORBIDDEN},
			{"nobody", "p79", authz.ObjProgram, authz.ActRead, core.ENOTFOUND},
			{"", "p79", authz.ObjProgram, authz.ActRead, core.EUNAUTHORIZED},
		}
		for _, c := range cases {
			err := f.svc.Authorize(ctx, p(c.user), c.tenant, c.obj, c.act)
			if got := core.ErrorCode(err); got != c.want {
				t.Errorf("%s in %s: %s.%s → %q (%v), want %q", c.user, c.tenant, c.obj, c.act, got, err, c.want)
			}
		}
		// A foreign tenant and a missing one answer alike.
		a := f.svc.Authorize(ctx, p("u_planner"), "p01", authz.ObjPlan, authz.ActRead)
		b := f.svc.Authorize(ctx, p("u_planner"), "nope", authz.ObjPlan, authz.ActRead)
		if core.ErrorMessage(a) != core.ErrorMessage(b) {
			t.Errorf("foreign %q and missing %q tenants answer differently", core.ErrorMessage(a), core.ErrorMessage(b))
		}
	})
}

func TestTenantsWhere(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		if err := f.svc.AssignRole(ctx, "", "u_planner", authz.RolePlanner, "p01"); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			user, obj, act string
			want           []string
		}{
			{"u_planner", authz.ObjPlan, authz.ActWrite, []string{"p01", "p79"}},
			{"u_planner", authz.ObjPlan, authz.ActApprove, []string{}},
			// Child rules expand to the active children that show detail
			// (bca is aggregate-only, p72 has ended), plus tw itself.
			{"u_central_reviewer", authz.ObjPlan, authz.ActReview, []string{"p01", "p79", "tw"}},
			// @any_child reaches the aggregate-only ministry too.
			{"u_central_reviewer", authz.ObjReport, authz.ActRead, []string{"bca", "p01", "p79", "tw"}},
			{"u_central_admin", authz.ObjTenant, authz.ActCreate, []string{"tw"}},
			{"nobody", authz.ObjReport, authz.ActRead, []string{}},
		}
		for _, c := range cases {
			got, err := f.svc.TenantsWhere(ctx, c.user, c.obj, c.act)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Errorf("TenantsWhere(%s, %s.%s) = %v, want %v", c.user, c.obj, c.act, got, c.want)
				continue
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("TenantsWhere(%s, %s.%s) = %v, want %v", c.user, c.obj, c.act, got, c.want)
					break
				}
			}
		}
	})
}
