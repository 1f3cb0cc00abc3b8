package plan

import (
	"context"
	"fmt"
	"slices"
	"time"

	"doanbd/core"
	"doanbd/core/program"
)

// Nominee is what planning needs to know of a nominated cadre.
type Nominee struct {
	ID        string
	Name      string
	BirthDate time.Time // zero when unknown
	// Title is the title the cadre holds now (program title code, "" none).
	Title string
	// Level of the cadre's unit: tw, tinh, huyen, co_so, chi_doan.
	Level string
	// Employment: chuyen_trach, ban_chuyen_trach, kiem_nhiem.
	Employment string
	// PlanningFor is the key title the cadre is in the planning pool for ("" none).
	PlanningFor string
	// UnitTenant is the tenant the cadre's unit belongs to.
	UnitTenant string
}

// NomineeLookup finds nominated cadres in a tenant's roster (core/cadre
// implements it). Ids not in the roster are simply absent from the result.
type NomineeLookup interface {
	Nominees(ctx context.Context, tenant string, ids []string) (map[string]Nominee, error)
}

// nomineeWarnings checks every class's nominees against the roster: unknown
// cadres, cadres outside the class's target group, and, for a title
// programme, the Đoàn age limits of the title (serving limit for holders,
// first-election limit for cadres in the planning pool). It returns the
// nominees found, for the rules plugins.
func (s *Service) nomineeWarnings(ctx context.Context, tenant string, v *View) (map[string]Nominee, error) {
	var ids []string
	for _, c := range v.Classes {
		ids = append(ids, c.Nominees...)
		if len(c.Nominees) > c.Learners {
			w := Warning{Severity: core.SeverityWarning, Source: "nominee", ClassID: c.ID, Field: "nominees",
				Message: fmt.Sprintf("Số cán bộ được cử (%d) nhiều hơn số học viên dự kiến (%d).", len(c.Nominees), c.Learners)}
			addClassWarning(v, c.ID, w)
		}
	}
	if len(ids) == 0 || s.nominees == nil {
		return map[string]Nominee{}, nil
	}
	found, err := s.nominees.Nominees(ctx, tenant, ids)
	if err != nil {
		v.Warnings = append(v.Warnings, Warning{Severity: core.SeverityWarning, Source: "nominee",
			Message: "Không kiểm tra được cán bộ được cử: " + core.ErrorMessage(err)})
		return map[string]Nominee{}, nil
	}
	titles, err := s.programs.TitleMap(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range v.Classes {
		for i, id := range c.Nominees {
			field := fmt.Sprintf("nominees[%d]", i)
			n, ok := found[id]
			if !ok {
				addClassWarning(v, c.ID, Warning{Severity: core.SeverityWarning, Source: "nominee", ClassID: c.ID, Field: field,
					Message: "Không tìm thấy cán bộ " + id + " trong danh sách cán bộ của đơn vị."})
				continue
			}
			for _, msg := range nomineeProblems(c.Class, n, titles) {
				addClassWarning(v, c.ID, Warning{Severity: core.SeverityWarning, Source: "nominee", ClassID: c.ID, Field: field, Message: msg})
			}
		}
	}
	return found, nil
}

// nomineeProblems says, in Vietnamese, why n does not fit class c.
func nomineeProblems(c Class, n Nominee, titles map[string]program.Title) []string {
	var out []string
	t := c.TargetGroup
	if len(t.Levels) > 0 && !slices.Contains(t.Levels, n.Level) {
		out = append(out, fmt.Sprintf("%s thuộc %s, không thuộc đối tượng của lớp.", n.Name, levelName(n.Level)))
	}
	if len(t.Employment) > 0 && !slices.Contains(t.Employment, n.Employment) {
		out = append(out, fmt.Sprintf("%s là cán bộ %s, không thuộc đối tượng của lớp.", n.Name, named(program.EmploymentNames, n.Employment)))
	}
	if len(t.Titles) == 0 {
		return out
	}
	holds := slices.Contains(t.Titles, n.Title)
	pooled := t.PlanningPool && slices.Contains(t.Titles, n.PlanningFor)
	switch {
	case holds:
		if msg := ageProblem(c, n, titles[n.Title], true); msg != "" {
			out = append(out, msg)
		}
	case pooled:
		if msg := ageProblem(c, n, titles[n.PlanningFor], false); msg != "" {
			out = append(out, msg)
		}
	default:
		out = append(out, fmt.Sprintf("%s không giữ và không trong quy hoạch chức danh mà chương trình %s dành cho.", n.Name, c.ProgramCode))
	}
	return out
}

// ageProblem checks n's age on the class's first day against the title's
// limit: while serving when the cadre holds it, at first election when the
// cadre is in the planning pool for it. No limit known, no birth date: no
// problem.
func ageProblem(c Class, n Nominee, t program.Title, serving bool) string {
	limit := t.MaxAgeFirst
	if serving {
		limit = t.MaxAgeServing
	}
	if limit == nil || n.BirthDate.IsZero() {
		return ""
	}
	age := ageOn(n.BirthDate, c.StartDate.Time())
	if age <= *limit {
		return ""
	}
	if serving {
		return fmt.Sprintf("%s: %d tuổi vào ngày khai giảng, quá tuổi tối đa %d khi đảm nhiệm chức danh %s.", n.Name, age, *limit, t.Name)
	}
	return fmt.Sprintf("%s: %d tuổi vào ngày khai giảng, quá tuổi tối đa %d khi lần đầu giữ chức danh %s.", n.Name, age, *limit, t.Name)
}

// ageOn is the age in whole years of someone born on birth, on day.
func ageOn(birth, day time.Time) int {
	age := day.Year() - birth.Year()
	if day.Month() < birth.Month() || (day.Month() == birth.Month() && day.Day() < birth.Day()) {
		age--
	}
	return age
}

func levelName(l string) string {
	if n, ok := program.LevelNames[l]; ok {
		return n
	}
	if l == "" {
		return "cấp chưa xác định"
	}
	return l
}

func addClassWarning(v *View, classID string, w Warning) {
	for i := range v.Classes {
		if v.Classes[i].ID == classID {
			v.Classes[i].Warnings = append(v.Classes[i].Warnings, w)
		}
	}
}
