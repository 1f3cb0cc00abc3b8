package plan

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/budget"
)

// View is a plan as the API shows it: its classes with their budget lines,
// totals, sub-plans rolled up, targets and progress of a period plan, and
// warnings about nominees and local rules.
type View struct {
	Plan
	Classes []ClassView `json:"classes"`
	// Totals counts the plan's own classes; Rollup adds its sub-plans.
	Totals   Totals           `json:"totals"`
	SubPlans []SubPlanSummary `json:"sub_plans"`
	Rollup   Totals           `json:"rollup"`
	// Targets and Progress are set for a period plan.
	Targets  []Target       `json:"targets,omitempty"`
	Progress []YearProgress `json:"progress,omitempty"`
	Warnings []Warning      `json:"warnings"`
	// AvailableActions are the workflow actions the caller may take now
	// (filled by the workflow engine; empty until it is wired).
	AvailableActions []string `json:"available_actions"`
}

// ClassView is a class with its lines and their totals.
type ClassView struct {
	Class
	Lines    []budget.Line `json:"lines"`
	Totals   budget.Totals `json:"totals"`
	Warnings []Warning     `json:"warnings"`
}

// SubPlanSummary is a unit's sub-plan inside the plan it rolls into.
type SubPlanSummary struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	UnitID  string `json:"unit_id"`
	Status  string `json:"status"`
	Version int    `json:"version"`
	Totals  Totals `json:"totals"`
}

// Warning is something a planner should look at; it does not block saving.
// Severity "error" (from a rules plugin) blocks submission.
type Warning struct {
	Severity string `json:"severity"`
	Source   string `json:"source"` // nominee, rules, budget
	ClassID  string `json:"class_id,omitempty"`
	Field    string `json:"field,omitempty"`
	Message  string `json:"message"`
}

// Totals adds up classes: how many, learners, money by funding source and
// figures per programme group.
type Totals struct {
	Classes  int                   `json:"classes"`
	Learners int                   `json:"learners"`
	Budget   budget.Totals         `json:"budget"`
	ByGroup  map[string]GroupTotal `json:"by_group"`
}

// GroupTotal is the part of the totals of one programme group.
type GroupTotal struct {
	Classes  int   `json:"classes"`
	Learners int   `json:"learners"`
	Amount   int64 `json:"amount"`
}

func newTotals() Totals { return Totals{Budget: budget.NewTotals(), ByGroup: map[string]GroupTotal{}} }

func (t *Totals) addClass(c Class, lines []budget.Line) {
	t.Classes++
	t.Learners += c.Learners
	g := t.ByGroup[c.ProgramGroup]
	g.Classes++
	g.Learners += c.Learners
	for _, l := range lines {
		t.Budget.Add(l)
		g.Amount += l.Amount
	}
	t.ByGroup[c.ProgramGroup] = g
}

func (t *Totals) merge(o Totals) {
	t.Classes += o.Classes
	t.Learners += o.Learners
	t.Budget.Merge(o.Budget)
	for k, v := range o.ByGroup {
		g := t.ByGroup[k]
		g.Classes += v.Classes
		g.Learners += v.Learners
		g.Amount += v.Amount
		t.ByGroup[k] = g
	}
}

// Get returns tenant's plan with everything the plan page shows, warnings
// included (nominees checked against the roster, local rules run).
func (s *Service) Get(ctx context.Context, tenant, id string) (*View, error) {
	var v *View
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		var err error
		v, err = s.build(ctx, q, tenant, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.warn(ctx, tenant, v); err != nil {
		return nil, err
	}
	return v, nil
}

// build reads a plan's view (without warnings) inside q.
func (s *Service) build(ctx context.Context, q bun.IDB, tenant, id string) (*View, error) {
	p, err := load(ctx, q, tenant, id)
	if err != nil {
		return nil, err
	}
	v := &View{Plan: *p, Classes: []ClassView{}, SubPlans: []SubPlanSummary{}, Warnings: []Warning{},
		AvailableActions: []string{}, Totals: newTotals(), Rollup: newTotals()}
	var subs []Plan
	if err := q.NewSelect().Model(&subs).Where("pl.tenant_id = ? AND pl.parent_plan_id = ?", tenant, id).
		OrderExpr("pl.unit_id, pl.created_at").Scan(ctx); err != nil {
		return nil, core.Internal(err, "load sub-plans")
	}
	ids := []string{id}
	for _, sp := range subs {
		ids = append(ids, sp.ID)
	}
	classes, err := loadClasses(ctx, q, tenant, ids...)
	if err != nil {
		return nil, core.Internal(err, "load classes")
	}
	lines, err := budget.PlanLines(ctx, q, tenant, ids...)
	if err != nil {
		return nil, core.Internal(err, "load lines")
	}
	byClass := map[string][]budget.Line{}
	for _, l := range lines {
		byClass[l.ClassID] = append(byClass[l.ClassID], l)
	}
	subTotals := map[string]*Totals{}
	for _, sp := range subs {
		t := newTotals()
		subTotals[sp.ID] = &t
	}
	for _, c := range classes {
		ls := byClass[c.ID]
		if c.PlanID == id {
			if ls == nil {
				ls = []budget.Line{}
			}
			v.Classes = append(v.Classes, ClassView{Class: c, Lines: ls, Totals: budget.Sum(ls), Warnings: []Warning{}})
			v.Totals.addClass(c, ls)
		} else {
			subTotals[c.PlanID].addClass(c, ls)
		}
	}
	v.Rollup.merge(v.Totals)
	for _, sp := range subs {
		t := *subTotals[sp.ID]
		v.SubPlans = append(v.SubPlans, SubPlanSummary{ID: sp.ID, Title: sp.Title, UnitID: sp.UnitID, Status: sp.Status,
			Version: sp.Version, Totals: t})
		v.Rollup.merge(t)
	}
	if p.Kind == KindPeriod {
		if v.Targets, err = loadTargets(ctx, q, tenant, id); err != nil {
			return nil, err
		}
		if v.Progress, err = s.progress(ctx, q, p, v.Targets); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// warn adds the warnings of v: budget notes, nominees and rules plugins.
func (s *Service) warn(ctx context.Context, tenant string, v *View) error {
	for i := range v.Classes {
		c := &v.Classes[i]
		if c.BudgetNote != "" {
			c.Warnings = append(c.Warnings, Warning{Severity: core.SeverityWarning, Source: "budget", ClassID: c.ID, Message: c.BudgetNote})
		}
	}
	found, err := s.nomineeWarnings(ctx, tenant, v)
	if err != nil {
		return err
	}
	for _, w := range s.ruleWarnings(ctx, tenant, v, found) {
		if w.ClassID == "" {
			v.Warnings = append(v.Warnings, w)
			continue
		}
		for i := range v.Classes {
			if v.Classes[i].ID == w.ClassID {
				v.Classes[i].Warnings = append(v.Classes[i].Warnings, w)
			}
		}
	}
	return nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
