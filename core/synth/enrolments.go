package synth

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"doanbd/core/cadre"
)

// EnrolmentsPerCadre is the default number of enrolments per cadre: the
// design scale is 2,000,000 enrolments for 500,000 cadres.
const EnrolmentsPerCadre = 4

// Enrolment is one training in a cadre's history (table cadre_enrolments),
// earned in the cadre's own tenant.
type Enrolment struct {
	ID                    string
	Program               *Program
	ClassID               string
	Year                  int
	Start, End, Completed cadre.Date
	Result, Certificate   string
	CreatedAt             time.Time
}

// enrolmentYears weighs the programme's years: fewer in 2023 (the
// programme started in May), the most in 2025–2026, and 2027's classes only
// registered so far.
var enrolmentYears = newWeighted(wpair[int]{2023, 16}, wpair[int]{2024, 22}, wpair[int]{2025, 25}, wpair[int]{2026, 25}, wpair[int]{2027, 12})

// programFit is a programme a cadre may take, weighted: programmes written
// for the cadre's title (or the title the cadre is planned for) come first.
type programFit struct {
	byKey map[string]*weighted[*Program]
	progs []Program
	aud   []audience
}

type audience struct {
	Titles []string `json:"titles"`
	Levels []string `json:"levels"`
}

// audiences parses each programme's audience once per generator. A
// programme whose audience does not parse fits everyone.
func audiences(progs []Program) []audience {
	out := make([]audience, len(progs))
	for i := range progs {
		if err := json.Unmarshal([]byte(progs[i].Audience), &out[i]); err != nil {
			out[i] = audience{}
		}
	}
	return out
}

// newProgramFit is one tenant's matcher: its cache is not shared, so
// tenants can be generated concurrently.
func newProgramFit(progs []Program, aud []audience) *programFit {
	return &programFit{byKey: map[string]*weighted[*Program]{}, progs: progs, aud: aud}
}

// forCadre returns the programmes that fit a title at a level, or nil.
func (f *programFit) forCadre(title, pool, level string) *weighted[*Program] {
	key := title + "/" + pool + "/" + level
	if w, ok := f.byKey[key]; ok {
		return w
	}
	var pairs []wpair[*Program]
	for i := range f.progs {
		a := f.aud[i]
		if len(a.Levels) > 0 && !contains(a.Levels, level) {
			continue
		}
		switch {
		case len(a.Titles) == 0:
			pairs = append(pairs, wpair[*Program]{&f.progs[i], 2})
		case contains(a.Titles, title) || (pool != "" && contains(a.Titles, pool)):
			pairs = append(pairs, wpair[*Program]{&f.progs[i], 5})
		}
	}
	var w *weighted[*Program]
	if len(pairs) > 0 {
		w = newWeighted(pairs...)
	}
	f.byKey[key] = w
	return w
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// enrolmentSpec is what a tenant's enrolments are made from.
type enrolmentSpec struct {
	n      int // in all, shared among the tenant's cadres
	fit    *programFit
	levels map[string]string // unit id → level
	// classes are the tenant-level annual plans' classes by year and
	// programme code: a training of that programme in that year was one of
	// them more often than not.
	classes map[classKey][]*Class
	asOf    cadre.Date
	issuer  string // certificate numbers' suffix
}

type classKey struct {
	year int
	code string
}

// enrol gives the tenant's cadres n enrolments in all, about the same
// number each (0 to twice the mean), in cadre order so the history index
// is written in order. Cadres who left train only before they left.
func enrol(r *rng, cs []Cadre, sp enrolmentSpec) {
	if sp.n <= 0 || len(cs) == 0 || len(sp.fit.progs) == 0 {
		return
	}
	certs := map[int]int{} // next certificate number by year
	given := 0
	for i := range cs {
		c := &cs[i]
		target := (i + 1) * sp.n / len(cs)
		k := target - given
		if i < len(cs)-1 {
			mean := max(1, sp.n/len(cs))
			k = max(0, min(k+r.between(-mean/2, mean/2), 2*mean, sp.n-given))
		}
		pool := ""
		if c.Planning != nil {
			pool = c.Planning.Title
		}
		w := sp.fit.forCadre(c.Title, pool, sp.levels[c.UnitID])
		if w == nil {
			w = sp.fit.forCadre("", "", "")
		}
		if w == nil {
			continue
		}
		c.Enrolments = make([]Enrolment, 0, k)
		for j := 0; j < k; j++ {
			if e, ok := newEnrolment(r, c, w.pick(r), sp, certs); ok {
				c.Enrolments = append(c.Enrolments, e)
			}
		}
		given += len(c.Enrolments)
	}
}

// newEnrolment draws one training of prog for c; false when c left before
// the programme began.
func newEnrolment(r *rng, c *Cadre, prog *Program, sp enrolmentSpec, certs map[int]int) (Enrolment, bool) {
	y := enrolmentYears.pick(r)
	if c.Status == cadre.Left {
		if c.LeftOn.Time().Year() < 2023 {
			return Enrolment{}, false
		}
		y = min(y, c.LeftOn.Time().Year())
	}
	e := Enrolment{ID: r.id(), Program: prog, Year: y}
	if cls := sp.classes[classKey{y, prog.Code}]; len(cls) > 0 && r.chance(0.6) {
		cl := pick(r, cls)
		e.ClassID, e.Start, e.End = cl.ID, cl.Start, cl.End
	} else {
		e.Start = r.dateBetween(cadre.NewDate(y, 3, 1), cadre.NewDate(y, 11, 30))
		e.End = cadre.DateOf(e.Start.Time().AddDate(0, 0, max(1, (prog.Hours+7)/8)-1))
	}
	if c.Status == cadre.Left && e.End.After(c.LeftOn) {
		e.Start = r.dateBetween(cadre.NewDate(y, 1, 1), c.LeftOn)
		e.End, e.ClassID = e.Start, ""
	}
	switch {
	case !e.End.Before(sp.asOf):
		e.Result = cadre.EnrolmentInProgress
	case r.chance(0.9):
		e.Result, e.Completed = cadre.EnrolmentCompleted, e.End
		certs[y]++
		e.Certificate = strconv.Itoa(certs[y]) + "/" + strconv.Itoa(y) + "/CC-" + sp.issuer
	default:
		e.Result = cadre.EnrolmentNotCompleted
	}
	// Entered a few days before the class (or on the reference date for a
	// class further ahead), at office hours.
	at := e.Start.Time().AddDate(0, 0, -r.between(3, 20))
	if at.After(sp.asOf.Time()) {
		at = sp.asOf.Time().AddDate(0, 0, -1)
	}
	e.CreatedAt = at.Add(time.Duration(1+r.IntN(9))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
	return e, true
}

// classesByProgram indexes the tenant-level annual plans' classes.
func classesByProgram(ps []Plan) map[classKey][]*Class {
	out := map[classKey][]*Class{}
	for i := range ps {
		p := &ps[i]
		if p.Kind != "annual" || p.ParentPlanID != "" {
			continue
		}
		for j := range p.Classes {
			cl := &p.Classes[j]
			k := classKey{p.Year, cl.Program.Code}
			out[k] = append(out[k], cl)
		}
	}
	return out
}

// issuerOf is the tenant's part of its certificate numbers: "TĐ-P79".
func issuerOf(t Tenant) string { return "TĐ-" + strings.ToUpper(t.Slug) }
