package program

import (
	"slices"
	"strings"
)

// Diff lists what variant v changed from base: modules added, removed,
// shortened, lengthened or renamed (matched by module code), and whether the
// audience or the assessment rule changed. The result is stored with the
// variant so reviewers see it without recomputing.
func Diff(base, v *Program) []Change {
	out := []Change{}
	old := make(map[string]Module, len(base.Modules))
	for _, m := range base.Modules {
		old[m.Code] = m
	}
	kept := map[string]bool{}
	for _, m := range v.Modules {
		b, ok := old[m.Code]
		if !ok {
			out = append(out, Change{Kind: "added", Module: m.Code, Name: m.Name, HoursAfter: m.Hours})
			continue
		}
		kept[m.Code] = true
		switch {
		case m.Hours < b.Hours:
			out = append(out, Change{Kind: "shortened", Module: m.Code, Name: m.Name, HoursBefore: b.Hours, HoursAfter: m.Hours})
		case m.Hours > b.Hours:
			out = append(out, Change{Kind: "lengthened", Module: m.Code, Name: m.Name, HoursBefore: b.Hours, HoursAfter: m.Hours})
		}
		if m.Name != b.Name {
			out = append(out, Change{Kind: "renamed", Module: m.Code, Name: m.Name, Detail: b.Name})
		}
	}
	for _, m := range base.Modules {
		if !kept[m.Code] {
			out = append(out, Change{Kind: "removed", Module: m.Code, Name: m.Name, HoursBefore: m.Hours})
		}
	}
	if d := audienceDiff(base.Audience, v.Audience); d != "" {
		out = append(out, Change{Kind: "audience", Detail: d})
	}
	if base.Assessment != v.Assessment {
		out = append(out, Change{Kind: "assessment", Detail: v.Assessment})
	}
	return out
}

// audienceDiff describes, in Vietnamese, how audience b differs from a; ""
// when they are the same.
func audienceDiff(a, b Audience) string {
	var parts []string
	add := func(label string, before, after []string) {
		if plus, minus := setDiff(after, before), setDiff(before, after); len(plus)+len(minus) > 0 {
			s := label + ":"
			if len(plus) > 0 {
				s += " thêm " + strings.Join(plus, ", ")
			}
			if len(minus) > 0 {
				if len(plus) > 0 {
					s += ";"
				}
				s += " bỏ " + strings.Join(minus, ", ")
			}
			parts = append(parts, s)
		}
	}
	add("chức danh", a.Titles, b.Titles)
	add("cấp", a.Levels, b.Levels)
	add("loại cán bộ", a.Employment, b.Employment)
	if a.PlanningPool != b.PlanningPool {
		if b.PlanningPool {
			parts = append(parts, "nhận cả cán bộ trong quy hoạch")
		} else {
			parts = append(parts, "không nhận cán bộ trong quy hoạch")
		}
	}
	return strings.Join(parts, "; ")
}

// setDiff returns the members of a not in b, in a's order.
func setDiff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
