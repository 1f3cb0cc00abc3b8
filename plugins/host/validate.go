package host

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"doanbd/core"
)

// Replies are checked before the domain sees them: a plugin that returns
// nonsense fails the call like one that does not answer.

const (
	maxPrograms   = 5000
	maxViolations = 10000
	maxLines      = 200
	maxText       = 2000
)

func badText(s string, required bool) bool {
	return (required && strings.TrimSpace(s) == "") || len(s) > maxText || !utf8.ValidString(s)
}

func validatePrograms(ps []core.LocalProgram) error {
	if len(ps) > maxPrograms {
		return &garbageError{fmt.Sprintf("%d programmes (max %d)", len(ps), maxPrograms)}
	}
	seen := map[string]bool{}
	for i, p := range ps {
		if badText(p.Code, true) || badText(p.Name, true) || seen[p.Code] {
			return &garbageError{fmt.Sprintf("programme %d: missing, overlong or duplicate code or name", i)}
		}
		seen[p.Code] = true
		for j, m := range p.Modules {
			if badText(m.Name, true) || badText(m.Code, false) || m.Hours <= 0 || m.Hours > 10000 {
				return &garbageError{fmt.Sprintf("programme %s, module %d: needs a name and 1-10000 hours", p.Code, j)}
			}
		}
	}
	return nil
}

func validateViolations(vs []core.Violation, plan core.PlanForRules) error {
	if len(vs) > maxViolations {
		return &garbageError{fmt.Sprintf("%d violations (max %d)", len(vs), maxViolations)}
	}
	classes := map[string]bool{}
	for _, c := range plan.Classes {
		classes[c.ID] = true
	}
	for i, v := range vs {
		if v.Severity != core.SeverityError && v.Severity != core.SeverityWarning {
			return &garbageError{fmt.Sprintf("violation %d: severity %q", i, v.Severity)}
		}
		if badText(v.Message, true) || badText(v.Field, false) {
			return &garbageError{fmt.Sprintf("violation %d: missing or overlong message or field", i)}
		}
		if v.ClassID != "" && !classes[v.ClassID] {
			return &garbageError{fmt.Sprintf("violation %d: unknown class %q", i, v.ClassID)}
		}
	}
	return nil
}

func validateLines(ls []core.CostLine) error {
	if len(ls) > maxLines {
		return &garbageError{fmt.Sprintf("%d lines (max %d)", len(ls), maxLines)}
	}
	for i, l := range ls {
		if badText(l.Item, true) || badText(l.Description, false) || badText(l.Unit, false) || badText(l.FundingSource, true) {
			return &garbageError{fmt.Sprintf("line %d: missing or overlong item or funding source", i)}
		}
		if l.Quantity < 0 || l.UnitAmount < 0 || l.Amount < 0 {
			return &garbageError{fmt.Sprintf("line %d (%s): negative quantity or amount", i, l.Item)}
		}
		if l.UnitAmount != 0 && l.Quantity > math.MaxInt64/l.UnitAmount {
			return &garbageError{fmt.Sprintf("line %d (%s): amount overflows", i, l.Item)}
		}
		if l.Amount != l.Quantity*l.UnitAmount {
			return &garbageError{fmt.Sprintf("line %d (%s): %d × %d ≠ %d", i, l.Item, l.Quantity, l.UnitAmount, l.Amount)}
		}
	}
	return nil
}
