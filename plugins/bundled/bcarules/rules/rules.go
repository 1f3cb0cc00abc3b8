// Package rules holds the plan rules of the Public Security youth union
// (Đoàn Thanh niên Công an nhân dân, tenant bca) as plain functions, so the
// bca-rules plugin and in-process benchmarks run exactly the same code.
package rules

import (
	"fmt"

	"doanbd/core"
)

// DefaultOwnTenant is the tenant whose units may send cadres to bca classes.
const DefaultOwnTenant = "bca"

// Settings of the plugin (tenant settings, all optional):
//
//	own_tenant        tenant whose units nominees must belong to (default bca)
//	internal_only     "false" turns the venue rule off (default on)
const (
	SettingOwnTenant    = "own_tenant"
	SettingInternalOnly = "internal_only"
)

// Check returns the violations of plan. Classes must be held in internal
// venues (security of premises and of the learners' identities) and nominees
// must come from the force's own units.
func Check(plan core.PlanForRules, settings map[string]string) []core.Violation {
	own := settings[SettingOwnTenant]
	if own == "" {
		own = DefaultOwnTenant
	}
	internalOnly := settings[SettingInternalOnly] != "false"
	var vs []core.Violation
	for _, c := range plan.Classes {
		label := classLabel(c)
		if internalOnly && c.VenueKind != core.VenueInternal {
			msg := fmt.Sprintf("%s phải tổ chức tại cơ sở nội bộ của lực lượng Công an nhân dân", label)
			if c.VenueKind == "" {
				msg += "; chưa khai báo loại địa điểm."
			} else {
				msg += fmt.Sprintf("; địa điểm «%s» không phải cơ sở nội bộ.", c.Place)
			}
			vs = append(vs, core.Violation{Severity: core.SeverityError, Field: "venue_kind", ClassID: c.ID, Message: msg})
		}
		for i, n := range c.Nominees {
			if n.UnitTenant == own {
				continue
			}
			vs = append(vs, core.Violation{Severity: core.SeverityError, Field: fmt.Sprintf("nominees[%d]", i), ClassID: c.ID,
				Message: fmt.Sprintf("%s: cán bộ «%s» không thuộc đơn vị của Đoàn Thanh niên Công an nhân dân nên không được cử tham gia.", label, n.Name)})
		}
	}
	return vs
}

func classLabel(c core.ClassForRules) string {
	if c.ProgramCode != "" {
		return fmt.Sprintf("Lớp chương trình «%s»", c.ProgramCode)
	}
	return "Lớp " + c.ID
}
