package synth

import (
	"fmt"
	"time"

	"doanbd/core/cadre"
)

// Plan is a generated plan (table plans) with its targets (period plans),
// classes and workflow instance.
type Plan struct {
	ID, Kind                                 string
	Year, PeriodFrom, PeriodTo               int
	Title, Status                            string
	Version                                  int
	PeriodPlanID, ParentPlanID, UnitID, Note string
	CreatedBy                                string
	CreatedAt, UpdatedAt                     time.Time
	Targets                                  []Target
	Classes                                  []Class
	Instance                                 *Instance
}

// Target is a yearly target of a period plan (table plan_targets).
type Target struct {
	Year           int
	Dimension, Key string
	Classes        int
	Learners       int
	Amount         int64
}

// Class is a planned class (table plan_classes) with its budget lines.
type Class struct {
	ID                                    string
	Seq                                   int
	Program                               Program
	Learners                              int
	Start, End                            cadre.Date
	Place, VenueKind, Format              string
	PriorityArea                          bool
	LecturerRank, FundingSource, Nominees string // Nominees: JSON array of cadre ids
	Lines                                 []Line
}

// Line is a budget line (table budget_lines).
type Line struct {
	ID                             string
	Seq                            int
	Item, Rank, Unit               string
	Quantity, UnitAmount, Computed int64
	Override                       *int64
	OverrideReason, OverriddenBy   string
	Amount                         int64
	FundingSource, Source          string
}

// Plan statuses and the annual-plan workflow's states
// (configs/workflows/annual_plan.yaml).
const (
	StateDraft              = "draft"
	StateSubmitted          = "submitted"
	StateLeadershipApproved = "leadership_approved"
	StateCentralReview      = "central_review"
	StateReturned           = "returned"
	StateApproved           = "approved"
	StateRejected           = "rejected"
)

// States lists every state of the annual-plan workflow.
var States = []string{StateDraft, StateSubmitted, StateLeadershipApproved, StateCentralReview, StateReturned, StateApproved, StateRejected}

// stateMix is how a year's plans are spread over the states: years before
// AsOf's are settled, the current year mostly approved, next year's plans
// are in review.
func stateMix(year, asOfYear int) *weighted[string] {
	switch {
	case year < asOfYear:
		return newWeighted(wp(StateApproved, 95), wp(StateRejected, 2), wp(StateReturned, 3))
	case year == asOfYear:
		return newWeighted(wp(StateApproved, 75), wp(StateCentralReview, 10), wp(StateReturned, 10), wp(StateLeadershipApproved, 5))
	}
	return newWeighted(wp(StateDraft, 25), wp(StateSubmitted, 25), wp(StateLeadershipApproved, 15),
		wp(StateCentralReview, 15), wp(StateReturned, 12), wp(StateRejected, 3), wp(StateApproved, 5))
}

var places = []string{"Hội trường Tỉnh đoàn", "Trường Chính trị tỉnh", "Trung tâm Hoạt động thanh thiếu nhi",
	"Nhà Văn hóa Thanh niên", "Học viện Thanh thiếu niên Việt Nam", "Khu di tích lịch sử", "Trực tuyến qua nền tảng học tập số"}

var formatMix = newWeighted(wpair[string]{"in_person", 55}, wpair[string]{"blended", 20}, wpair[string]{"online", 10}, wpair[string]{"field_trip", 15})

var rankMix = newWeighted(wpair[string]{"hang1", 5}, wpair[string]{"hang2", 20}, wpair[string]{"hang3", 40}, wpair[string]{"hang4", 35})

// planSpec is what a tenant's plans are made from.
type planSpec struct {
	years    []int // annual plans at the tenant level
	subPlans []int // years of unit sub-plans
	programs []Program
	rates    []RateTable
	rateFrom []cadre.Date // effective_from of rates[i]
	asOf     cadre.Date
	fileID   string // the People's Committee decision PDF every recorded decision points at
	actors   actors
}

// plans generates the period plan, the annual plans and the sub-plans of a
// tenant. Annual plans get classes and budget lines and a workflow history
// that leads to their state; sub-plans stay drafts (they are approved with
// the plan they roll into).
func plans(r *rng, t Tenant, tr *tree, cs []Cadre, sp planSpec, size int) []Plan {
	if len(sp.programs) == 0 || (len(sp.years) == 0 && len(sp.subPlans) == 0) {
		return nil
	}
	out := make([]Plan, 0, 1+len(sp.years)+len(sp.subPlans))
	period := Plan{ID: r.id(), Kind: "period", Year: 2023, PeriodFrom: 2023, PeriodTo: 2027,
		Title: "Kế hoạch bồi dưỡng cán bộ Đoàn giai đoạn 2023–2027 của " + t.Name, Status: StateApproved, Version: 1,
		CreatedBy: sp.actors.planner.id}
	period.CreatedAt = time.Date(2023, 6, 1+r.IntN(20), 2+r.IntN(8), r.IntN(60), 0, 0, time.UTC)
	period.Targets = targets(r, sp.programs, size)
	period.Instance = history(r, &period, StateApproved, sp, period.CreatedAt)
	out = append(out, period)
	byYear := map[int]string{}
	for _, y := range sp.years {
		p := annual(r, t, y, period.ID, sp, size)
		byYear[y] = p.ID
		out = append(out, p)
	}
	active := make([]int, 0, len(cs))
	for i := range cs {
		if cs[i].Status == cadre.Active {
			active = append(active, i)
		}
	}
	for i, y := range sp.subPlans {
		u := tr.communes[i%len(tr.communes)]
		p := Plan{ID: r.id(), Kind: "annual", Year: y, Title: fmt.Sprintf("Kế hoạch bồi dưỡng cán bộ năm %d của %s", y, u.Name),
			Status: StateDraft, Version: 1, PeriodPlanID: period.ID, ParentPlanID: byYear[y], UnitID: u.ID,
			CreatedBy: sp.actors.planner.id}
		p.CreatedAt = time.Date(y-1, 9, 1+r.IntN(28), 2+r.IntN(8), r.IntN(60), 0, 0, time.UTC)
		p.UpdatedAt = p.CreatedAt
		p.Classes = classes(r, y, r.between(1, 3), sp, cs, active)
		out = append(out, p)
	}
	for i := range out {
		if out[i].Kind == "annual" && out[i].ParentPlanID == "" {
			out[i].Classes = classes(r, out[i].Year, min(20, 6+size/1500), sp, cs, active)
		}
	}
	return out
}

func annual(r *rng, t Tenant, y int, periodID string, sp planSpec, size int) Plan {
	p := Plan{ID: r.id(), Kind: "annual", Year: y, Title: fmt.Sprintf("Kế hoạch bồi dưỡng cán bộ Đoàn năm %d", y),
		Status: StateDraft, Version: 1, PeriodPlanID: periodID, CreatedBy: sp.actors.planner.id}
	p.CreatedAt = time.Date(y-1, 9, 1+r.IntN(28), 2+r.IntN(8), r.IntN(60), 0, 0, time.UTC)
	p.UpdatedAt = p.CreatedAt
	return p
}

// targets are the period plan's yearly targets: classes and learners per
// programme group, money per funding source.
func targets(r *rng, progs []Program, size int) []Target {
	var groups []string
	seen := map[string]bool{}
	for _, p := range progs {
		if !seen[p.Group] {
			seen[p.Group] = true
			groups = append(groups, p.Group)
		}
	}
	var out []Target
	for y := 2023; y <= 2027; y++ {
		for _, g := range groups {
			c := max(1, size/3000) + r.IntN(3)
			out = append(out, Target{Year: y, Dimension: "group", Key: g, Classes: c, Learners: c * r.between(40, 80)})
		}
		for _, s := range []string{"central", "local", "other"} {
			amt := int64(size) * int64(r.between(20, 60)) * 1000
			if s == "other" {
				amt /= 10
			}
			out = append(out, Target{Year: y, Dimension: "source", Key: s, Amount: amt})
		}
	}
	return out
}

func classes(r *rng, year, n int, sp planSpec, cs []Cadre, active []int) []Class {
	out := make([]Class, n)
	for i := range out {
		prog := pick(r, sp.programs)
		days := max(1, (prog.Hours+7)/8)
		start := r.dateBetween(cadre.NewDate(year, 3, 1), cadre.NewDate(year, 11, 30))
		c := Class{ID: r.id(), Seq: i + 1, Program: prog, Learners: r.between(30, 120), Start: start,
			End: cadre.DateOf(start.Time().AddDate(0, 0, days-1)), Format: formatMix.pick(r),
			LecturerRank: rankMix.pick(r), PriorityArea: r.chance(0.25), Nominees: "[]", VenueKind: "internal"}
		c.Place = pick(r, places[:len(places)-1])
		if c.Format == "online" {
			c.Place = places[len(places)-1]
		} else if r.chance(0.4) {
			c.VenueKind = "external"
		}
		switch k := r.IntN(10); {
		case k == 0:
			c.FundingSource = "central"
		case k == 1:
			c.FundingSource = "local"
		}
		if len(active) > 0 && r.chance(0.3) {
			c.Nominees = "["
			for k := r.between(1, 5); k > 0; k-- {
				if c.Nominees != "[" {
					c.Nominees += ","
				}
				c.Nominees += `"` + cs[active[r.IntN(len(active))]].ID + `"`
			}
			c.Nominees += "]"
		}
		c.Lines = lines(r, &c, sp)
		out[i] = c
	}
	return out
}

// Budget items in the order core/budget shows them.
var items = []string{"lecturer_pay", "travel", "lodging", "venue", "documents", "field_trip", "certificates", "class_management"}

// lines costs a class the way core/budget does from a rate table: each item
// that applies to the class, quantity by the rate's unit.
func lines(r *rng, c *Class, sp planSpec) []Line {
	t := sp.rates[0]
	for i := range sp.rates {
		if !c.Start.Before(sp.rateFrom[i]) {
			t = sp.rates[i]
		}
	}
	days := int64(c.End.Time().Sub(c.Start.Time()).Hours()/24) + 1
	sessions := int64((c.Program.Hours + 3) / 4)
	var out []Line
	for _, item := range items {
		switch item {
		case "travel", "lodging":
			if c.Format == "online" {
				continue
			}
		case "venue":
			if c.Format == "online" || c.VenueKind != "external" {
				continue
			}
		case "field_trip":
			if c.Format != "field_trip" {
				continue
			}
		}
		rate, ok := findRate(t.Rates, item, c.LecturerRank)
		if !ok {
			continue
		}
		var q int64 = 1
		switch rate.Unit {
		case "per_session":
			q = sessions
		case "per_learner":
			q = int64(c.Learners)
		case "per_day":
			q = days
		case "per_learner_day":
			q = int64(c.Learners) * days
		}
		l := Line{ID: r.id(), Seq: len(out) + 1, Item: item, Rank: rate.Rank, Unit: rate.Unit, Quantity: q,
			UnitAmount: rate.Amount, Computed: q * rate.Amount, FundingSource: rate.FundingSource, Source: "rates:" + t.ID}
		if c.FundingSource != "" {
			l.FundingSource = c.FundingSource
		}
		l.Amount = l.Computed
		if r.chance(0.04) {
			o := l.Computed * 9 / 10 / 1000 * 1000
			l.Override, l.OverrideReason, l.OverriddenBy, l.Amount = &o, "Điều chỉnh theo báo giá thực tế của đơn vị cung cấp", sp.actors.planner.id, o
		}
		out = append(out, l)
	}
	return out
}

func findRate(rates []Rate, item, rank string) (Rate, bool) {
	var first *Rate
	for i := range rates {
		if rates[i].Item != item {
			continue
		}
		if rates[i].Rank == rank {
			return rates[i], true
		}
		if first == nil {
			first = &rates[i]
		}
	}
	if first != nil {
		return *first, true
	}
	return Rate{}, false
}

// DefaultRates are the amounts of the example table a tenant without a rate
// table gets (the style of Thông tư 36/2018/TT-BTC; plausible, unverified,
// marked example like the demo tables). source is the tenant's usual
// funding source.
func DefaultRates(source string) []Rate {
	return []Rate{
		{"lecturer_pay", "hang1", "per_session", 2000000, source}, {"lecturer_pay", "hang2", "per_session", 1500000, source},
		{"lecturer_pay", "hang3", "per_session", 1000000, source}, {"lecturer_pay", "hang4", "per_session", 500000, source},
		{"travel", "", "per_learner", 200000, source}, {"lodging", "", "per_learner_day", 400000, source},
		{"venue", "", "per_day", 6000000, source}, {"documents", "", "per_learner", 100000, source},
		{"field_trip", "", "per_learner", 1500000, source}, {"certificates", "", "per_learner", 25000, source},
		{"class_management", "", "per_class", 2000000, source},
	}
}
