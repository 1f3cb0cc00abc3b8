package roster_test

import (
	"strings"
	"testing"
	"time"

	"doanbd/configs"
	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/cadre/cadretest"
	"doanbd/core/cadre/roster"
	"doanbd/tenants"
)

var _ tenants.MergeStep = roster.MergeStep{}

func TestTransfer(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := core.WithPrincipal(cadretest.Ctx(t), core.Principal{UserID: "u1"})
		s := cadretest.Service(t, db)
		src := cadretest.Units(t, s, "p79")
		dst := cadretest.Units(t, s, "p01")
		in := cadretest.Input("Ngô Thị Hồng", src.Commune.ID)
		in.Gender, in.CCCD, in.Ethnicity = cadre.Female, cadretest.Str("079195000123"), cadretest.Str("Tày")
		in.PositionSince = cadre.NewDate(2021, 3, 1)
		c, err := s.CreateCadre(ctx, "p79", in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddPlanning(ctx, "p79", c.ID, roster.PlanningInput{Title: "bi_thu_huyen", Since: cadre.NewDate(2023, 1, 1)}); err != nil {
			t.Fatal(err)
		}
		_, err = s.ProposeTransfer(ctx, "p79", c.ID, roster.TransferInput{ToTenant: "p79", On: cadre.NewDate(2026, 1, 1)}, nil)
		wantField(t, err, "to_tenant", "")
		tf, err := s.ProposeTransfer(ctx, "p79", c.ID, roster.TransferInput{ToTenant: "p01", On: cadre.NewDate(2026, 1, 1), Note: "Theo nguyện vọng"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.ProposeTransfer(ctx, "p79", c.ID, roster.TransferInput{ToTenant: "p02", On: cadre.NewDate(2026, 1, 1)}, nil)
		wantCode(t, err, core.ECONFLICT)
		for _, side := range []struct{ tenant, dir string }{{"p79", "out"}, {"p01", "in"}, {"p01", ""}} {
			ts, n, err := s.ListTransfers(ctx, side.tenant, roster.TransferFilter{Direction: side.dir})
			if err != nil || n != 1 || ts[0].ID != tf.ID || ts[0].CadreName != "Ngô Thị Hồng" {
				t.Errorf("%s %s transfers = %+v, %d, %v", side.tenant, side.dir, ts, n, err)
			}
		}
		if _, err := s.GetTransfer(ctx, "p02", tf.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("a third tenant sees the transfer: %v", err)
		}
		// Only the target accepts; only into its own open unit.
		_, err = s.AcceptTransfer(ctx, "p79", tf.ID, roster.AcceptInput{UnitID: src.Commune.ID})
		wantCode(t, err, core.ENOTFOUND)
		_, err = s.AcceptTransfer(ctx, "p01", tf.ID, roster.AcceptInput{UnitID: src.Commune.ID})
		wantField(t, err, "unit_id", "")
		done, err := s.AcceptTransfer(ctx, "p01", tf.ID, roster.AcceptInput{UnitID: dst.Commune2.ID, Title: "pho_bi_thu_xa"})
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != cadre.TransferAccepted || done.ToCadreID == "" || done.ToCadreID == c.ID {
			t.Fatalf("accepted = %+v", done)
		}
		_, err = s.AcceptTransfer(ctx, "p01", tf.ID, roster.AcceptInput{UnitID: dst.Commune2.ID})
		wantCode(t, err, core.ECONFLICT)

		// The source keeps a read-only record, listed as transferred out.
		old, err := s.GetCadre(ctx, "p79", c.ID)
		if err != nil || old.Status != cadre.TransferredOut || old.TransferredTo != "p01" {
			t.Fatalf("source record = %+v, %v", old, err)
		}
		if cs, _, _ := s.ListCadres(ctx, "p79", roster.Filter{}); len(cs) != 0 {
			t.Errorf("source still lists the cadre as active: %+v", cs)
		}
		if cs, _, _ := s.ListCadres(ctx, "p79", roster.Filter{Status: cadre.TransferredOut}); len(cs) != 1 {
			t.Errorf("transferred-out list = %d", len(cs))
		}
		in.FullName = "Đổi tên"
		_, err = s.UpdateCadre(ctx, "p79", c.ID, in)
		wantCode(t, err, core.ECONFLICT)
		pls, _ := s.Planning(ctx, "p79", c.ID)
		if len(pls) != 1 || pls[0].Until != cadre.NewDate(2026, 1, 1) {
			t.Errorf("source planning not ended: %+v", pls)
		}

		// The target has a new record with the history and a link back.
		nc, err := s.GetCadre(ctx, "p01", done.ToCadreID)
		if err != nil {
			t.Fatal(err)
		}
		if nc.Status != cadre.Active || nc.UnitID != dst.Commune2.ID || nc.Title != "pho_bi_thu_xa" ||
			nc.PreviousRecord == nil || *nc.PreviousRecord != (cadre.Ref{Tenant: "p79", CadreID: c.ID}) {
			t.Errorf("target record = %+v", nc)
		}
		sens, err := s.ReadSensitive(ctx, "p01", nc.ID)
		if err != nil || sens.CCCD != "079195000123" || sens.Ethnicity != "Tày" {
			t.Errorf("target sensitive = %+v, %v", sens, err)
		}
		ps, err := s.Positions(ctx, "p01", nc.ID)
		if err != nil || len(ps) != 2 || ps[0].Kind != cadre.Appointed || ps[1].Kind != cadre.TransferIn {
			t.Fatalf("target history = %+v, %v", ps, err)
		}
		if ps[0].UnitID != "" || !strings.Contains(ps[0].Note, "Đoàn xã Tân Nhựt (p79)") || ps[0].EndedOn != cadre.NewDate(2026, 1, 1) {
			t.Errorf("copied position = %+v", ps[0])
		}
		if cs, _, _ := s.ListCadres(ctx, "p01", roster.Filter{Q: "ngo thi hong"}); len(cs) != 1 {
			t.Errorf("target search = %d", len(cs))
		}
		if auditCount(t, db, "cadre.transfer_out") != 1 || auditCount(t, db, "cadre.transfer_in") != 1 {
			t.Error("transfer not audited on both sides")
		}
		// A transferred record cannot be deleted on either side.
		wantCode(t, s.DeleteCadre(ctx, "p79", c.ID), core.ECONFLICT)
		wantCode(t, s.DeleteCadre(ctx, "p01", nc.ID), core.ECONFLICT)

		// Reject and cancel close a proposal without moving anything.
		c2, _ := s.CreateCadre(ctx, "p79", cadretest.Input("Lý Văn Bình", src.Commune.ID))
		t2, _ := s.ProposeTransfer(ctx, "p79", c2.ID, roster.TransferInput{ToTenant: "p01", On: cadre.NewDate(2026, 2, 1)}, nil)
		_, err = s.CancelTransfer(ctx, "p01", t2.ID)
		wantCode(t, err, core.ENOTFOUND)
		if r, err := s.RejectTransfer(ctx, "p01", t2.ID, "Không đủ biên chế"); err != nil || r.Status != cadre.TransferRejected || r.Note != "Không đủ biên chế" {
			t.Fatalf("reject = %+v, %v", r, err)
		}
		t3, _ := s.ProposeTransfer(ctx, "p79", c2.ID, roster.TransferInput{ToTenant: "p01", On: cadre.NewDate(2026, 2, 1)}, nil)
		if r, err := s.CancelTransfer(ctx, "p79", t3.ID); err != nil || r.Status != cadre.TransferCancelled {
			t.Fatalf("cancel = %+v, %v", r, err)
		}
		if got, _ := s.GetCadre(ctx, "p79", c2.ID); got.Status != cadre.Active {
			t.Errorf("rejected/cancelled transfer moved the cadre: %+v", got)
		}
	})
}

func TestMerge(t *testing.T) {
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
		cadretest.Units(t, s, "p80")
		a := cadretest.Input("Châu Văn Liêm", old.Commune.ID)
		a.CCCD = cadretest.Str("072095000001")
		ca, err := s.CreateCadre(ctx, "p72", a)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateCadre(ctx, "p72", cadretest.Input("Tôn Đức Thắng", old.ChiDoan.ID)); err != nil {
			t.Fatal(err)
		}
		// One person active on both rosters blocks the merge: nothing moves.
		dup := cadretest.Input("Châu Văn Liêm", cadretest.Units(t, s, "p01").Commune.ID)
		dup.CCCD = a.CCCD
		if _, err := s.CreateCadre(ctx, "p01", dup); err != nil {
			t.Fatal(err)
		}
		// A pending transfer to a third tenant is cancelled by the merge.
		leaving, err := s.CreateCadre(ctx, "p72", cadretest.Input("Hồ Văn Đi", old.Commune2.ID))
		if err != nil {
			t.Fatal(err)
		}
		tf, err := s.ProposeTransfer(ctx, "p72", leaving.ID, roster.TransferInput{ToTenant: "p02", On: cadre.NewDate(2025, 6, 1)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		on := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
		merge := func(from, into string, dry bool) (tenants.MergeResult, error) {
			return reg.Merge(ctx, tenants.MergeRequest{From: from, Into: into, On: on, DryRun: dry}, []tenants.MergeStep{roster.MergeStep{}})
		}
		plan, err := merge("p72", "p80", true)
		if err != nil || plan.Moved() == 0 {
			t.Fatalf("dry run = %+v, %v", plan, err)
		}
		if cs, _, _ := s.ListCadres(ctx, "p72", roster.Filter{}); len(cs) != 3 {
			t.Fatal("a dry run moved cadres")
		}
		res, err := merge("p72", "p80", false)
		if err != nil {
			t.Fatal(err)
		}
		if res.Moved() != plan.Moved() {
			t.Errorf("moved %d, planned %d", res.Moved(), plan.Moved())
		}
		if cs, _, _ := s.ListCadres(ctx, "p72", roster.Filter{Status: "all"}); len(cs) != 0 {
			t.Errorf("p72 still has %d cadres", len(cs))
		}
		cs, _, err := s.ListCadres(ctx, "p80", roster.Filter{Q: "chau van liem"})
		if err != nil || len(cs) != 1 || cs[0].ID != ca.ID {
			t.Fatalf("moved cadre in p80 = %+v, %v", cs, err)
		}
		if sens, err := s.ReadSensitive(ctx, "p80", ca.ID); err != nil || sens.CCCD != "072095000001" {
			t.Errorf("moved sensitive = %+v, %v", sens, err)
		}
		if ps, err := s.Positions(ctx, "p80", ca.ID); err != nil || len(ps) != 1 {
			t.Errorf("moved positions = %+v, %v", ps, err)
		}
		if got, _ := s.GetTransfer(ctx, "p72", tf.ID); got.Status != cadre.TransferCancelled {
			t.Errorf("pending transfer of the merged tenant = %+v", got)
		}
		// The other side settles itself when next acted on.
		dst := cadretest.Units(t, s, "p02")
		_, err = s.AcceptTransfer(ctx, "p02", tf.ID, roster.AcceptInput{UnitID: dst.Commune.ID})
		wantCode(t, err, core.ECONFLICT)
		if got, _ := s.GetTransfer(ctx, "p02", tf.ID); got.Status != cadre.TransferCancelled {
			t.Errorf("the other side after the merge = %+v", got)
		}
		u, err := s.GetUnit(ctx, "p80", old.Commune.ID)
		if err != nil || u.Code != "p72.X01" {
			t.Errorf("moved unit = %+v, %v", u, err)
		}
		if us, _, _ := s.ListUnits(ctx, "p80", roster.UnitFilter{Under: old.District.ID}); len(us) != 3 {
			t.Errorf("moved subtree = %d units", len(us))
		}
		// Merging p01 into p80 now finds the duplicate and is refused whole.
		_, err = merge("p01", "p80", false)
		if err == nil || !strings.Contains(err.Error(), "trùng số CCCD") {
			t.Fatalf("merge with a duplicate: %v", err)
		}
		if cs, _, _ := s.ListCadres(ctx, "p01", roster.Filter{}); len(cs) != 1 {
			t.Error("a refused merge moved cadres")
		}
	})
}
