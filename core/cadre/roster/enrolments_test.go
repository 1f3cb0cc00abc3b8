package roster_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"doanbd/configs"
	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/cadre/cadretest"
	"doanbd/core/cadre/roster"
	"doanbd/core/sqldb"
	"doanbd/tenants"
)

// enrolment is a valid completed training of year y.
func enrolment(code string, y int) cadre.EnrolmentInput {
	return cadre.EnrolmentInput{ProgramCode: code, ProgramName: "Chương trình " + code, ProgramGroup: "TW2", Year: y,
		StartOn: cadre.NewDate(y, 4, 1), EndOn: cadre.NewDate(y, 4, 5), Hours: 40, Result: cadre.EnrolmentCompleted,
		CompletedOn: cadre.NewDate(y, 4, 5), CertificateNo: "12/" + code}
}

func TestEnrolments(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := cadretest.Ctx(t)
		s := cadretest.Service(t, db)
		tr := cadretest.Units(t, s, tenant)
		c, err := s.CreateCadre(ctx, tenant, cadretest.Input("Lâm Thị Thu", tr.Commune.ID))
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			mod   func(*cadre.EnrolmentInput)
			field string
		}{
			{func(in *cadre.EnrolmentInput) { in.ProgramCode = " " }, "program_code"},
			{func(in *cadre.EnrolmentInput) { in.ProgramName = "" }, "program_name"},
			{func(in *cadre.EnrolmentInput) { in.ProgramGroup = "" }, "program_group"},
			{func(in *cadre.EnrolmentInput) { in.Year = 1989 }, "year"},
			{func(in *cadre.EnrolmentInput) { in.StartOn = cadre.Date{} }, "start_on"},
			{func(in *cadre.EnrolmentInput) { in.StartOn = cadre.NewDate(2020, 1, 1) }, "start_on"},
			{func(in *cadre.EnrolmentInput) { in.EndOn = cadre.NewDate(2024, 3, 1) }, "end_on"},
			{func(in *cadre.EnrolmentInput) { in.Hours = -1 }, "hours"},
			{func(in *cadre.EnrolmentInput) { in.Result = "passed" }, "result"},
			{func(in *cadre.EnrolmentInput) { in.CompletedOn = cadre.Date{} }, "completed_on"},
			{func(in *cadre.EnrolmentInput) { in.CompletedOn = cadre.NewDate(2024, 3, 1) }, "completed_on"},
			{func(in *cadre.EnrolmentInput) { in.Result = cadre.EnrolmentInProgress }, "completed_on"},
			{func(in *cadre.EnrolmentInput) { in.Result, in.CompletedOn = cadre.EnrolmentNotCompleted, cadre.Date{} }, "certificate_no"},
			{func(in *cadre.EnrolmentInput) { in.ClassID = "no-such-class" }, "class_id"},
		} {
			in := enrolment("TW2-CB", 2024)
			tc.mod(&in)
			_, err := s.RecordEnrolment(ctx, tenant, c.ID, in)
			wantCode(t, err, core.EINVALID)
			wantField(t, err, tc.field, "")
		}
		_, err = s.RecordEnrolment(ctx, tenant, "nope", enrolment("TW2-CB", 2024))
		wantCode(t, err, core.ENOTFOUND)

		// Labels are accepted for the result; the default is "in progress".
		old := enrolment("tw2-cb", 2023)
		old.Result = "Hoàn thành"
		first, err := s.RecordEnrolment(ctx, tenant, c.ID, old)
		if err != nil {
			t.Fatal(err)
		}
		if first.ProgramCode != "TW2-CB" || first.Result != cadre.EnrolmentCompleted || first.OriginTenant != tenant || first.ID == "" {
			t.Errorf("recorded = %+v", first)
		}
		if _, err := s.RecordEnrolment(ctx, tenant, c.ID, enrolment("TW3-TC", 2025)); err != nil {
			t.Fatal(err)
		}
		cur := cadre.EnrolmentInput{ProgramCode: "TW4-CDS", ProgramName: "Chuyển đổi số", ProgramGroup: "tw4", Year: 2026,
			StartOn: cadre.NewDate(2026, 10, 1), Hours: 24}
		if got, err := s.RecordEnrolment(ctx, tenant, c.ID, cur); err != nil || got.Result != cadre.EnrolmentInProgress || got.ProgramGroup != "TW4" {
			t.Fatalf("in progress = %+v, %v", got, err)
		}
		es, err := s.Enrolments(ctx, tenant, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, e := range es {
			codes = append(codes, e.ProgramCode)
		}
		if len(es) != 3 || codes[0] != "TW4-CDS" || codes[1] != "TW3-TC" || codes[2] != "TW2-CB" {
			t.Errorf("history (newest first) = %v", codes)
		}
		if es[2].CertificateNo != "12/tw2-cb" || es[2].CompletedOn != cadre.NewDate(2023, 4, 5) || es[2].Hours != 40 {
			t.Errorf("stored enrolment = %+v", es[2])
		}
		// Another tenant sees no such cadre.
		_, err = s.Enrolments(ctx, "p01", c.ID)
		wantCode(t, err, core.ENOTFOUND)
		_, err = s.RecordEnrolment(ctx, "p01", c.ID, enrolment("TW2-CB", 2024))
		wantCode(t, err, core.ENOTFOUND)
	})
}

// TestEnrolmentFromClass: a planned class fills in the programme, year and
// dates; a class of another tenant is not found.
func TestEnrolmentFromClass(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := cadretest.Ctx(t)
		s := cadretest.Service(t, db)
		tr := cadretest.Units(t, s, tenant)
		c, err := s.CreateCadre(ctx, tenant, cadretest.Input("Lâm Văn Lớp", tr.Commune.ID))
		if err != nil {
			t.Fatal(err)
		}
		class := plannedClass(t, db, tenant, 2025)
		other := plannedClass(t, db, "p01", 2025)
		got, err := s.RecordEnrolment(ctx, tenant, c.ID, cadre.EnrolmentInput{ClassID: class, Hours: 32})
		if err != nil {
			t.Fatal(err)
		}
		if got.ClassID != class || got.ProgramCode != "TW1-BTX" || got.ProgramGroup != "TW1" || got.Year != 2025 ||
			got.StartOn != cadre.NewDate(2025, 5, 12) || got.EndOn != cadre.NewDate(2025, 5, 16) {
			t.Errorf("from class = %+v", got)
		}
		_, err = s.RecordEnrolment(ctx, tenant, c.ID, cadre.EnrolmentInput{ClassID: other})
		wantField(t, err, "class_id", "")
	})
}

// plannedClass stores an annual plan of year with one class (as core/plan
// would) and returns the class id.
func plannedClass(t *testing.T, db cadretest.DB, tenant string, year int) string {
	t.Helper()
	ctx := cadretest.Ctx(t)
	planID, classID := sqldb.NewID(), sqldb.NewID()
	now := time.Now().UTC()
	start, end := any("2025-05-12"), any("2025-05-16")
	if db.Dialect == sqldb.Postgres {
		start, end = cadre.NewDate(2025, 5, 12).Time(), cadre.NewDate(2025, 5, 16).Time()
	}
	err := db.Owner.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO plans (id, tenant_id, kind, year, period_from, period_to, title, status, created_at, updated_at)
			VALUES (?, ?, 'annual', ?, ?, ?, 'Kế hoạch', 'approved', ?, ?)`, planID, tenant, year, year, year, now, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO plan_classes (id, tenant_id, plan_id, seq, program_source, program_code, program_name,
			program_group, target_group, learners, start_date, end_date, venue_kind, format, nominees, created_at, updated_at)
			VALUES (?, ?, ?, 1, 'catalog', 'TW1-BTX', 'Bồi dưỡng Bí thư Đoàn cấp xã', 'TW1', '{}', 40, ?, ?, 'internal', 'in_person', '[]', ?, ?)`,
			classID, tenant, planID, start, end, now, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return classID
}

// TestTransferCarriesEnrolments: the receiving tenant's record gets copies
// of the history with their origin; each side reads only its own rows.
func TestTransferCarriesEnrolments(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := core.WithPrincipal(cadretest.Ctx(t), core.Principal{UserID: "u1"})
		s := cadretest.Service(t, db)
		src := cadretest.Units(t, s, "p79")
		dst := cadretest.Units(t, s, "p01")
		c, err := s.CreateCadre(ctx, "p79", cadretest.Input("Kiều Văn Chuyển", src.Commune.ID))
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range []cadre.EnrolmentInput{enrolment("TW2-CB", 2023), enrolment("TW5-LDQL", 2025)} {
			if _, err := s.RecordEnrolment(ctx, "p79", c.ID, in); err != nil {
				t.Fatal(err)
			}
		}
		tf, err := s.ProposeTransfer(ctx, "p79", c.ID, roster.TransferInput{ToTenant: "p01", On: cadre.NewDate(2026, 1, 1)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		done, err := s.AcceptTransfer(ctx, "p01", tf.ID, roster.AcceptInput{UnitID: dst.Commune.ID})
		if err != nil {
			t.Fatal(err)
		}
		nc := done.ToCadreID
		if _, err := s.RecordEnrolment(ctx, "p01", nc, enrolment("TW3-TG", 2026)); err != nil {
			t.Fatal(err)
		}
		got, err := s.Enrolments(ctx, "p01", nc)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct{ code, origin string }{{"TW3-TG", "p01"}, {"TW5-LDQL", "p79"}, {"TW2-CB", "p79"}}
		if len(got) != len(want) {
			t.Fatalf("receiver's history = %+v", got)
		}
		for i, w := range want {
			if got[i].ProgramCode != w.code || got[i].OriginTenant != w.origin || got[i].CadreID != nc {
				t.Errorf("receiver's history[%d] = %+v, want %s from %s", i, got[i], w.code, w.origin)
			}
		}
		mine, err := s.Enrolments(ctx, "p79", c.ID)
		if err != nil || len(mine) != 2 || mine[0].ID == got[1].ID {
			t.Errorf("sender's history = %+v, %v", mine, err)
		}
		// The retired record takes no new training.
		_, err = s.RecordEnrolment(ctx, "p79", c.ID, enrolment("TW2-CB", 2026))
		wantCode(t, err, core.ECONFLICT)
		// Neither side reads the other's records through the service…
		_, err = s.Enrolments(ctx, "p79", nc)
		wantCode(t, err, core.ENOTFOUND)
		_, err = s.Enrolments(ctx, "p01", c.ID)
		wantCode(t, err, core.ENOTFOUND)
		// …nor, on PostgreSQL, through SQL without the tenant filter.
		if db.Dialect == sqldb.Postgres {
			seen := func(tenant, cadreID string) int {
				var n int
				if err := db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
					return q.NewRaw("SELECT count(*) FROM cadre_enrolments WHERE cadre_id = ?", cadreID).Scan(ctx, &n)
				}); err != nil {
					t.Fatal(err)
				}
				return n
			}
			if n := seen("p79", nc); n != 0 {
				t.Errorf("the sender sees %d of the receiver's copies", n)
			}
			if n := seen("p01", c.ID); n != 0 {
				t.Errorf("the receiver sees %d of the sender's rows", n)
			}
			if seen("p01", nc) != 3 || seen("p79", c.ID) != 2 {
				t.Error("a tenant does not see its own rows under row-level security")
			}
		}
		// Deleting a record created by mistake takes its history with it.
		tmp, err := s.CreateCadre(ctx, "p79", cadretest.Input("Nhầm Lẫn", src.Commune.ID))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordEnrolment(ctx, "p79", tmp.ID, enrolment("TW2-CB", 2024)); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCadre(ctx, "p79", tmp.ID); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := db.Owner.QueryRowContext(ctx, "SELECT count(*) FROM cadre_enrolments WHERE cadre_id = ?", tmp.ID).Scan(&left); err != nil || left != 0 {
			t.Errorf("enrolments of a deleted cadre: %d, %v", left, err)
		}
	})
}

// TestMergeMovesEnrolments: a tenant merged into its successor brings its
// cadres' training history, still naming the old tenant as its origin.
func TestMergeMovesEnrolments(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := cadretest.Ctx(t)
		reg := tenants.NewStore(db.DB, tenants.Options{Now: func() time.Time { return time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC) }})
		seed, err := configs.FS.ReadFile("seed/tenants.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reg.Seed(ctx, seed); err != nil {
			t.Fatal(err)
		}
		s := cadretest.Service(t, db)
		old := cadretest.Units(t, s, "p72")
		c, err := s.CreateCadre(ctx, "p72", cadretest.Input("Châu Văn Học", old.Commune.ID))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordEnrolment(ctx, "p72", c.ID, enrolment("TW2-CB", 2024)); err != nil {
			t.Fatal(err)
		}
		_, err = reg.Merge(ctx, tenants.MergeRequest{From: "p72", Into: "p80", On: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)},
			[]tenants.MergeStep{roster.MergeStep{}})
		if err != nil {
			t.Fatal(err)
		}
		es, err := s.Enrolments(ctx, "p80", c.ID)
		if err != nil || len(es) != 1 || es[0].OriginTenant != "p72" {
			t.Errorf("history after the merge = %+v, %v", es, err)
		}
	})
}
