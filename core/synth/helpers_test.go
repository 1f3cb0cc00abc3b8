package synth_test

import (
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"doanbd/configs"
	"doanbd/core/cadre/cadretest"
	"doanbd/core/sqldb"
	"doanbd/core/synth"
	"doanbd/core/testenv"
	"doanbd/tenants"
	"doanbd/workflows/definition"
	"doanbd/workflows/engine"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// prepared is a migrated database with the reference data the synthetic
// seed builds on: the tenants, the central programmes, the shipped
// workflow definitions.
type prepared struct {
	cadretest.DB
	deps synth.Deps
}

func prepare(t testing.TB, db cadretest.DB) prepared {
	t.Helper()
	ctx := cadretest.Ctx(t)
	src, err := configs.FS.ReadFile("seed/tenants.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tenants.NewStore(db.DB, tenants.Options{Log: slog.New(slog.DiscardHandler)}).Seed(ctx, src); err != nil {
		t.Fatalf("seed tenants: %v", err)
	}
	insertPrograms(t, db.Owner)
	return prepared{DB: db, deps: synth.Deps{DB: db.DB, Sealer: cadretest.Sealer(t), Workflow: annualPlan(t, db.DB)}}
}

// insertPrograms stores the central programmes of configs/seed/programs.yaml
// as published, the way the programme seed does (only the columns plans use).
func insertPrograms(t testing.TB, db *sqldb.DB) {
	t.Helper()
	b, err := configs.FS.ReadFile("seed/programs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Programs []struct {
			Code, Group, Name string
			Audience          map[string]any
			Modules           []struct{ Hours int }
		}
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	ctx := cadretest.Ctx(t)
	now := time.Now().UTC()
	for _, p := range doc.Programs {
		hours := 0
		for _, m := range p.Modules {
			hours += m.Hours
		}
		aud, err := json.Marshal(p.Audience)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.ExecContext(ctx, `INSERT INTO programs (id, tenant_id, code, name, group_code, audience, modules,
			total_hours, version, status, created_at, updated_at) VALUES (?, 'tw', ?, ?, ?, ?, '[]', ?, 1, 'published', ?, ?)`,
			sqldb.NewID(), p.Code, p.Name, p.Group, string(aud), hours, now, now)
		if err != nil {
			t.Fatalf("insert programme %s: %v", p.Code, err)
		}
	}
}

// annualPlan stores the shipped workflow definitions and returns the
// annual-plan one as the seed needs it.
func annualPlan(t testing.TB, db *sqldb.DB) synth.Workflow {
	t.Helper()
	ctx := cadretest.Ctx(t)
	e := engine.New(engine.Options{DB: db, Log: slog.New(slog.DiscardHandler)})
	if err := e.SyncShipped(ctx, configs.FS, "workflows"); err != nil {
		t.Fatal(err)
	}
	defs, err := e.Definitions(ctx, "tw")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		if d.Name == "annual_plan" && d.Tenant == engine.ShippedTenant {
			def, probs := definition.Parse([]byte(d.Source), engine.Catalog)
			if probs != nil {
				t.Fatal(probs)
			}
			wf := synth.Workflow{DefinitionID: d.ID, Due: map[string]time.Duration{}}
			for name, s := range def.States {
				if s.SLA != nil {
					wf.Due[name] = s.SLA.Due
				}
			}
			return wf
		}
	}
	t.Fatal("annual_plan definition not stored")
	return synth.Workflow{}
}

func sqliteAt(t testing.TB, dir string) cadretest.DB {
	t.Helper()
	db, err := sqldb.Open(cadretest.Ctx(t), sqldb.Options{Path: filepath.Join(dir, "doanbd.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(cadretest.Ctx(t)); err != nil {
		t.Fatal(err)
	}
	return cadretest.DB{DB: db, Owner: db}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
