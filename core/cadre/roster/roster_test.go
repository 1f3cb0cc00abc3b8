package roster_test

import (
	"bytes"
	"context"
	"testing"

	"golang.org/x/text/unicode/norm"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/cadre/cadretest"
	"doanbd/core/cadre/roster"
	"doanbd/core/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const tenant = "p79"

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if core.ErrorCode(err) != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

func wantField(t *testing.T, err error, field, msg string) {
	t.Helper()
	for _, f := range core.ErrorFields(err) {
		if f.Field == field && (msg == "" || f.Message == msg) {
			return
		}
	}
	t.Fatalf("error %v: no field %s %q in %+v", err, field, msg, core.ErrorFields(err))
}

func TestUnits(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := cadretest.Ctx(t)
		s := cadretest.Service(t, db)
		tr := cadretest.Units(t, s, tenant)

		_, err := s.CreateUnit(ctx, tenant, cadre.UnitInput{ParentID: tr.Commune.ID, Code: "H02", Name: "Huyện", Level: cadre.LevelHuyen})
		wantField(t, err, "level", "")
		_, err = s.CreateUnit(ctx, tenant, cadre.UnitInput{Code: "X01", Name: "Trùng mã", Level: cadre.LevelTinh})
		wantField(t, err, "code", "đã có đơn vị khác dùng mã này")
		_, err = s.CreateUnit(ctx, tenant, cadre.UnitInput{ParentID: "nope", Code: "Z", Name: "Z", Level: cadre.LevelCoSo})
		wantField(t, err, "parent_id", "")
		// Another tenant may reuse the code.
		if _, err := s.CreateUnit(ctx, "p01", cadre.UnitInput{Code: "X01", Name: "Xã", Level: cadre.LevelCoSo}); err != nil {
			t.Fatal(err)
		}

		ids := func(f roster.UnitFilter) []string {
			t.Helper()
			us, n, err := s.ListUnits(ctx, tenant, f)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(us) && f.Limit == 0 {
				t.Fatalf("total %d for %d units", n, len(us))
			}
			var out []string
			for _, u := range us {
				out = append(out, u.Code)
			}
			return out
		}
		if got := ids(roster.UnitFilter{Under: tr.District.ID}); len(got) != 3 {
			t.Errorf("subtree of the district = %v", got)
		}
		if got := ids(roster.UnitFilter{Roots: true}); len(got) != 1 || got[0] != "TD" {
			t.Errorf("roots = %v", got)
		}
		if got := ids(roster.UnitFilter{Q: "tan nhut"}); len(got) != 1 || got[0] != "X01" {
			t.Errorf("search = %v", got)
		}
		if got := ids(roster.UnitFilter{ActiveOn: cadre.NewDate(2026, 1, 1), Level: cadre.LevelHuyen}); len(got) != 1 || got[0] != "H01" {
			t.Errorf("districts active in 2026 = %v", got)
		}
		if got := ids(roster.UnitFilter{ActiveOn: cadre.NewDate(2025, 1, 1), Level: cadre.LevelHuyen}); len(got) != 2 {
			t.Errorf("districts active in 2025 = %v", got)
		}

		// Moving the commune (with its chi đoàn) under the province moves the subtree.
		in := cadre.UnitInput{ParentID: tr.Province.ID, Code: "X01", Name: tr.Commune.Name, Level: cadre.LevelCoSo}
		if _, err := s.UpdateUnit(ctx, tenant, tr.Commune.ID, in); err != nil {
			t.Fatal(err)
		}
		if got := ids(roster.UnitFilter{Under: tr.District.ID}); len(got) != 1 {
			t.Errorf("district subtree after the move = %v", got)
		}
		if got := ids(roster.UnitFilter{Under: tr.Commune.ID}); len(got) != 2 {
			t.Errorf("commune subtree after the move = %v", got)
		}
		in.ParentID = tr.ChiDoan.ID
		_, err = s.UpdateUnit(ctx, tenant, tr.Commune.ID, in)
		wantField(t, err, "parent_id", "")

		// A unit with a cadre cannot be deleted; an unused one can.
		if _, err := s.CreateCadre(ctx, tenant, cadretest.Input("Lê Văn Tám", tr.ChiDoan.ID)); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.DeleteUnit(ctx, tenant, tr.ChiDoan.ID), core.ECONFLICT)
		wantCode(t, s.DeleteUnit(ctx, tenant, tr.Commune.ID), core.ECONFLICT)
		if err := s.DeleteUnit(ctx, tenant, tr.Commune2.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.GetUnit(ctx, tenant, tr.Commune2.ID)
		wantCode(t, err, core.ENOTFOUND)
		// Tenants never see each other's units.
		_, err = s.GetUnit(ctx, "p01", tr.Province.ID)
		wantCode(t, err, core.ENOTFOUND)
	})
}

func TestCreateNormalisesAndValidates(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := cadretest.Ctx(t)
		s := cadretest.Service(t, db)
		tr := cadretest.Units(t, s, tenant)

		in := cadretest.Input(norm.NFD.String("  Nguyễn   Văn Đức "), tr.Commune.ID)
		in.Phone, in.Email, in.Gender, in.Employment = "0912 345 678", " An@Example.VN ", "Nam", "Bán chuyên trách"
		in.CCCD = cadretest.Str("079 095 012 345")
		c, err := s.CreateCadre(ctx, tenant, in)
		if err != nil {
			t.Fatal(err)
		}
		if c.FullName != "Nguyễn Văn Đức" || !norm.NFC.IsNormalString(c.FullName) {
			t.Errorf("name = %q", c.FullName)
		}
		if c.Phone != "+84912345678" || c.Email != "an@example.vn" || c.Gender != cadre.Male || c.Employment != cadre.PartTime || !c.HasCCCD {
			t.Errorf("normalised = %+v", c)
		}
		ps, err := s.Positions(ctx, tenant, c.ID)
		if err != nil || len(ps) != 1 || ps[0].Kind != cadre.Appointed || ps[0].UnitID != tr.Commune.ID {
			t.Fatalf("positions = %+v, %v", ps, err)
		}

		for _, tc := range []struct {
			mod   func(*cadre.CadreInput)
			field string
			msg   string
		}{
			{func(in *cadre.CadreInput) { in.CCCD = cadretest.Str("07909501234") }, "cccd", "phải có 12 chữ số"},
			{func(in *cadre.CadreInput) { in.Phone = "0123456789" }, "phone", ""},
			{func(in *cadre.CadreInput) { in.FullName = " " }, "full_name", "không được để trống"},
			{func(in *cadre.CadreInput) { in.Title = "vua" }, "title", "không có trong danh mục chức danh"},
			{func(in *cadre.CadreInput) { in.Employment = "" }, "employment", "không được để trống"},
			{func(in *cadre.CadreInput) { in.BirthDate = cadre.Today() }, "birth_date", ""},
			{func(in *cadre.CadreInput) { in.Email = "an@" }, "email", ""},
			{func(in *cadre.CadreInput) { in.UnitID = "nope" }, "unit_id", "không có đơn vị này"},
			{func(in *cadre.CadreInput) { in.UnitID = tr.OldDistrict.ID }, "unit_id", ""},
			{func(in *cadre.CadreInput) { in.CCCD = cadretest.Str("079095012345") }, "cccd", "đã có cán bộ đang công tác với số CCCD này"},
		} {
			in := cadretest.Input("Trần Thị Bé", tr.Commune.ID)
			tc.mod(&in)
			_, err := s.CreateCadre(ctx, tenant, in)
			wantCode(t, err, core.EINVALID)
			wantField(t, err, tc.field, tc.msg)
		}
	})
}

func TestSensitiveEncryptedAndAudited(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := core.WithPrincipal(cadretest.Ctx(t), core.Principal{UserID: "u1", Email: "planner@p79.vn"})
		ctx = roster.WithClientIP(ctx, "10.0.0.7")
		s := cadretest.Service(t, db)
		tr := cadretest.Units(t, s, tenant)
		in := cadretest.Input("Hà Thị Mai", tr.Commune.ID)
		in.CCCD, in.Ethnicity, in.Religion = cadretest.Str("079195012345"), cadretest.Str("Kinh"), cadretest.Str("Phật giáo")
		in.Gender = cadre.Female
		c, err := s.CreateCadre(ctx, tenant, in)
		if err != nil {
			t.Fatal(err)
		}
		// At rest: the raw columns hold no plaintext.
		var cccd, eth, rel []byte
		var hash string
		err = db.Owner.QueryRowContext(ctx, "SELECT cccd_enc, ethnicity_enc, religion_enc, cccd_hash FROM cadres WHERE id = ?", c.ID).
			Scan(&cccd, &eth, &rel, &hash)
		if err != nil {
			t.Fatal(err)
		}
		for _, pair := range [][2][]byte{{cccd, []byte("079195012345")}, {eth, []byte("Kinh")}, {rel, []byte("Phật")}} {
			if len(pair[0]) == 0 || bytes.Contains(pair[0], pair[1]) {
				t.Errorf("column holds %q in clear (or is empty)", pair[1])
			}
		}
		if hash == "" || bytes.Contains([]byte(hash), []byte("079195012345")) {
			t.Errorf("cccd_hash = %q", hash)
		}
		n := auditCount(t, db, "cadre.read_sensitive")
		got, err := s.ReadSensitive(ctx, tenant, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got != (cadre.Sensitive{CCCD: "079195012345", Ethnicity: "Kinh", Religion: "Phật giáo"}) {
			t.Errorf("sensitive = %+v", got)
		}
		if auditCount(t, db, "cadre.read_sensitive") != n+1 {
			t.Error("reading sensitive data was not audit-logged")
		}
		var actor, ip, object string
		if err := db.Owner.QueryRowContext(ctx, "SELECT actor_email, ip, object_id FROM audit_log WHERE action = 'cadre.read_sensitive'").
			Scan(&actor, &ip, &object); err != nil {
			t.Fatal(err)
		}
		if actor != "planner@p79.vn" || ip != "10.0.0.7" || object != c.ID {
			t.Errorf("audit row: %s %s %s", actor, ip, object)
		}
		// Exact lookup by CCCD, audited too.
		found, err := s.LookupCCCD(ctx, tenant, "079 195 012 345")
		if err != nil || len(found) != 1 || found[0].ID != c.ID {
			t.Fatalf("lookup = %+v, %v", found, err)
		}
		if auditCount(t, db, "cadre.lookup_cccd") != 1 {
			t.Error("lookup not audit-logged")
		}
		if found, _ := s.LookupCCCD(ctx, "p01", "079195012345"); len(found) != 0 {
			t.Error("lookup crossed tenants")
		}
		// Updating without the sensitive fields keeps them; "" clears one.
		in.CCCD, in.Ethnicity, in.Religion = nil, nil, cadretest.Str("")
		in.FullName = "Hà Thị Mai Anh"
		if _, err := s.UpdateCadre(ctx, tenant, c.ID, in); err != nil {
			t.Fatal(err)
		}
		got, _ = s.ReadSensitive(ctx, tenant, c.ID)
		if got != (cadre.Sensitive{CCCD: "079195012345", Ethnicity: "Kinh"}) {
			t.Errorf("after update = %+v", got)
		}
		// Another tenant cannot read them.
		_, err = s.ReadSensitive(ctx, "p01", c.ID)
		wantCode(t, err, core.ENOTFOUND)
	})
}

func auditCount(t *testing.T, db cadretest.DB, action string) int {
	t.Helper()
	var n int
	if err := db.Owner.QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = ?", action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
