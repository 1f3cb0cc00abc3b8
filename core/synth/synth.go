// Package synth generates national-scale synthetic data for benchmarks and
// demonstrations: unit trees for every tenant, cadres with Vietnamese names
// (diacritics, realistic family-name frequencies, minority peoples' names in
// the regions where they live), titles, employment, planning pools, priority
// areas, and annual plans with classes, budget lines and workflow instances
// in every state of the annual-plan workflow.
//
// The data is deterministic: the same seed, scale and tenant list give the
// same records (Digest fingerprints them). Only the ciphertexts of the
// sensitive fields differ between runs, because sealing draws a random nonce.
//
// Writing is bulk: multi-row INSERTs through prepared statements in one
// transaction per tenant on SQLite, COPY into a temporary table and one
// INSERT … SELECT per table on PostgreSQL (row-level security still checks
// every row).
package synth

import (
	"fmt"
	"sort"
	"time"

	"doanbd/core/cadre"
)

// Options set the scale and the seed.
type Options struct {
	// Seed of every random stream (default 1).
	Seed int64
	// Cadres in all, shared among the active tenants by size.
	Cadres int
	// Enrolments is the number of training enrolments in all, shared among
	// the tenants like the cadres and among each tenant's cadres about
	// evenly: 0 means EnrolmentsPerCadre per cadre, a negative number none.
	Enrolments int
	// Plans is the number of annual plans in all: first each tenant's plans
	// for 2023–2027, then sub-plans of units; 0 means five per tenant.
	Plans int
	// AsOf is the date the data describes (default 2026-11-20): plans of
	// the following year are still under review, earlier ones are approved.
	AsOf cadre.Date
}

// DefaultAsOf is the reference date when Options.AsOf is zero; a fixed date
// keeps the data the same from one day to the next.
var DefaultAsOf = cadre.NewDate(2026, 11, 20)

// enrolments is the number of enrolments to generate in all.
func (o Options) enrolments() int {
	switch {
	case o.Enrolments < 0:
		return 0
	case o.Enrolments == 0:
		return EnrolmentsPerCadre * o.Cadres
	}
	return o.Enrolments
}

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.AsOf.IsZero() {
		o.AsOf = DefaultAsOf
	}
	return o
}

// Tenant is an active tenant that receives data.
type Tenant struct {
	Slug string
	Kind string // central, province, ministry, affiliated
	Code string // province code, "" for others
	Name string // current name (the union's own name, e.g. "Thành Đoàn Hà Nội")
}

// Program is a published catalogue programme a class may use.
type Program struct {
	ID, Code, Name, Group string
	Version               int
	Audience              string // JSON of program.Audience
	Hours                 int
}

// Rate is one rate of the tenant's rate table in force (core/budget).
type Rate struct {
	Item, Rank, Unit string
	Amount           int64
	FundingSource    string
}

// RateTable is the table lines are computed from; ID "" means the writer
// stores Rates as a new example table for the tenant.
type RateTable struct {
	ID    string
	Rates []Rate
}

// share is how much of the roster a tenant holds, relative to an average
// province (100).
func share(t Tenant) int {
	switch t.Kind {
	case "central":
		return 10
	case "ministry":
		return 250
	case "affiliated":
		return 40
	}
	switch t.Code {
	case "01", "79":
		return 300
	case "31", "48", "92", "38", "40":
		return 150
	}
	return 100
}

// allocate splits total among tenants by share with the largest-remainder
// method, so the counts add up exactly and do not depend on map order.
func allocate(tenants []Tenant, total int) []int {
	out := make([]int, len(tenants))
	if total <= 0 || len(tenants) == 0 {
		return out
	}
	sum := 0
	for _, t := range tenants {
		sum += share(t)
	}
	type rem struct{ i, r int }
	rems := make([]rem, len(tenants))
	given := 0
	for i, t := range tenants {
		q := total * share(t)
		out[i] = q / sum
		given += out[i]
		rems[i] = rem{i, q % sum}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < total; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}

// sortTenants orders tenants by slug: the order of generation, so the data
// does not depend on the order the database returned them in.
func sortTenants(ts []Tenant) []Tenant {
	out := append([]Tenant(nil), ts...)
	sort.Slice(out, func(i, j int) bool { return out[i].Slug < out[j].Slug })
	return out
}

// baseTime is the time ids carry (like sqldb.NewID's millisecond prefix):
// the day before AsOf, plus the tenant's position so tenants differ.
func baseTime(asOf cadre.Date, i int) time.Time {
	return asOf.Time().Add(-24*time.Hour + time.Duration(i)*time.Millisecond)
}

// Counts says how much was generated or written.
type Counts struct {
	Tenants, Units, Cadres, Positions, Planning int
	Enrolments                                  int
	Plans, Classes, BudgetLines                 int
	Instances, History                          int
}

func (c Counts) String() string {
	return fmt.Sprintf("%d tổ chức Đoàn, %d đơn vị, %d cán bộ, %d quá trình công tác, %d quy hoạch, %d lượt bồi dưỡng, %d kế hoạch, %d lớp, %d dòng dự toán, %d hồ sơ quy trình, %d bước lịch sử",
		c.Tenants, c.Units, c.Cadres, c.Positions, c.Planning, c.Enrolments, c.Plans, c.Classes, c.BudgetLines, c.Instances, c.History)
}

func (c *Counts) add(d *TenantData) {
	c.Tenants++
	c.Units += len(d.Units)
	c.Cadres += len(d.Cadres)
	for i := range d.Cadres {
		c.Positions += len(d.Cadres[i].Positions)
		c.Enrolments += len(d.Cadres[i].Enrolments)
		if d.Cadres[i].Planning != nil {
			c.Planning++
		}
	}
	c.Plans += len(d.Plans)
	for i := range d.Plans {
		p := &d.Plans[i]
		c.Classes += len(p.Classes)
		for j := range p.Classes {
			c.BudgetLines += len(p.Classes[j].Lines)
		}
		if p.Instance != nil {
			c.Instances++
			c.History += len(p.Instance.History)
		}
	}
}
