package host

import (
	"context"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
)

func TestDBStore(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := ctxT(t)
		st := NewDBStore(db)
		must(t, st.Put(ctx, "p79", TenantPlugin{Plugin: "localprograms", Enabled: true, Settings: map[string]string{"file": "a.yaml"}, UpdatedBy: "u1"}))
		must(t, st.Put(ctx, "p79", TenantPlugin{Plugin: "costnorms", Enabled: false}))
		must(t, st.Put(ctx, "p01", TenantPlugin{Plugin: "localprograms", Enabled: true, Settings: map[string]string{"file": "p01.yaml"}}))
		// Put replaces.
		must(t, st.Put(ctx, "p79", TenantPlugin{Plugin: "localprograms", Enabled: true, Settings: map[string]string{"file": "p79.yaml"},
			Capabilities: []string{"ProgramCatalog"}, UpdatedBy: "u2"}))

		en, err := st.Enabled(ctx, "p79")
		must(t, err)
		if len(en) != 1 || en[0].Plugin != "localprograms" || en[0].Settings["file"] != "p79.yaml" || en[0].UpdatedBy != "u2" || en[0].UpdatedAt.IsZero() ||
			!slices.Equal(en[0].Capabilities, []string{"ProgramCatalog"}) {
			t.Fatalf("enabled for p79: %+v", en)
		}
		all, err := st.TenantPlugins(ctx, "p79")
		must(t, err)
		if len(all) != 2 || all[0].Plugin != "costnorms" || all[0].Enabled || all[0].Settings == nil {
			t.Fatalf("all for p79: %+v", all)
		}
		if en, _ := st.Enabled(ctx, "bca"); len(en) != 0 {
			t.Fatalf("bca sees %+v", en)
		}

		usage, err := st.Usage(ctx)
		must(t, err)
		if !slices.Equal(usage["localprograms"], []string{"p01", "p79"}) || len(usage["costnorms"]) != 0 {
			t.Fatalf("usage %v", usage)
		}

		ps := []core.LocalProgram{{Code: "P79-KCN", Name: "Khu chế xuất", Modules: []core.LocalModule{{Code: "M1", Name: "Một", Hours: 4}}}}
		must(t, st.SaveCatalog(ctx, "p79", "localprograms", ps))
		must(t, st.SaveCatalog(ctx, "p79", "localprograms", ps[:1]))
		got, ok, err := st.LoadCatalog(ctx, "p79", "localprograms")
		if err != nil || !ok || len(got) != 1 || got[0].Modules[0].Hours != 4 {
			t.Fatalf("catalog: %+v %v %v", got, ok, err)
		}
		if _, ok, err := st.LoadCatalog(ctx, "p01", "localprograms"); ok || err != nil {
			t.Fatalf("p01 sees a catalogue cache: %v %v", ok, err)
		}

		must(t, st.SetStatus(ctx, "broken", StatusFailed, "crashed 3 times"))
		must(t, st.SetStatus(ctx, "broken", StatusOK, ""))
		must(t, st.SetStatus(ctx, "bca-rules", StatusFailed, "checksum mismatch"))
		sts, err := st.Statuses(ctx)
		must(t, err)
		if sts["broken"].Status != StatusOK || sts["bca-rules"].Reason != "checksum mismatch" || sts["broken"].Reporter == "" {
			t.Fatalf("statuses %+v", sts)
		}

		if db.Dialect == sqldb.Postgres {
			// Row-level security: a transaction for p01 sees none of p79's rows,
			// even without a WHERE on tenant_id.
			var n int64
			must(t, db.ReadTenant(ctx, "p01", func(ctx context.Context, q bun.IDB) error {
				var err error
				n, err = q.NewSelect().Table("plugin_tenants").Count(ctx)
				return err
			}))
			if n != 1 {
				t.Fatalf("p01 sees %d plugin_tenants rows, want its own 1", n)
			}
			// The usage policy is read-only: it opens no writes across tenants.
			err := db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				if _, err := tx.ExecContext(ctx, "SELECT set_config('app.plugin_usage', 'on', true)"); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, "UPDATE plugin_tenants SET enabled = false")
				return err
			})
			must(t, err)
			if en, _ := st.Enabled(ctx, "p79"); len(en) != 1 {
				t.Fatal("the usage policy let an update through")
			}
		}
	})
}
