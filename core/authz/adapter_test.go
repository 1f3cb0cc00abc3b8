package authz_test

import (
	"context"
	"reflect"
	"sort"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"doanbd/core/authz"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
)

const plainModel = `
[request_definition]
r = sub, dom, obj, act
[policy_definition]
p = sub, dom, obj, act
[role_definition]
g = _, _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act
`

func plainEnforcer(t *testing.T, db *sqldb.DB) *casbin.Enforcer {
	t.Helper()
	m, err := model.NewModelFromString(plainModel)
	if err != nil {
		t.Fatal(err)
	}
	e, err := casbin.NewEnforcer(m, authz.NewAdapter(db))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// stored reads back what a fresh enforcer loads.
func stored(t *testing.T, db *sqldb.DB) (p, g [][]string) {
	t.Helper()
	e := plainEnforcer(t, db)
	p, _ = e.GetPolicy()
	g, _ = e.GetGroupingPolicy()
	key := func(s [][]string) {
		sort.Slice(s, func(i, j int) bool { return fmtRule(s[i]) < fmtRule(s[j]) })
	}
	key(p)
	key(g)
	return p, g
}

func fmtRule(r []string) string {
	s := ""
	for _, v := range r {
		s += v + ","
	}
	return s
}

func TestAdapter(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := plainEnforcer(t, db)
		must := func(ok bool, err error) {
			t.Helper()
			if err != nil || !ok {
				t.Fatalf("policy change: %v %v", ok, err)
			}
		}
		must(e.AddPolicy("planner", "p79", "plan", "write"))
		must(e.AddPolicies([][]string{{"approver", "p79", "plan", "approve"}, {"planner", "p01", "plan", "write"}}))
		must(e.AddGroupingPolicies([][]string{{"alice", "planner", "p79"}, {"bob", "approver", "p79"}, {"carol", "planner", "p01"}}))
		must(e.RemovePolicy("planner", "p01", "plan", "write"))
		must(e.UpdatePolicy([]string{"approver", "p79", "plan", "approve"}, []string{"approver", "p79", "plan", "reject"}))
		must(e.RemoveFilteredGroupingPolicy(2, "p01"))
		p, g := stored(t, db)
		wantP := [][]string{{"approver", "p79", "plan", "reject"}, {"planner", "p79", "plan", "write"}}
		wantG := [][]string{{"alice", "planner", "p79"}, {"bob", "approver", "p79"}}
		if !reflect.DeepEqual(p, wantP) || !reflect.DeepEqual(g, wantG) {
			t.Fatalf("stored\n p=%v\n g=%v", p, g)
		}
		if ok, _ := plainEnforcer(t, db).Enforce("alice", "p79", "plan", "write"); !ok {
			t.Error("reloaded enforcer does not allow a stored rule")
		}

		// UpdateFilteredPolicies returns what it replaced.
		old, err := authz.NewAdapter(db).UpdateFilteredPolicies("g", "g", [][]string{{"dave", "planner", "p79"}}, 0, "alice")
		if err != nil || !reflect.DeepEqual(old, [][]string{{"alice", "planner", "p79"}}) {
			t.Fatalf("UpdateFilteredPolicies = %v, %v", old, err)
		}

		// Filtered load: templates of every tenant, assignments of p79 only.
		must(e.AddGroupingPolicy("erin", "planner", "p01"))
		f := plainEnforcer(t, db)
		if err := f.LoadFilteredPolicy(authz.Filter{Tenants: []string{"p01"}}); err != nil {
			t.Fatal(err)
		}
		g, _ = f.GetGroupingPolicy()
		if !reflect.DeepEqual(g, [][]string{{"erin", "planner", "p01"}}) {
			t.Errorf("filtered g = %v", g)
		}
		if p, _ := f.GetPolicy(); len(p) != 2 {
			t.Errorf("filtered load dropped p rules: %v", p)
		}
		if err := f.SavePolicy(); err == nil {
			t.Error("saving a filtered policy was allowed: it would drop the rules not loaded")
		}

		// SavePolicy replaces everything.
		s := plainEnforcer(t, db)
		s.ClearPolicy()
		must(s.AddPolicy("learner", "p79", "program", "read"))
		if err := s.SavePolicy(); err != nil {
			t.Fatal(err)
		}
		p, g = stored(t, db)
		if !reflect.DeepEqual(p, [][]string{{"learner", "p79", "program", "read"}}) || len(g) != 0 {
			t.Errorf("after SavePolicy p=%v g=%v", p, g)
		}
		// Adding a stored rule twice through the adapter is harmless.
		ad := authz.NewAdapter(db)
		if err := ad.AddPolicy("p", "p", []string{"learner", "p79", "program", "read"}); err != nil {
			t.Errorf("duplicate add: %v", err)
		}
		if n, err := db.NewSelect().Table("casbin_rule").Count(context.Background()); err != nil || n != 1 {
			t.Errorf("rows = %d, %v", n, err)
		}
	})
}
