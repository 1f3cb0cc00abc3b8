package plan

import (
	"context"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/budget"
)

// ConsolidationQuery selects what the central office compiles for a year.
type ConsolidationQuery struct {
	Year int
	// Tenants the caller may read (authorized by the caller); the query runs
	// in one consolidation transaction over exactly these.
	Tenants []string
	// Sources of the lines to count; default: central budget only.
	Sources []string
	// Statuses of the plans to count; default: approved. A sub-plan counts
	// with the status of the plan it rolls into.
	Statuses []string
}

// ConsolidationRow is one tenant's money for one programme group and
// funding source (Tenant is empty in the national totals by group).
type ConsolidationRow struct {
	Tenant        string `json:"tenant,omitempty"`
	Group         string `json:"group"`
	FundingSource string `json:"funding_source"`
	Classes       int    `json:"classes"`
	Learners      int    `json:"learners"`
	Amount        int64  `json:"amount"`
}

// ConsolidatedPlan is a plan whose lines were counted.
type ConsolidatedPlan struct {
	Tenant  string `bun:"tenant_id" json:"tenant"`
	PlanID  string `bun:"id" json:"plan_id"`
	Title   string `bun:"title" json:"title"`
	Status  string `bun:"status" json:"status"`
	Version int    `bun:"version" json:"version"`
}

// Consolidation is the national picture of a year's plans.
type Consolidation struct {
	Year     int                `json:"year"`
	Sources  []string           `json:"sources"`
	Statuses []string           `json:"statuses"`
	Plans    []ConsolidatedPlan `json:"plans"`
	// Rows by tenant, group and source; ByGroup sums them over tenants.
	Rows    []ConsolidationRow `json:"rows"`
	ByGroup []ConsolidationRow `json:"by_group"`
	Total   int64              `json:"total"`
}

type consolidationLine struct {
	TenantID      string `bun:"tenant_id"`
	ClassID       string `bun:"class_id"`
	ProgramGroup  string `bun:"program_group"`
	Learners      int    `bun:"learners"`
	FundingSource string `bun:"funding_source"`
	Amount        int64  `bun:"amount"`
}

// Consolidate compiles, for q.Year, every listed tenant's lines of the
// selected funding sources (central budget by default) in annual plans of
// the selected statuses (approved by default), by tenant, programme group
// and funding source. The budget consolidation workflow recomputes it when
// a plan is approved or reopened; the UI shows it and exports it.
func (s *Service) Consolidate(ctx context.Context, q ConsolidationQuery) (*Consolidation, error) {
	if len(q.Sources) == 0 {
		q.Sources = []string{budget.SourceCentral}
	}
	if len(q.Statuses) == 0 {
		q.Statuses = []string{StatusApproved}
	}
	out := &Consolidation{Year: q.Year, Sources: q.Sources, Statuses: q.Statuses, Plans: []ConsolidatedPlan{},
		Rows: []ConsolidationRow{}, ByGroup: []ConsolidationRow{}}
	if len(q.Tenants) == 0 {
		return out, nil
	}
	var lines []consolidationLine
	var order []string
	err := s.db.ConsolidationTx(ctx, q.Tenants, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model((*Plan)(nil)).Column("tenant_id", "id", "title", "status", "version").
			Where("tenant_id IN (?) AND kind = ? AND year = ? AND parent_plan_id = '' AND status IN (?)",
				bun.In(q.Tenants), KindAnnual, q.Year, bun.In(q.Statuses)).
			OrderExpr("tenant_id, unit_id, id").Scan(ctx, &out.Plans); err != nil {
			return err
		}
		if err := tx.NewRaw(`SELECT bl.tenant_id, c.id AS class_id, c.program_group, c.learners, bl.funding_source,
				SUM(bl.amount) AS amount
			FROM budget_lines AS bl
			JOIN plan_classes AS c ON c.tenant_id = bl.tenant_id AND c.id = bl.class_id
			JOIN plans AS p ON p.tenant_id = bl.tenant_id AND p.id = bl.plan_id
			LEFT JOIN plans AS parent ON parent.tenant_id = p.tenant_id AND parent.id = p.parent_plan_id
			WHERE bl.tenant_id IN (?) AND p.kind = ? AND p.year = ? AND bl.funding_source IN (?)
			  AND ((p.parent_plan_id = '' AND p.status IN (?)) OR (p.parent_plan_id <> '' AND parent.status IN (?)))
			GROUP BY bl.tenant_id, c.id, c.program_group, c.learners, bl.funding_source`,
			bun.In(q.Tenants), KindAnnual, q.Year, bun.In(q.Sources), bun.In(q.Statuses), bun.In(q.Statuses)).
			Scan(ctx, &lines); err != nil {
			return err
		}
		return tx.NewSelect().Table("program_groups").Column("code").Order("sort").Scan(ctx, &order)
	})
	if err != nil {
		return nil, core.Internal(err, "consolidate plans")
	}
	type key struct{ tenant, group, source string }
	rows := map[key]*ConsolidationRow{}
	groups := map[key]*ConsolidationRow{}
	for _, l := range lines {
		for _, k := range []key{{l.TenantID, l.ProgramGroup, l.FundingSource}, {"", l.ProgramGroup, l.FundingSource}} {
			m := rows
			if k.tenant == "" {
				m = groups
			}
			r := m[k]
			if r == nil {
				r = &ConsolidationRow{Tenant: k.tenant, Group: k.group, FundingSource: k.source}
				m[k] = r
			}
			r.Classes++ // one row per class and source
			r.Learners += l.Learners
			r.Amount += l.Amount
		}
		out.Total += l.Amount
	}
	rank := func(g string) int {
		if i := slices.Index(order, g); i >= 0 {
			return i
		}
		return len(order)
	}
	cmp := func(a, b ConsolidationRow) int {
		if c := strings.Compare(a.Tenant, b.Tenant); c != 0 {
			return c
		}
		if c := rank(a.Group) - rank(b.Group); c != 0 {
			return c
		}
		return slices.Index(budget.FundingSources, a.FundingSource) - slices.Index(budget.FundingSources, b.FundingSource)
	}
	for _, r := range rows {
		out.Rows = append(out.Rows, *r)
	}
	for _, r := range groups {
		out.ByGroup = append(out.ByGroup, *r)
	}
	slices.SortFunc(out.Rows, cmp)
	slices.SortFunc(out.ByGroup, cmp)
	return out, nil
}
