package program_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"doanbd/configs"
	"doanbd/core"
	"doanbd/core/program"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
	"doanbd/core/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func seeded(t *testing.T, db *sqldb.DB, o program.Options) *program.Service {
	t.Helper()
	src, err := configs.FS.ReadFile("seed/programs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	svc := program.NewService(db, o)
	if _, err := svc.Seed(context.Background(), src); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return svc
}

func codes(ps []program.Program) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}

func TestSeedCatalogue(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		src, err := configs.FS.ReadFile("seed/programs.yaml")
		if err != nil {
			t.Fatal(err)
		}
		svc := program.NewService(db, program.Options{})
		res, err := svc.Seed(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 21 || res.Groups != 10 || res.Titles != 14 {
			t.Fatalf("first seed = %+v, want 21 programmes, 10 groups, 14 titles", res)
		}
		again, err := svc.Seed(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		if again.Created != 0 || again.Updated != 0 || again.Unchanged != 21 {
			t.Fatalf("second seed = %+v, want everything unchanged", again)
		}
		// Every tenant sees the whole published central catalogue.
		for _, tenant := range []string{"p79", "bca", "tw"} {
			all, err := svc.List(ctx, tenant, program.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if all.Total != 21 {
				t.Fatalf("%s sees %d programmes, want 21: %v", tenant, all.Total, codes(all.Items))
			}
		}
		perGroup := map[string]int{}
		all, _ := svc.List(ctx, "p79", program.Filter{})
		for _, p := range all.Items {
			perGroup[p.Group]++
			if p.Status != program.StatusPublished || p.TenantID != core.CentralTenant || p.TotalHours <= 0 {
				t.Errorf("%s: status %s tenant %s hours %d", p.Code, p.Status, p.TenantID, p.TotalHours)
			}
		}
		want := map[string]int{"TW1": 4, "TW2": 1, "TW3": 8, "TW4": 2, "TW5": 1, "TW6": 1, "TINH1": 1, "TINH2": 2, "TINH3": 1}
		for g, n := range want {
			if perGroup[g] != n {
				t.Errorf("group %s has %d programmes, want %d", g, perGroup[g], n)
			}
		}
		for _, code := range []string{"TW3-TC", "TW4-CDS", "TW1-BTT", "TW1-BTX", "TINH3-BTCD"} {
			if !slices.Contains(codes(all.Items), code) {
				t.Errorf("programme %s missing", code)
			}
		}
		// A tenant's own transaction sees only its own rows, even of the catalogue.
		var foreign int
		if err := db.ReadTenant(ctx, "p79", func(ctx context.Context, q bun.IDB) error {
			return q.NewRaw("SELECT count(*) FROM programs WHERE tenant_id <> 'p79'").Scan(ctx, &foreign)
		}); err != nil {
			t.Fatal(err)
		}
		if db.Dialect == sqldb.Postgres && foreign != 0 {
			t.Fatalf("p79's transaction sees %d programmes of other tenants", foreign)
		}
		tw3, err := svc.List(ctx, "p01", program.Filter{Group: "TW3"})
		if err != nil || tw3.Total != 8 {
			t.Fatalf("TW3 filter: %d, %v", tw3.Total, err)
		}
		titles, err := svc.TitleMap(ctx)
		if err != nil {
			t.Fatal(err)
		}
		bt := titles["bi_thu_tinh"]
		if bt.MaxAgeFirst == nil || *bt.MaxAgeFirst != 35 || bt.MaxAgeServing == nil || *bt.MaxAgeServing != 40 {
			t.Errorf("bi_thu_tinh limits = %v/%v", bt.MaxAgeFirst, bt.MaxAgeServing)
		}
		if titles["bi_thu_chi_doan"].MaxAgeServing != nil {
			t.Error("bi_thu_chi_doan must have no age limit")
		}
	})
}

func TestListSearchAndPaging(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		svc := seeded(t, db, program.Options{})
		tests := []struct {
			name string
			f    program.Filter
			want []string
		}{
			{"diacritics ignored", program.Filter{Search: "chuyen doi so"}, []string{"TW4-CDS"}},
			{"case and đ", program.Filter{Search: "DOAN TRUONG HOC"}, []string{"TW3-DTH"}},
			{"by code", program.Filter{Search: "tw3-tc"}, []string{"TW3-TC"}},
			{"group and page", program.Filter{Group: "TW1", Limit: 2, Offset: 1}, []string{"TW1-BTT", "TW1-BTX"}}, // code order: BTH, BTT, BTX, PBTT
			{"status filter", program.Filter{Status: program.StatusDraft}, nil},
		}
		for _, tc := range tests {
			res, err := svc.List(ctx, "p79", tc.f)
			if err != nil {
				t.Fatal(err)
			}
			got := codes(res.Items)
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: got %v, want %v", tc.name, got, want)
			}
		}
	})
}

func findCode(t *testing.T, svc *program.Service, tenant, code string) *program.Program {
	t.Helper()
	res, err := svc.List(context.Background(), tenant, program.Filter{Search: code})
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Items {
		if res.Items[i].Code == code {
			return &res.Items[i]
		}
	}
	t.Fatalf("%s: programme %s not found", tenant, code)
	return nil
}

func TestVariantLifecycleAndVisibility(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := core.WithPrincipal(context.Background(), core.Principal{UserID: "u-bca"})
		svc := seeded(t, db, program.Options{})
		base := findCode(t, svc, "bca", "TW3-TC")

		v, err := svc.CreateVariant(ctx, "bca", base.ID, program.VariantInput{})
		if err != nil {
			t.Fatal(err)
		}
		if v.Code != "TW3-TC-BCA" || v.Status != program.StatusDraft || v.BaseProgramID != base.ID || v.TenantID != "bca" || v.CreatedBy != "u-bca" {
			t.Fatalf("variant = %+v", v)
		}
		v2, err := svc.CreateVariant(ctx, "bca", base.ID, program.VariantInput{})
		if err != nil || v2.Code != "TW3-TC-BCA-2" {
			t.Fatalf("second variant code = %v, %v", v2, err)
		}

		// bca adds a module on its own regulations and shortens another.
		mods := slices.Clone(v.Modules)
		mods[1].Hours = 4
		mods = append(mods, program.Module{Code: "M5", Name: "Quy định của Bộ Công an về công tác Đoàn", Hours: 4})
		up, err := svc.UpdateVariant(ctx, "bca", v.ID, program.VariantPatch{Modules: &mods})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]string{}
		for _, ch := range up.Changes {
			kinds[ch.Kind] = ch.Module
		}
		if kinds["added"] != "M5" || kinds["shortened"] != "M2" || len(up.Changes) != 2 || up.TotalHours != base.TotalHours+2 {
			t.Fatalf("changes = %+v, hours %d (base %d)", up.Changes, up.TotalHours, base.TotalHours)
		}
		got, err := svc.Get(ctx, "bca", v.ID)
		if err != nil || len(got.Changes) != 2 {
			t.Fatalf("stored changes = %+v, %v", got, err)
		}

		// Visibility: the variant is bca's only.
		if _, err := svc.Get(ctx, "p79", v.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("p79 reads bca's variant: %v", err)
		}
		p79, _ := svc.List(ctx, "p79", program.Filter{})
		if slices.Contains(codes(p79.Items), "TW3-TC-BCA") {
			t.Fatal("bca's variant listed for p79")
		}
		bca, _ := svc.List(ctx, "bca", program.Filter{Source: "variant"})
		if bca.Total != 2 {
			t.Fatalf("bca lists %d variants, want 2", bca.Total)
		}
		if _, err := svc.UpdateVariant(ctx, "p79", v.ID, program.VariantPatch{Modules: &mods}); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("p79 edits bca's variant: %v", err)
		}
		// The central office sees it for review.
		review, err := svc.ListForReview(ctx, []string{"bca", "p79"}, "")
		if err != nil || len(review) != 2 {
			t.Fatalf("review list = %d, %v", len(review), err)
		}

		// Status belongs to the workflow engine; edits only in draft.
		if n, err := snapshot(db, svc, "bca", v.ID); err != nil || n != 1 {
			t.Fatalf("first snapshot = %d, %v", n, err)
		}
		setStatus(t, db, svc, "bca", v.ID, "central_review", "")
		setStatus(t, db, svc, "p79", v.ID, "central_review", core.ENOTFOUND)
		name := "Tên mới"
		if _, err := svc.UpdateVariant(ctx, "bca", v.ID, program.VariantPatch{Name: &name}); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("edit in appraisal: %v", err)
		}
		// Returned for revision: editable again; resubmitted with a change it
		// becomes version 2 and version 1 stays readable.
		setStatus(t, db, svc, "bca", v.ID, program.StatusReturned, "")
		if _, err := svc.UpdateVariant(ctx, "bca", v.ID, program.VariantPatch{Name: &name}); err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second call finds nothing new
			if n, err := snapshot(db, svc, "bca", v.ID); err != nil || n != 2 {
				t.Fatalf("second snapshot = %d, %v", n, err)
			}
		}
		vs, err := svc.Versions(ctx, "bca", v.ID)
		if err != nil || len(vs) != 2 {
			t.Fatalf("versions = %+v, %v", vs, err)
		}
		v1, err := svc.GetVersion(ctx, "bca", v.ID, 1)
		if err != nil || !strings.Contains(string(v1.Snapshot), base.Name) || strings.Contains(string(v1.Snapshot), name) {
			t.Fatalf("version 1 = %s, %v", v1.Snapshot, err)
		}
		setStatus(t, db, svc, "bca", v.ID, program.StatusPublished, "")
		published, _ := svc.List(ctx, "bca", program.Filter{Status: program.StatusPublished, Source: "variant"})
		if published.Total != 1 || published.Items[0].Version != 2 {
			t.Fatalf("published variants = %+v", published.Items)
		}
		if _, err := svc.CreateVariant(ctx, "bca", v.ID, program.VariantInput{}); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("variant of a variant: %v", err)
		}
		if _, err := svc.CreateVariant(ctx, "tw", base.ID, program.VariantInput{}); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("variant by tw: %v", err)
		}
	})
}

func setStatus(t *testing.T, db *sqldb.DB, svc *program.Service, tenant, id, to, wantCode string) {
	t.Helper()
	err := db.TenantTx(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return svc.SetStatus(ctx, tx, tenant, id, to)
	})
	if core.ErrorCode(err) != wantCode {
		t.Fatalf("SetStatus →%s: %v, want code %q", to, err, wantCode)
	}
}

func snapshot(db *sqldb.DB, svc *program.Service, tenant, id string) (int, error) {
	var n int
	err := db.TenantTx(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		var err error
		n, err = svc.Snapshot(ctx, tx, tenant, id)
		return err
	})
	return n, err
}

func TestVariantValidation(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		svc := seeded(t, db, program.Options{})
		base := findCode(t, svc, "p01", "TW4-CDS")
		v, err := svc.CreateVariant(ctx, "p01", base.ID, program.VariantInput{Code: "CDS-HN", Name: "Chuyển đổi số Thủ đô"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateVariant(ctx, "p01", base.ID, program.VariantInput{Code: "CDS-HN"}); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("duplicate code: %v", err)
		}
		mods := []program.Module{{Code: "M1", Name: "A", Hours: 0}, {Code: "M1", Name: "", Hours: 4}}
		aud := program.Audience{Levels: []string{"xa"}, Titles: []string{"khong_co"}}
		_, err = svc.UpdateVariant(ctx, "p01", v.ID, program.VariantPatch{Modules: &mods, Audience: &aud})
		fields := map[string]bool{}
		for _, f := range core.ErrorFields(err) {
			fields[f.Field] = true
		}
		for _, f := range []string{"modules[0].hours", "modules[1].code", "modules[1].name", "audience.levels[0]", "audience.titles[0]"} {
			if !fields[f] {
				t.Errorf("no error on %s: %v", f, core.ErrorFields(err))
			}
		}
	})
}

// fakeCatalog is a ProgramCatalog plugin host with one local programme.
type fakeCatalog struct{ stale bool }

func (f fakeCatalog) LocalPrograms(_ context.Context, tenant string) ([]core.LocalProgram, bool, error) {
	if tenant != "p79" {
		return nil, false, nil
	}
	return []core.LocalProgram{{Code: "HCM-DT", Name: "Bồi dưỡng cán bộ Đoàn khu đô thị", Source: "localprograms",
		Modules: []core.LocalModule{{Code: "M1", Name: "Đô thị", Hours: 8}}}}, f.stale, nil
}

func TestPluginLocalProgrammes(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		svc := seeded(t, db, program.Options{Local: fakeCatalog{stale: true}})
		res, err := svc.List(ctx, "p79", program.Filter{Source: "plugin"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || !res.Stale || res.Items[0].Source != "plugin:localprograms" || res.Items[0].Group != program.LocalGroup {
			t.Fatalf("plugin list = %+v", res)
		}
		all, _ := svc.List(ctx, "p79", program.Filter{})
		if all.Total != 22 {
			t.Fatalf("p79 catalogue with plugin = %d, want 22", all.Total)
		}
		other, _ := svc.List(ctx, "p01", program.Filter{})
		if other.Total != 21 {
			t.Fatalf("p01 catalogue = %d, want 21", other.Total)
		}
		p, err := svc.Resolve(ctx, "p79", program.Ref{Source: "plugin:localprograms", Code: "HCM-DT"})
		if err != nil || p.TotalHours != 8 {
			t.Fatalf("resolve local = %+v, %v", p, err)
		}
		if _, err := svc.Resolve(ctx, "p01", program.Ref{Source: "plugin:localprograms", Code: "HCM-DT"}); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("p01 resolves p79's local programme: %v", err)
		}
	})
}

func TestWorkflowSubjects(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		svc := seeded(t, db, program.Options{})
		info := func(tenant, id string) (program.WorkflowInfo, error) {
			var w program.WorkflowInfo
			err := db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
				var err error
				w, err = svc.ForWorkflow(ctx, tx, tenant, id)
				return err
			})
			return w, err
		}
		central := findCode(t, svc, "tw", "TW2-CB")
		if _, err := info("tw", central.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("seeded central programme has a workflow: %v", err)
		}
		v, err := svc.CreateVariant(ctx, "p01", central.ID, program.VariantInput{})
		if err != nil {
			t.Fatal(err)
		}
		w, err := info("p01", v.ID)
		if err != nil || w.Workflow != program.WorkflowName || w.Status != program.StatusDraft || w.Link != "/t/p01/programs/"+v.ID {
			t.Fatalf("variant workflow = %+v, %v", w, err)
		}
		if _, err := info("p79", v.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("p79 reaches p01's variant: %v", err)
		}
		// A central programme that goes through review keeps its workflow once published.
		setStatus(t, db, svc, "tw", central.ID, program.StatusDraft, "")
		if _, err := info("tw", central.ID); err != nil {
			t.Fatalf("central draft: %v", err)
		}
		if n, err := snapshot(db, svc, "tw", central.ID); err != nil || n != 1 {
			t.Fatalf("central snapshot = %d, %v", n, err)
		}
		setStatus(t, db, svc, "tw", central.ID, program.StatusPublished, "")
		if w, err := info("tw", central.ID); err != nil || w.Status != program.StatusPublished {
			t.Fatalf("published after review = %+v, %v", w, err)
		}
	})
}
