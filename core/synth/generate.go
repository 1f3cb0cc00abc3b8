package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"doanbd/core/cadre"
)

// TenantData is everything generated for one tenant.
type TenantData struct {
	Tenant Tenant
	Units  []Unit
	Cadres []Cadre
	Plans  []Plan
	// NewRates are rate tables to store (the tenant had none in force).
	NewRates []RateTable
	RateFrom cadre.Date
	File     *File
}

// File is the decision PDF recorded decisions point at (table files).
type File struct {
	ID, Name string
	Data     []byte
	At       time.Time
}

// Inputs are what the generator reads from the database: the active
// tenants, the published central programmes, the rate tables each tenant
// already has (by slug; missing tenants get an example table).
type Inputs struct {
	Tenants  []Tenant
	Programs []Program
	Rates    map[string][]DatedRates
}

// DatedRates is a stored rate table and the date it takes effect.
type DatedRates struct {
	Table RateTable
	From  cadre.Date
}

// Generator makes the data of each tenant on demand; it is safe for
// concurrent use (every tenant draws from its own random streams).
type Generator struct {
	opts    Options
	in      Inputs
	tenants []Tenant
	cadres  []int
	enrols  []int      // enrolments per tenant, in proportion to its cadres
	aud     []audience // of in.Programs
	specs   [][]int    // per tenant: years of tenant-level annual plans
	states  [][]string
	subs    [][]int // per tenant: years of sub-plans
	central actor
}

// NewGenerator plans the split of the data among the tenants.
func NewGenerator(o Options, in Inputs) (*Generator, error) {
	o = o.withDefaults()
	if o.Cadres < 0 || o.Plans < 0 {
		return nil, fmt.Errorf("synthetic data: negative scale (cadres %d, plans %d)", o.Cadres, o.Plans)
	}
	g := &Generator{opts: o, in: in, tenants: sortTenants(in.Tenants)}
	if len(g.tenants) == 0 {
		return nil, fmt.Errorf("synthetic data: no active tenants (run the tenants seed first)")
	}
	g.cadres = allocate(g.tenants, o.Cadres)
	g.enrols = allocate(g.tenants, o.enrolments())
	g.aud = audiences(in.Programs)
	g.allocatePlans()
	cr := newRNG(o.Seed, "tw", "central", baseTime(o.AsOf, 0))
	g.central = actor{id: cr.id(), name: newPerson(cr, north, 0).name}
	return g, nil
}

// Tenants lists the tenants in generation order.
func (g *Generator) Tenants() []Tenant { return g.tenants }

// allocatePlans gives each tenant its annual plans, most recent years
// first, then sub-plans; draws each plan's state and makes sure every state
// of the workflow occurs when there are enough plans.
func (g *Generator) allocatePlans() {
	n := len(g.tenants)
	total := g.opts.Plans
	if total == 0 {
		total = 5 * n
	}
	g.specs, g.states, g.subs = make([][]int, n), make([][]string, n), make([][]int, n)
	years := []int{2027, 2026, 2025, 2024, 2023}
	k := 0
	for _, y := range years {
		for i := 0; i < n && k < total; i++ {
			g.specs[i] = append(g.specs[i], y)
			k++
		}
	}
	for j := 0; k < total; j++ {
		i := j % n
		g.subs[i] = append(g.subs[i], years[(j/n)%len(years)])
		k++
	}
	count := map[string]int{}
	type ref struct{ i, j int }
	var order []ref
	for i, t := range g.tenants {
		r := newRNG(g.opts.Seed, t.Slug, "states", time.Time{})
		for j, y := range g.specs[i] {
			s := stateMix(y, g.opts.AsOf.Time().Year()).pick(r)
			g.states[i] = append(g.states[i], s)
			count[s]++
			order = append(order, ref{i, j})
		}
	}
	// Every state at least once: take plans from the most common states.
	for _, s := range States {
		if count[s] > 0 {
			continue
		}
		for _, p := range order {
			cur := g.states[p.i][p.j]
			if count[cur] > 1 {
				g.states[p.i][p.j] = s
				count[cur]--
				count[s]++
				break
			}
		}
	}
}

// Tenant generates the data of the i-th tenant.
func (g *Generator) Tenant(i int) *TenantData {
	t := g.tenants[i]
	at := baseTime(g.opts.AsOf, i)
	seed := g.opts.Seed
	d := &TenantData{Tenant: t}
	tr := unitTree(newRNG(seed, t.Slug, "units", at), t, g.cadres[i])
	d.Units = tr.all
	d.Cadres = cadres(newRNG(seed, t.Slug, "cadres", at), t, tr, g.cadres[i], g.opts.AsOf)
	if len(g.specs[i]) > 0 || len(g.subs[i]) > 0 {
		g.plans(d, i, tr, at)
	}
	levels := make(map[string]string, len(d.Units))
	for k := range d.Units {
		levels[d.Units[k].ID] = d.Units[k].Level
	}
	enrol(newRNG(seed, t.Slug, "enrolments", at), d.Cadres, enrolmentSpec{n: g.enrols[i], fit: newProgramFit(g.in.Programs, g.aud), levels: levels,
		classes: classesByProgram(d.Plans), asOf: g.opts.AsOf, issuer: issuerOf(t)})
	return d
}

// plans generates the tenant's plans, rate tables and decision file.
func (g *Generator) plans(d *TenantData, i int, tr *tree, at time.Time) {
	t, seed := g.tenants[i], g.opts.Seed
	r := newRNG(seed, t.Slug, "plans", at)
	sp := planSpec{years: g.specs[i], subPlans: g.subs[i], programs: g.in.Programs, asOf: g.opts.AsOf,
		actors: newActors(r, t, g.central)}
	for _, dr := range g.in.Rates[t.Slug] {
		sp.rates, sp.rateFrom = append(sp.rates, dr.Table), append(sp.rateFrom, dr.From)
	}
	if len(sp.rates) == 0 {
		src := "local"
		if t.Kind == "central" || t.Kind == "ministry" {
			src = "central"
		}
		rt := RateTable{ID: r.id(), Rates: DefaultRates(src)}
		d.NewRates, d.RateFrom = []RateTable{rt}, cadre.NewDate(2023, 1, 1)
		sp.rates, sp.rateFrom = []RateTable{rt}, []cadre.Date{d.RateFrom}
	}
	d.File = &File{ID: r.id(), Name: "quyet-dinh-ubnd-phe-duyet-ke-hoach.pdf", At: time.Date(2023, 1, 5, 3, 0, 0, 0, time.UTC),
		Data: []byte("%PDF-1.4\n% Quyết định phê duyệt kế hoạch (dữ liệu giả lập)\n%%EOF\n")}
	sp.fileID = d.File.ID
	d.Plans = plans(r, t, tr, d.Cadres, sp, g.cadres[i])
	// Draw each tenant-level annual plan's history now that all share r.
	k := 0
	for j := range d.Plans {
		p := &d.Plans[j]
		if p.Kind == "annual" && p.ParentPlanID == "" {
			p.Instance = history(r, p, g.states[i][k], sp, p.CreatedAt)
			k++
		}
	}
}

// Digest fingerprints the data the generator makes (plaintext, before
// sealing): equal digests mean equal data.
func (g *Generator) Digest() (string, error) {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for i := range g.tenants {
		if err := enc.Encode(g.Tenant(i)); err != nil {
			return "", fmt.Errorf("digest: %w", err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
