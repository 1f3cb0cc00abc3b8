package authz_test

import (
	"context"
	"testing"

	"doanbd/core"
	"doanbd/core/authz"
)

func TestAssignAndRevoke(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		admin := "u_tenant_admin"
		if err := f.svc.AssignRole(ctx, admin, "alice", authz.RolePlanner, "p79"); err != nil {
			t.Fatal(err)
		}
		if e := f.audit.last(); e.Action != authz.AuditGrant || e.Tenant != "p79" || e.ObjectID != "alice" || e.ActorID != admin || e.Detail["role"] != authz.RolePlanner {
			t.Errorf("audit entry %+v", e)
		}
		n := len(f.audit.entries)
		if err := f.svc.AssignRole(ctx, admin, "alice", authz.RolePlanner, "p79"); err != nil {
			t.Fatalf("assigning a held role again: %v", err)
		}
		if len(f.audit.entries) != n {
			t.Error("a repeated assignment was audited as a change")
		}
		if err := f.svc.AssignRole(ctx, "", "alice", authz.RoleAuditor, "p01"); err != nil {
			t.Fatal(err)
		}
		roles, err := f.svc.RolesOf(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if len(roles) != 2 || len(roles["p79"]) != 1 || roles["p79"][0] != authz.RolePlanner || roles["p01"][0] != authz.RoleAuditor {
			t.Errorf("RolesOf = %v", roles)
		}
		// A fresh service (another process) loads the same from the database.
		other := newService(t, f.db, f.tenants, f.audit)
		if !mustEnforce(t, other, "alice", "p79", authz.ObjPlan, authz.ActWrite) {
			t.Error("assignment not persisted")
		}
		users, _ := other.UsersIn(ctx, "p79")
		if len(users["alice"]) != 1 || len(users["u_planner"]) != 1 {
			t.Errorf("UsersIn(p79) = %v", users)
		}
		if err := f.svc.RevokeRole(ctx, admin, "alice", authz.RolePlanner, "p79"); err != nil {
			t.Fatal(err)
		}
		if e := f.audit.last(); e.Action != authz.AuditRevoke || e.ObjectID != "alice" {
			t.Errorf("audit entry %+v", e)
		}
		if mustEnforce(t, f.svc, "alice", "p79", authz.ObjPlan, authz.ActWrite) {
			t.Error("revoked role still allows")
		}
		if err := f.svc.RevokeRole(ctx, admin, "alice", authz.RolePlanner, "p79"); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("revoking a role not held: %v", err)
		}
		third := newService(t, f.db, f.tenants, f.audit)
		if mustEnforce(t, third, "alice", "p79", authz.ObjPlan, authz.ActWrite) {
			t.Error("revocation not persisted")
		}
	})
}

func TestRoleChangeRules(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		cases := []struct {
			name                      string
			actor, user, role, tenant string
			want                      string
		}{
			{"unknown role", "u_tenant_admin", "bob", "superuser", "p79", core.EINVALID},
			{"no user", "u_tenant_admin", "", authz.RolePlanner, "p79", core.EINVALID},
			{"central role outside tw", "u_central_admin", "bob", authz.RoleCentralViewer, "p79", core.EINVALID},
			{"tenant admin of tw grants a central role", "tw_admin", "bob", authz.RoleCentralAdmin, "tw", core.EFORBIDDEN},
			{"central admin grants a central role", "u_central_admin", "bob", authz.RoleCentralViewer, "tw", ""},
			{"system grants a central role", "", "carol", authz.RoleCentralAdmin, "tw", ""},
			{"unknown tenant", "", "bob", authz.RolePlanner, "nope", core.EINVALID},
			{"ended tenant", "", "bob", authz.RolePlanner, "p72", core.ECONFLICT},
		}
		if err := f.svc.AssignRole(ctx, "", "tw_admin", authz.RoleTenantAdmin, "tw"); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			err := f.svc.AssignRole(ctx, c.actor, c.user, c.role, c.tenant)
			if got := core.ErrorCode(err); got != c.want {
				t.Errorf("%s: %q (%v), want %q", c.name, got, err, c.want)
			}
		}
		// Revoking works in an ended tenant (granting does not, above).
		p72, _ := f.tenants.Tenant(ctx, "p72")
		p72.Status = core.TenantActive
		f.tenants.set(p72)
		if err := f.svc.AssignRole(ctx, "", "frank", authz.RoleAuditor, "p72"); err != nil {
			t.Fatal(err)
		}
		p72.Status = core.TenantEnded
		f.tenants.set(p72)
		if err := f.svc.RevokeRole(ctx, "", "frank", authz.RoleAuditor, "p72"); err != nil {
			t.Errorf("revoking in an ended tenant: %v", err)
		}
		if err := f.svc.RevokeRole(ctx, "tw_admin", "u_central_admin", authz.RoleCentralAdmin, "tw"); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Errorf("tenant admin revoked a central admin: %v", err)
		}
		// carol and u_central_admin are central admins: one can go, not both.
		if err := f.svc.RevokeRole(ctx, "u_central_admin", "carol", authz.RoleCentralAdmin, "tw"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RevokeRole(ctx, "u_central_admin", "u_central_admin", authz.RoleCentralAdmin, "tw"); core.ErrorCode(err) != core.ECONFLICT {
			t.Errorf("removing the last central admin: %v", err)
		}
	})
}

func TestAuditFailureRollsBack(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.audit.fail = true
		if err := f.svc.AssignRole(ctx, "", "dave", authz.RolePlanner, "p79"); err == nil {
			t.Fatal("assignment succeeded without its audit entry")
		}
		f.audit.fail = false
		if mustEnforce(t, f.svc, "dave", "p79", authz.ObjPlan, authz.ActWrite) {
			t.Error("assignment applied in memory although it rolled back")
		}
		if mustEnforce(t, newService(t, f.db, f.tenants, f.audit), "dave", "p79", authz.ObjPlan, authz.ActWrite) {
			t.Error("assignment stored although its audit entry failed")
		}
	})
}

func TestSyncRestoresShippedTemplates(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		// Tamper: drop a shipped rule, add one that is not shipped.
		if _, err := f.db.NewDelete().Table("casbin_rule").Where("ptype = 'g2' AND v0 = ? AND v1 = ?", authz.RolePlanner, "plan.write").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.NewInsert().Model(&map[string]any{"ptype": "g2", "v0": authz.RoleLearner, "v1": "cadre.read_sensitive"}).Table("casbin_rule").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Reload(); err != nil {
			t.Fatal(err)
		}
		if mustEnforce(t, f.svc, "u_planner", "p79", authz.ObjPlan, authz.ActWrite) || !mustEnforce(t, f.svc, "u_learner", "p79", authz.ObjCadre, authz.ActReadSensitive) {
			t.Fatal("tampering not visible after reload; the test proves nothing")
		}
		changed, err := f.svc.Sync(ctx)
		if err != nil || !changed {
			t.Fatalf("Sync = %v, %v", changed, err)
		}
		if err := f.svc.Reload(); err != nil {
			t.Fatal(err)
		}
		if !mustEnforce(t, f.svc, "u_planner", "p79", authz.ObjPlan, authz.ActWrite) || mustEnforce(t, f.svc, "u_learner", "p79", authz.ObjCadre, authz.ActReadSensitive) {
			t.Error("Sync did not restore the shipped templates")
		}
		if !mustEnforce(t, f.svc, "u_approver", "p79", authz.ObjPlan, authz.ActApprove) {
			t.Error("Sync touched assignments")
		}
		if changed, err := f.svc.Sync(ctx); err != nil || changed {
			t.Errorf("second Sync = %v, %v; want no change", changed, err)
		}
	})
}

func TestParsePolicy(t *testing.T) {
	bad := map[string]string{
		"unknown template":     "g2, boss, plan.read",
		"unknown permission":   "g2, planner, plan.fly",
		"unknown scope":        "g2, central_admin, plan.read@everywhere",
		"tenant role on child": "g2, planner, plan.read@child",
		"p line":               "p, planner, plan, read",
		"duplicate":            "g2, planner, plan.read\ng2, planner, plan.read",
	}
	for name, text := range bad {
		if _, err := authz.ParsePolicy(text); err == nil {
			t.Errorf("%s: accepted %q", name, text)
		}
	}
	rules, err := authz.ParsePolicy("# c\n\ng2, planner, plan.read\ng2, central_viewer, report.read@any_child\n")
	if err != nil || len(rules) != 2 {
		t.Errorf("ParsePolicy = %v, %v", rules, err)
	}
}
