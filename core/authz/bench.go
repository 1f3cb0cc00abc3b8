package authz

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/casbin/casbin/v2"
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
// decisions, allowed and denied.
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
	n, rounds := 200_000, 20
	if o.Quick {
		n, rounds = 20_000, 4
	}
	rows := []BenchRow{
		{Name: "national: 100 tenants, 20,000 users", Rules: len(templates), Assignments: natAssign},
		{Name: "small: 6 rules", Rules: 3, Assignments: 3},
	}
	lat := [2][]time.Duration{make([]time.Duration, 0, n), make([]time.Duration, 0, n)}
	es := [2]*casbin.SyncedEnforcer{national, small}
	reqs := [2][]benchReq{natReqs, smallReqs}
	// Warm up both (matcher compilation, caches), then alternate rounds.
	for i := range es {
		if _, err := measure(es[i], reqs[i], 1000, nil, &rows[i]); err != nil {
			return nil, err
		}
		rows[i].Allowed = 0
	}
	for round := 0; round < rounds; round++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i := range es {
			var err error
			if lat[i], err = measure(es[i], reqs[i], n/rounds, lat[i], &rows[i]); err != nil {
				return nil, err
			}
		}
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
	for i := 0; i < n; i++ {
		q := reqs[i%len(reqs)]
		start := time.Now()
		ok, err := e.Enforce(q.sub, q.dom, q.perm, q.view)
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

func allPerms() [][2]string {
	var out [][2]string
	for _, o := range Objects() {
		for _, a := range Catalog[o] {
			out = append(out, [2]string{o, a})
		}
	}
	return out
}
