package plan

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"doanbd/core"
)

// forRules is what a rules plugin sees of plan view v.
func forRules(tenant string, v *View, found map[string]Nominee) core.PlanForRules {
	pr := core.PlanForRules{Tenant: tenant, Year: v.Year, Classes: make([]core.ClassForRules, 0, len(v.Classes))}
	for _, c := range v.Classes {
		cr := core.ClassForRules{ID: c.ID, ProgramCode: c.ProgramCode, Learners: c.Learners, Start: c.StartDate.Time(),
			End: c.EndDate.Time(), Place: c.Place, VenueKind: c.VenueKind, Format: c.Format, Nominees: []core.NomineeForRules{}}
		for _, id := range c.Nominees {
			n := found[id]
			cr.Nominees = append(cr.Nominees, core.NomineeForRules{CadreID: id, Name: n.Name, BirthDate: n.BirthDate,
				Title: n.Title, UnitTenant: n.UnitTenant})
		}
		pr.Classes = append(pr.Classes, cr)
	}
	return pr
}

// ruleWarnings runs the tenant's rules plugins on an annual plan. A plugin
// that cannot check the plan becomes a plan-level error warning naming it
// (submission will be blocked by CheckRules).
func (s *Service) ruleWarnings(ctx context.Context, tenant string, v *View, found map[string]Nominee) []Warning {
	if s.rules == nil || v.Kind != KindAnnual {
		return nil
	}
	vs, err := s.rules.CheckPlan(ctx, tenant, forRules(tenant, v, found))
	if err != nil {
		return []Warning{{Severity: core.SeverityError, Source: "rules",
			Message: "Chưa kiểm tra được quy tắc riêng của đơn vị: " + core.ErrorMessage(err)}}
	}
	out := make([]Warning, 0, len(vs))
	for _, vi := range vs {
		msg := vi.Message
		if vi.Plugin != "" {
			msg += " (" + vi.Plugin + ")"
		}
		out = append(out, Warning{Severity: vi.Severity, Source: "rules", ClassID: vi.ClassID, Field: vi.Field, Message: msg})
	}
	return out
}

// CheckRules is the plan_rules guard: it runs the tenant's rules plugins on
// the plan inside the engine's transaction. Violations of severity "error"
// block submission (EINVALID with one field error each, the field prefixed
// with the class number); a plugin that cannot check the plan blocks it too
// (its EUNAVAILABLE error, naming the plugin), because rules are never
// skipped silently. No plugin: nil.
//
// The NomineeLookup must read through the reader pool (sqldb ReadTenant),
// not a write transaction: on SQLite this runs inside the single writer's
// transaction.
func (s *Service) CheckRules(ctx context.Context, tx bun.Tx, tenant, id string) error {
	if s.rules == nil {
		return nil
	}
	v, err := s.build(ctx, tx, tenant, id)
	if err != nil {
		return err
	}
	if v.Kind != KindAnnual {
		return nil
	}
	found := map[string]Nominee{}
	if s.nominees != nil {
		var ids []string
		for _, c := range v.Classes {
			ids = append(ids, c.Nominees...)
		}
		if len(ids) > 0 {
			if found, err = s.nominees.Nominees(ctx, tenant, ids); err != nil {
				return fmt.Errorf("look up nominees for rules: %w", err)
			}
		}
	}
	vs, err := s.rules.CheckPlan(ctx, tenant, forRules(tenant, v, found))
	if err != nil {
		return err
	}
	seq := map[string]int{}
	for _, c := range v.Classes {
		seq[c.ID] = c.Seq
	}
	var fs []core.FieldError
	for _, vi := range vs {
		if vi.Severity != core.SeverityError {
			continue
		}
		field := vi.Field
		if vi.ClassID != "" {
			field = fmt.Sprintf("classes[%d].%s", seq[vi.ClassID], vi.Field)
		}
		msg := vi.Message
		if vi.Plugin != "" {
			msg += " (" + vi.Plugin + ")"
		}
		fs = append(fs, core.FieldError{Field: field, Message: msg})
	}
	if len(fs) > 0 {
		return core.Invalid("Kế hoạch chưa đạt quy tắc riêng của đơn vị.", fs...)
	}
	return nil
}
