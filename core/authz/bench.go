package authz

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
)

// BenchRow is one measured policy size.
type BenchRow struct {
	Name        string        `json:"name"`
	Rules       int           `json:"rules"`       // template rules (g2)
	Assignments int           `json:"assignments"` // user → template → tenant (g)
	Decisions   int           `json:"decisions"`
	Allowed     int           `json:"allowed"`
	P50         time.Duration `json:"p50"`
	P99         time.Duration `json:"p99"`
	Max         time.Duration `json:"max"`
}

// BenchOptions configures BenchDecisions.
type BenchOptions struct {
	Model  string // configs/casbin/model.conf
	Policy string // configs/casbin/policy.csv
	// Quick measures fewer decisions (for tests and smoke runs).
	Quick bool
	// Seed makes the synthetic policy and requests reproducible.
	Seed uint64
}

type benchReq struct{ sub, dom, perm, view string }

// BenchDecisions measures single Casbin decisions (the enforcer call the
// guard makes per request) on a national-size policy — 100 tenants, 20,000
// users, every shipped template — and on a 6-rule policy with the same model
// and enforcer, interleaved in one run so both see the same machine load.
// Requests mix own-tenant, foreign-tenant, central and aggregate-only
// decisions, allowed and denied. A third row is the reference the model was
// chosen against: the same national policy in the classic layout (one p line
// per template and permission, Casbin's default role manager).
func BenchDecisions(ctx context.Context, o BenchOptions) ([]BenchRow, error) {
	templates, err := ParsePolicy(o.Policy)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(o.Seed, 0x646f616e6264))
	national, natReqs, natAssign, err := nationalPolicy(o.Model, templates, r)
	if err != nil {
		return nil, err
	}
	small, smallReqs, err := smallPolicy(o.Model)
	if err != nil {
		return nil, err
	}
	classic, err := classicPolicy(national, templates)
	if err != nil {
		return nil, err
	}
	if err := sameDecisions(national, classic, natReqs[:2000]); err != nil {
		return nil, err
	}
	n, rounds := 200_000, 20
	if o.Quick {
		n, rounds = 20_000, 4
	}
	rows := []BenchRow{
		{Name: "national: 100 tenants, 20,000 users", Rules: len(templates), Assignments: natAssign},
		{Name: "small: 6 rules", Rules: 3, Assignments: 3},
		{Name: "reference: classic layout, national size", Rules: len(templates), Assignments: natAssign},
	}
	lat := [3][]time.Duration{make([]time.Duration, 0, n), make([]time.Duration, 0, n), make([]time.Duration, 0, n/10)}
	es := [3]*casbin.SyncedEnforcer{national, small, classic}
	reqs := [3][]benchReq{natReqs, smallReqs, natReqs}
	share := [3]int{1, 1, 10} // the classic layout is slow: a tenth of the decisions
	// Warm up (matcher compilation, caches), then alternate the national and
	// the small policy round by round. The classic reference runs afterwards,
	// alone: its garbage would otherwise slow the two it is not part of.
	for i := range es {
		if _, err := measure(es[i], reqs[i], 1000/share[i], nil, &rows[i]); err != nil {
			return nil, err
		}
		rows[i].Allowed = 0
	}
	runtime.GC()
	for round := 0; round < rounds; round++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i := 0; i < 2; i++ {
			var err error
			if lat[i], err = measure(es[i], reqs[i], n/rounds, lat[i], &rows[i]); err != nil {
				return nil, err
			}
		}
	}
	runtime.GC()
	if lat[2], err = measure(es[2], reqs[2], n/share[2], lat[2], &rows[2]); err != nil {
		return nil, err
	}
	for i := range rows {
		d := lat[i]
		slices.Sort(d)
		rows[i].Decisions = len(d)
		rows[i].P50 = d[len(d)/2]
		rows[i].P99 = d[len(d)*99/100]
		rows[i].Max = d[len(d)-1]
	}
	return rows, nil
}

func measure(e *casbin.SyncedEnforcer, reqs []benchReq, n int, lat []time.Duration, row *BenchRow) ([]time.Duration, error) {
	classic := e.GetModel()["r"]["r"].Tokens[2] == "r_obj"
	for i := 0; i < n; i++ {
		q := reqs[(len(lat)+i)%len(reqs)]
		start := time.Now()
		var ok bool
		var err error
		if classic {
			obj, act, _ := strings.Cut(q.perm, ".")
			ok, err = e.Enforce(q.sub, q.dom, obj, act, q.view)
		} else {
			ok, err = e.Enforce(q.sub, q.dom, q.perm, q.view)
		}
		d := time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("enforce: %w", err)
		}
		if lat != nil {
			lat = append(lat, d)
		}
		if ok {
			row.Allowed++
		}
	}
	return lat, nil
}

// nationalPolicy builds tw + 99 tenants (two of them aggregate-only
// ministries), 20,000 users each holding one template (a tenth hold a
// second one elsewhere), and 50,000 requests.
func nationalPolicy(modelText string, templates [][]string, r *rand.Rand) (*casbin.SyncedEnforcer, []benchReq, int, error) {
	e, _, _, err := newEnforcer(modelText)
	if err != nil {
		return nil, nil, 0, err
	}
	tenants := []string{"tw", "bqp", "bca"}
	for len(tenants) < 100 {
		tenants = append(tenants, fmt.Sprintf("p%02d", len(tenants)))
	}
	aggregate := map[string]bool{"bqp": true, "bca": true}
	var central, local []string
	for _, role := range Roles {
		if IsCentral(role) {
			central = append(central, role)
		} else {
			local = append(local, role)
		}
	}
	var g [][]string
	home := make([]string, 20_000)
	for u := range home {
		user := fmt.Sprintf("u%05d", u)
		t := tenants[r.IntN(len(tenants))]
		role := local[r.IntN(len(local))]
		if t == "tw" && r.IntN(2) == 0 {
			role = central[r.IntN(len(central))]
		}
		home[u] = t
		g = append(g, []string{user, role, t})
		if u%10 == 0 {
			g = append(g, []string{user, local[r.IntN(len(local))], tenants[r.IntN(len(tenants))]})
		}
	}
	if _, err := e.AddNamedGroupingPolicies("g2", templates); err != nil {
		return nil, nil, 0, fmt.Errorf("bench templates: %w", err)
	}
	if _, err := e.AddGroupingPolicies(g); err != nil {
		return nil, nil, 0, fmt.Errorf("bench assignments: %w", err)
	}
	perms := allPerms()
	reqs := make([]benchReq, 50_000)
	for i := range reqs {
		u := r.IntN(len(home))
		dom := home[u]
		if r.IntN(2) == 0 {
			dom = tenants[r.IntN(len(tenants))]
		}
		p := perms[r.IntN(len(perms))]
		view := viewFull
		if aggregate[dom] {
			view = viewAggregate
		}
		reqs[i] = benchReq{fmt.Sprintf("u%05d", u), dom, Perm(p[0], p[1], ScopeOwn), view}
	}
	return e, reqs, len(g), nil
}

// smallPolicy is the baseline: 3 template rules and 3 assignments.
func smallPolicy(modelText string) (*casbin.SyncedEnforcer, []benchReq, error) {
	e, _, _, err := newEnforcer(modelText)
	if err != nil {
		return nil, nil, err
	}
	if _, err := e.AddNamedGroupingPolicies("g2", [][]string{
		{RolePlanner, "plan.write"}, {RoleApprover, "plan.approve"}, {RoleCentralReviewer, "plan.review@child"},
	}); err != nil {
		return nil, nil, err
	}
	if _, err := e.AddGroupingPolicies([][]string{
		{"u1", RolePlanner, "p79"}, {"u2", RoleApprover, "p79"}, {"u3", RoleCentralReviewer, "tw"},
	}); err != nil {
		return nil, nil, err
	}
	var reqs []benchReq
	for _, u := range []string{"u1", "u2", "u3"} {
		for _, dom := range []string{"tw", "p79", "p01"} {
			for _, a := range []string{ActWrite, ActApprove, ActReview} {
				reqs = append(reqs, benchReq{u, dom, Perm(ObjPlan, a, ScopeOwn), viewFull})
			}
		}
	}
	return e, reqs, nil
}

// classicModel is the layout this package does not use, kept as the
// benchmark's reference: one p line per template, object, action and scope,
// Casbin's default role manager, the matcher evaluated for every p line.
const classicModel = `
[request_definition]
r = sub, dom, obj, act, view
[policy_definition]
p = sub, obj, act, scope
[role_definition]
g = _, _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = r.obj == p.obj && r.act == p.act && (p.scope == "own" && g(r.sub, p.sub, r.dom) || r.dom != "tw" && (p.scope == "any_child" || p.scope == "child" && r.view == "full") && g(r.sub, p.sub, "tw"))
`

// sameDecisions checks that the reference decides as this package's model
// (it also checks the role managers against Casbin's default one).
func sameDecisions(e, classic *casbin.SyncedEnforcer, reqs []benchReq) error {
	for _, q := range reqs {
		a, err := e.Enforce(q.sub, q.dom, q.perm, q.view)
		if err != nil {
			return err
		}
		obj, act, _ := strings.Cut(q.perm, ".")
		b, err := classic.Enforce(q.sub, q.dom, obj, act, q.view)
		if err != nil {
			return err
		}
		if a != b {
			return fmt.Errorf("bench: %+v is %v here and %v in the classic layout", q, a, b)
		}
	}
	return nil
}

// classicPolicy loads the national policy of e into the classic layout.
func classicPolicy(e *casbin.SyncedEnforcer, templates [][]string) (*casbin.SyncedEnforcer, error) {
	m, err := model.NewModelFromString(classicModel)
	if err != nil {
		return nil, fmt.Errorf("classic model: %w", err)
	}
	c, err := casbin.NewSyncedEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("classic enforcer: %w", err)
	}
	var p [][]string
	for _, t := range templates {
		obj, act, scope, _ := ParsePerm(t[1])
		sc := "own"
		if scope != ScopeOwn {
			sc = scope[1:]
		}
		p = append(p, []string{t[0], obj, act, sc})
	}
	g, err := e.GetGroupingPolicy()
	if err != nil {
		return nil, err
	}
	if _, err := c.AddPolicies(p); err != nil {
		return nil, fmt.Errorf("classic rules: %w", err)
	}
	if _, err := c.AddGroupingPolicies(g); err != nil {
		return nil, fmt.Errorf("classic assignments: %w", err)
	}
	return c, nil
}

func allPerms() [][2]string {
	var out [][2]string
	for _, o := range Objects() {
		for _, a := range Catalog[o] {
			out = append(out, [2]string{o, a})
		}
	}
	return out
}
