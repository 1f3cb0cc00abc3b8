package rules

import (
	"slices"
	"testing"

	"doanbd/core"
)

func TestCheck(t *testing.T) {
	in := core.ClassForRules{ID: "c1", ProgramCode: "TW3-TC", VenueKind: core.VenueInternal, Place: "Trường Đại học An ninh nhân dân",
		Nominees: []core.NomineeForRules{{Name: "Trần Văn Bình", UnitTenant: "bca"}}}
	out := in
	out.ID, out.VenueKind, out.Place = "c2", core.VenueExternal, "Khách sạn Kim Liên"
	blank := in
	blank.ID, blank.VenueKind = "c3", ""
	foreign := in
	foreign.ID = "c4"
	foreign.Nominees = []core.NomineeForRules{{Name: "A", UnitTenant: "bca"}, {Name: "Lê Thị Hoa", UnitTenant: "p79"}}
	type hit struct{ class, field string }
	cases := []struct {
		name     string
		classes  []core.ClassForRules
		settings map[string]string
		want     []hit
	}{
		{"compliant", []core.ClassForRules{in}, nil, nil},
		{"external venue", []core.ClassForRules{out}, nil, []hit{{"c2", "venue_kind"}}},
		{"venue not given", []core.ClassForRules{blank}, nil, []hit{{"c3", "venue_kind"}}},
		{"nominee from another tenant", []core.ClassForRules{foreign}, nil, []hit{{"c4", "nominees[1]"}}},
		{"venue rule off", []core.ClassForRules{out}, map[string]string{SettingInternalOnly: "false"}, nil},
		{"own tenant set", []core.ClassForRules{foreign}, map[string]string{SettingOwnTenant: "p79"}, []hit{{"c4", "nominees[0]"}}},
	}
	for _, c := range cases {
		var got []hit
		for _, v := range Check(core.PlanForRules{Tenant: "bca", Year: 2027, Classes: c.classes}, c.settings) {
			if v.Severity != core.SeverityError || v.Message == "" {
				t.Errorf("%s: %+v", c.name, v)
			}
			got = append(got, hit{v.ClassID, v.Field})
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
