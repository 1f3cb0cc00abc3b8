package tenants

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/audit"
	"doanbd/core/sqldb"
)

// MergeStep moves one kind of live data from a tenant that ends to its
// successor. Domain packages implement it for what they own (open classes,
// the current roster, running plans…) and cmd/doanbd lists the steps.
// Historical records (approved plans, finished classes, certificates, the
// audit log) stay with the old tenant, readable under its old name: a step
// moves only what must keep living under the successor.
//
// Both methods run in the merge's one transaction, scoped to from and into
// (on PostgreSQL row-level security lets it see and move rows of both). Plan
// counts what Move would move and changes nothing; Move moves it and returns
// how many rows moved. Move must be idempotent: once moved, nothing is left
// to move.
type MergeStep interface {
	Name() string
	Plan(ctx context.Context, tx bun.Tx, from, into string, on time.Time) (int, error)
	Move(ctx context.Context, tx bun.Tx, from, into string, on time.Time) (int, error)
}

// MergeRequest asks to end From on On (its last day) and hand its live data
// to Into.
type MergeRequest struct {
	From, Into string
	On         time.Time
	DryRun     bool
	Actor      core.Principal
}

// StepCount is what one step moved (or, in a dry run, would move).
type StepCount struct {
	Step string `json:"step"`
	Rows int    `json:"rows"`
}

// MergeResult says what Merge did.
type MergeResult struct {
	From, Into string
	On         time.Time
	DryRun     bool
	// AlreadyMerged is set when From had already been merged into Into on
	// On: the tenant was left alone and the steps found nothing (or only
	// stragglers) to move.
	AlreadyMerged bool
	Steps         []StepCount
}

// Moved is the total number of rows moved (or that would move).
func (r MergeResult) Moved() int {
	n := 0
	for _, s := range r.Steps {
		n += s.Rows
	}
	return n
}

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("dry run")

// refuse is a merge refused as nonsense; the message is one line.
func refuse(format string, args ...any) error {
	return core.Errorf(core.EINVALID, format, args...)
}

// Merge ends req.From on req.On with req.Into as its successor and runs every
// step's Move, all in one transaction: either everything moves or nothing
// does. Merging again is a no-op reported as AlreadyMerged. A dry run runs
// the steps' Plan instead and changes nothing. Merge refuses to merge a
// tenant into itself, unknown tenants, the central office, into an ended
// tenant or anything that would make the successor chain a cycle.
func (s *Store) Merge(ctx context.Context, req MergeRequest, steps []MergeStep) (MergeResult, error) {
	from, into := strings.TrimSpace(req.From), strings.TrimSpace(req.Into)
	on := civil(req.On)
	res := MergeResult{From: from, Into: into, On: on, DryRun: req.DryRun}
	switch {
	case from == into:
		return res, refuse("cannot merge %s into itself", from)
	case !ValidSlug(from):
		return res, refuse("unknown tenant %q", from)
	case !ValidSlug(into):
		return res, refuse("unknown tenant %q", into)
	case req.On.IsZero():
		return res, refuse("a merge date is needed")
	case on.After(s.today()):
		return res, refuse("merge date %s is in the future", on.Format(time.DateOnly))
	}
	err := s.db.ConsolidationTx(ctx, []string{from, into}, func(ctx context.Context, tx bun.Tx) error {
		all, err := lockAndLoad(ctx, tx, s.db.Dialect, from, into)
		if err != nil {
			return err
		}
		already, err := checkMerge(all, from, into, on)
		if err != nil {
			return err
		}
		res.AlreadyMerged = already
		for _, st := range steps {
			run := st.Move
			if req.DryRun {
				run = st.Plan
			}
			n, err := run(ctx, tx, from, into, on)
			if err != nil {
				return fmt.Errorf("merge step %s: %w", st.Name(), err)
			}
			res.Steps = append(res.Steps, StepCount{Step: st.Name(), Rows: n})
		}
		if req.DryRun {
			return errDryRun
		}
		if already {
			return nil
		}
		return s.endTenant(ctx, tx, all[from], req.Actor, into, on, res.Steps)
	})
	if errors.Is(err, errDryRun) {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	if err := s.Refresh(ctx); err != nil {
		return res, fmt.Errorf("merged, but reloading the registry failed: %w", err)
	}
	return res, nil
}

// lockAndLoad locks the two tenants (PostgreSQL; SQLite has one writer) and
// reads the whole registry, to follow successor chains.
func lockAndLoad(ctx context.Context, tx bun.Tx, dialect, from, into string) (map[string]*tenantRow, error) {
	if dialect == sqldb.Postgres {
		var locked []tenantRow
		if err := tx.NewSelect().Model(&locked).Where("id IN (?)", bun.In([]string{from, into})).
			For("UPDATE").Scan(ctx); err != nil {
			return nil, fmt.Errorf("lock tenants: %w", err)
		}
	}
	var rows []tenantRow
	if err := tx.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read registry: %w", err)
	}
	all := make(map[string]*tenantRow, len(rows))
	for i := range rows {
		all[rows[i].ID] = &rows[i]
	}
	return all, nil
}

// checkMerge refuses nonsense and reports whether the merge was already done.
func checkMerge(all map[string]*tenantRow, from, into string, on time.Time) (bool, error) {
	f, t := all[from], all[into]
	switch {
	case f == nil:
		return false, refuse("unknown tenant %q", from)
	case t == nil:
		return false, refuse("unknown tenant %q", into)
	case f.Kind == core.TenantCentral || t.Kind == core.TenantCentral:
		return false, refuse("the central office %s cannot take part in a merge", core.CentralTenant)
	case f.Status == core.TenantEnded && f.Successor == into && sameDate(f.ValidTo, &on):
		return true, nil
	case f.Status == core.TenantEnded:
		return false, refuse("%s already ended on %s%s", from, dateString(civilPtr(f.ValidTo)), successorNote(f.Successor))
	case t.Status == core.TenantEnded:
		return false, refuse("cannot merge into %s: it ended on %s%s", into, dateString(civilPtr(t.ValidTo)), successorNote(t.Successor))
	case f.ValidFrom != nil && on.Before(civil(f.ValidFrom.UTC())):
		return false, refuse("merge date %s is before %s began (%s)", on.Format(time.DateOnly), from, dateString(civilPtr(f.ValidFrom)))
	}
	chain := []string{into}
	for cur := t; cur != nil && cur.Successor != ""; cur = all[cur.Successor] {
		chain = append(chain, cur.Successor)
		if cur.Successor == from || len(chain) > len(all) {
			return false, refuse("merging %s into %s would make a cycle: %s", from, into, strings.Join(append([]string{from}, chain...), " -> "))
		}
	}
	return false, nil
}

func successorNote(s string) string {
	if s == "" {
		return ""
	}
	return " (successor " + s + ")"
}

// endTenant records the end of f and audits the merge in both chains.
func (s *Store) endTenant(ctx context.Context, tx bun.Tx, f *tenantRow, actor core.Principal, into string, on time.Time, steps []StepCount) error {
	r := *f
	r.ValidTo, r.Status, r.Successor, r.UpdatedAt = &on, core.TenantEnded, into, s.now().UTC()
	if _, err := tx.NewUpdate().Model(&r).Column("valid_to", "status", "successor", "updated_at").WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("end tenant %s: %w", r.ID, err)
	}
	moved := map[string]int{}
	for _, st := range steps {
		moved[st.Step] = st.Rows
	}
	id, email := auditActor(actor)
	detail := map[string]any{"from": r.ID, "into": into, "on": on.Format(time.DateOnly), "moved": moved}
	for _, chain := range []string{r.ID, into} {
		if err := audit.Append(ctx, tx, audit.Entry{Tenant: chain, ActorID: id, ActorEmail: email,
			Action: "tenant.merge", Object: "tenant", ObjectID: r.ID, Detail: detail}); err != nil {
			return err
		}
	}
	return nil
}
