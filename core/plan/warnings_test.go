package plan_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/plan"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
)

// roster is a NomineeLookup over a fixed list.
type roster map[string]plan.Nominee

func (r roster) Nominees(_ context.Context, tenant string, ids []string) (map[string]plan.Nominee, error) {
	out := map[string]plan.Nominee{}
	for _, id := range ids {
		if n, ok := r[id]; ok && n.UnitTenant == tenant {
			out[id] = n
		}
	}
	return out, nil
}

func born(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func TestNomineeWarnings(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, plan.Options{Nominees: roster{
			"old-holder":  {ID: "old-holder", Name: "Nguyễn Văn An", BirthDate: born(1984, 1, 1), Title: "bi_thu_tinh", Level: "tinh", Employment: "chuyen_trach", UnitTenant: "p79"},
			"old-pool":    {ID: "old-pool", Name: "Trần Thị Bình", BirthDate: born(1989, 6, 1), Title: "uy_vien_btv_tinh", PlanningFor: "bi_thu_tinh", Level: "tinh", Employment: "chuyen_trach", UnitTenant: "p79"},
			"young-pool":  {ID: "young-pool", Name: "Lê Văn Cường", BirthDate: born(1995, 3, 6), PlanningFor: "bi_thu_tinh", Level: "tinh", Employment: "chuyen_trach", UnitTenant: "p79"},
			"commune":     {ID: "commune", Name: "Phạm Thị Dung", BirthDate: born(1998, 1, 1), Title: "bi_thu_xa", Level: "co_so", Employment: "ban_chuyen_trach", UnitTenant: "p79"},
			"other-place": {ID: "other-place", Name: "Đỗ Văn Em", Title: "bi_thu_tinh", Level: "tinh", UnitTenant: "p01"},
		}})
		p := e.annual(t, "p79", 2026)
		in := e.class(t, "p79", "TW1-BTT")
		in.Learners = 4
		in.Nominees = []string{"old-holder", "old-pool", "young-pool", "commune", "other-place", "old-holder"}
		c, err := e.plans.AddClass(e.ctx, "p79", p.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Nominees) != 5 {
			t.Fatalf("nominees not deduplicated: %v", c.Nominees)
		}
		v, err := e.plans.Get(e.ctx, "p79", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		byField := map[string][]string{}
		for _, w := range v.Classes[0].Warnings {
			byField[w.Field] = append(byField[w.Field], w.Message)
		}
		want := map[string][]string{
			"nominees":    {"Số cán bộ được cử (5) nhiều hơn số học viên dự kiến (4)."},
			"nominees[0]": {"Nguyễn Văn An: 42 tuổi vào ngày khai giảng, quá tuổi tối đa 40 khi đảm nhiệm chức danh Bí thư Đoàn cấp tỉnh."},
			"nominees[1]": {"Trần Thị Bình: 36 tuổi vào ngày khai giảng, quá tuổi tối đa 35 khi lần đầu giữ chức danh Bí thư Đoàn cấp tỉnh."},
			"nominees[3]": {"Phạm Thị Dung thuộc cấp cơ sở, không thuộc đối tượng của lớp.",
				"Phạm Thị Dung không giữ và không trong quy hoạch chức danh mà chương trình TW1-BTT dành cho."},
			"nominees[4]": {"Không tìm thấy cán bộ other-place trong danh sách cán bộ của đơn vị."},
		}
		for f, msgs := range want {
			if strings.Join(byField[f], "|") != strings.Join(msgs, "|") {
				t.Errorf("%s: %q, want %q", f, byField[f], msgs)
			}
		}
		if len(byField["nominees[2]"]) != 0 {
			t.Errorf("young cadre in the pool warned: %v", byField["nominees[2]"])
		}
	})
}

// rules is a PlanRules host: internal venues only, or a plugin that died.
type rules struct{ dead bool }

func (r rules) CheckPlan(_ context.Context, tenant string, p core.PlanForRules) ([]core.Violation, error) {
	if r.dead {
		return nil, &core.Error{Code: core.EUNAVAILABLE, Message: "Plugin bca-rules không phản hồi.", Err: errors.New("crashed")}
	}
	var vs []core.Violation
	for _, c := range p.Classes {
		if c.VenueKind != core.VenueInternal {
			vs = append(vs, core.Violation{Severity: core.SeverityError, Field: "venue_kind", ClassID: c.ID,
				Message: "Lớp phải tổ chức tại cơ sở của ngành Công an.", Plugin: "bca-rules"})
		}
	}
	vs = append(vs, core.Violation{Severity: core.SeverityWarning, Message: "Nhớ gửi kế hoạch cho Cục Công tác đảng.", Plugin: "bca-rules"})
	return vs, nil
}

func TestPlanRulesPlugin(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, plan.Options{Rules: rules{}})
		rates, _ := e.budget.ListRates(e.ctx, "bqp")
		if _, err := e.budget.CreateRates(e.ctx, "bca", budgetInput(rates[0].EffectiveFrom, rates[0].Items)); err != nil {
			t.Fatal(err)
		}
		p := e.annual(t, "bca", 2026)
		in := e.class(t, "bca", "TW3-TC")
		c, err := e.plans.AddClass(e.ctx, "bca", p.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.plans.Get(e.ctx, "bca", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Warnings) != 1 || len(v.Classes[0].Warnings) != 1 || v.Classes[0].Warnings[0].Severity != core.SeverityError ||
			v.Classes[0].Warnings[0].Message != "Lớp phải tổ chức tại cơ sở của ngành Công an. (bca-rules)" {
			t.Fatalf("warnings = %+v / %+v", v.Warnings, v.Classes[0].Warnings)
		}
		check := func(s *plan.Service) error {
			return e.db.TenantTx(e.ctx, "bca", func(ctx context.Context, tx bun.Tx) error {
				return s.CheckRules(ctx, tx, "bca", p.ID)
			})
		}
		err = check(e.plans)
		if core.ErrorCode(err) != core.EINVALID || fields(err)["classes[1].venue_kind"] == "" || len(fields(err)) != 1 {
			t.Fatalf("rules guard: %v %v", err, fields(err))
		}
		in.VenueKind = core.VenueInternal
		if _, err := e.plans.UpdateClass(e.ctx, "bca", p.ID, c.ID, in); err != nil {
			t.Fatal(err)
		}
		if err := check(e.plans); err != nil {
			t.Fatalf("rules guard after the fix: %v", err)
		}
		// A plugin that cannot answer blocks submission and says so on the plan.
		dead := plan.NewService(db, plan.Options{Programs: e.programs, Budget: e.budget, Rules: rules{dead: true}})
		if err := check(dead); core.ErrorCode(err) != core.EUNAVAILABLE {
			t.Fatalf("dead plugin guard: %v", err)
		}
		v, err = dead.Get(e.ctx, "bca", p.ID)
		if err != nil || len(v.Warnings) != 1 || v.Warnings[0].Severity != core.SeverityError ||
			!strings.Contains(v.Warnings[0].Message, "Plugin bca-rules không phản hồi.") {
			t.Fatalf("dead plugin view = %+v, %v", v.Warnings, err)
		}
	})
}
