package tenants_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"doanbd/core"
	"doanbd/tenants"
)

func TestSeed(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db testDB) {
		ctx := ctxOf(t)
		c := newClock()
		s := newStore(db, c)
		res, err := s.Seed(ctx, seedFile(t))
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 72 || res.Updated != 0 || res.Unchanged != 0 {
			t.Fatalf("first seed: %+v, want 72 created", res)
		}
		all, err := s.List(ctx, tenants.ListFilter{})
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, tn := range all {
			count[tn.Kind+"/"+tn.Status]++
			if tn.Name == "" {
				t.Errorf("%s has no name", tn.ID)
			}
			if tn.ID != core.CentralTenant && tn.Parent != core.CentralTenant {
				t.Errorf("%s: parent %q, want tw", tn.ID, tn.Parent)
			}
		}
		want := map[string]int{"central/active": 1, "ministry/active": 2, "province/active": 34, "province/ended": 29,
			"affiliated/active": 4, "affiliated/ended": 2}
		for k, n := range want {
			if count[k] != n {
				t.Errorf("%s: %d tenants, want %d (all: %v)", k, count[k], n, count)
			}
		}
		if all[0].ID != core.CentralTenant || all[0].Parent != "" {
			t.Errorf("first tenant %+v, want tw at the root", all[0])
		}
		active, _ := s.List(ctx, tenants.ListFilter{Kind: core.TenantProvince, Status: core.TenantActive})
		if len(active) != 34 {
			t.Errorf("active provinces: %d, want 34", len(active))
		}

		p72, err := s.Get(ctx, "p72")
		if err != nil {
			t.Fatal(err)
		}
		if p72.Status != core.TenantEnded || p72.Successor != "p80" || p72.ValidTo == nil || !p72.ValidTo.Equal(date("2025-06-30")) {
			t.Errorf("p72 = %+v, want ended 2025-06-30 with successor p80", p72)
		}
		p80, _ := s.Get(ctx, "p80")
		if p80.Name != "Tỉnh Đoàn Tây Ninh" || p80.Code != "80" || p80.Status != core.TenantActive {
			t.Errorf("p80 today = %+v, want active Tỉnh Đoàn Tây Ninh", p80)
		}

		// Seeding again changes nothing: no row touched, no name duplicated.
		before := snapshotRows(t, db)
		c.Advance(time.Hour)
		res, err = s.Seed(ctx, seedFile(t))
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 0 || res.Updated != 0 || res.Unchanged != 72 {
			t.Fatalf("second seed: %+v, want 72 unchanged", res)
		}
		if after := snapshotRows(t, db); after != before {
			t.Fatalf("second seed changed the tables:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// snapshotRows renders the registry tables, timestamps included.
func snapshotRows(t *testing.T, db testDB) string {
	t.Helper()
	var out string
	rows, err := db.Owner.QueryContext(ctxOf(t), `SELECT id, kind, parent, code, status, successor, updated_at FROM tenants ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind, parent, code, status, succ string
		var up time.Time
		if err := rows.Scan(&id, &kind, &parent, &code, &status, &succ, &up); err != nil {
			t.Fatal(err)
		}
		out += id + " " + kind + " " + parent + " " + code + " " + status + " " + succ + " " + up.UTC().Format(time.RFC3339Nano) + "\n"
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var names int
	if err := db.Owner.QueryRowContext(ctxOf(t), `SELECT count(*) FROM tenant_names`).Scan(&names); err != nil {
		t.Fatal(err)
	}
	if names < 72 {
		t.Fatalf("%d names for 72 tenants", names)
	}
	return out + fmt.Sprintf("names %d", names)
}

func TestSeedKeepsMerges(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db testDB) {
		ctx := ctxOf(t)
		s := seeded(t, db, newClock())
		if _, err := s.Merge(ctx, tenants.MergeRequest{From: "p04", Into: "p01", On: date("2026-01-31")}, nil); err != nil {
			t.Fatal(err)
		}
		res, err := s.Seed(ctx, seedFile(t))
		if err != nil {
			t.Fatal(err)
		}
		if res.Updated != 0 || res.Unchanged != 72 {
			t.Errorf("re-seed after a merge: %+v, want nothing changed", res)
		}
		p04, _ := s.Get(ctx, "p04")
		if p04.Status != core.TenantEnded || p04.Successor != "p01" {
			t.Errorf("re-seed revived p04: %+v", p04)
		}
	})
}

func TestSeedRejectsBadFiles(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db testDB) {
		s := newStore(db, newClock())
		for name, src := range map[string]string{
			"unknown field":     "tenants:\n  - slug: tw\n    kind: central\n    colour: red\n",
			"bad kind":          "tenants:\n  - slug: tw\n    kind: galaxy\n    names: [{name: X}]\n",
			"unknown parent":    "tenants:\n  - slug: p01\n    kind: province\n    parent: nowhere\n    names: [{name: X}]\n",
			"unknown successor": "tenants:\n  - {slug: tw, kind: central, names: [{name: T}]}\n  - {slug: p01, kind: province, parent: tw, valid_to: '2025-06-30', successor: p99, names: [{name: X}]}\n",
			"no name":           "tenants:\n  - {slug: tw, kind: central}\n",
			"bad date":          "tenants:\n  - {slug: tw, kind: central, valid_from: 30/06/2025, names: [{name: T}]}\n",
			"twice":             "tenants:\n  - {slug: tw, kind: central, names: [{name: T}]}\n  - {slug: tw, kind: central, names: [{name: T}]}\n",
		} {
			if _, err := s.Seed(ctxOf(t), []byte(src)); err == nil {
				t.Errorf("%s: seeded without error", name)
			}
		}
		all, err := s.List(ctxOf(t), tenants.ListFilter{})
		if err != nil || len(all) != 0 {
			t.Errorf("bad files left %d tenants (err %v)", len(all), err)
		}
	})
}

func TestNameAt(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db testDB) {
		s := seeded(t, db, newClock())
		for _, tc := range []struct{ slug, date, want string }{
			{"p80", "2025-06-30", "Tỉnh Đoàn Long An"},
			{"p80", "2025-07-01", "Tỉnh Đoàn Tây Ninh"},
			{"p80", "2023-05-11", "Tỉnh Đoàn Long An"},
			{"p72", "2025-06-30", "Tỉnh Đoàn Tây Ninh"},
			{"p72", "2026-01-01", "Tỉnh Đoàn Tây Ninh"}, // ended: keeps its last name
			{"p46", "2024-12-31", "Tỉnh Đoàn Thừa Thiên Huế"},
			{"p46", "2025-01-01", "Thành Đoàn Huế"},
			{"p79", "2024-01-01", "Thành Đoàn Thành phố Hồ Chí Minh"},
		} {
			got, err := s.NameAt(ctxOf(t), tc.slug, date(tc.date))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("NameAt(%s, %s) = %q, want %q", tc.slug, tc.date, got, tc.want)
			}
		}
		// The calendar date counts, not the instant: late on 30 June is still Long An.
		got, _ := s.NameAt(ctxOf(t), "p80", time.Date(2025, 6, 30, 23, 59, 0, 0, time.UTC))
		if got != "Tỉnh Đoàn Long An" {
			t.Errorf("NameAt(p80, 30 Jun 23:59) = %q", got)
		}
		if _, err := s.NameAt(ctxOf(t), "p99", date("2025-01-01")); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("NameAt(unknown) err = %v, want ENOTFOUND", err)
		}
		names, err := s.Names(ctxOf(t), "p80")
		if err != nil || len(names) != 2 || names[0].From != nil || names[1].From == nil || !names[1].From.Equal(date("2025-07-01")) {
			t.Errorf("Names(p80) = %+v, %v", names, err)
		}
	})
}

func TestResolve(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db testDB) {
		s := seeded(t, db, newClock())
		for _, tc := range []struct {
			slug  string
			write bool
			want  string // "" ok, else error code
		}{
			{"p79", false, ""},
			{"p79", true, ""},
			{"tw", true, ""},
			{"bca", true, ""},
			{"p72", false, ""},               // ended: readable
			{"p72", true, core.ENOTFOUND},    // ended: no writes
			{"p99", false, core.ENOTFOUND},   // unknown
			{"p99", true, core.ENOTFOUND},    // unknown
			{"P79", false, core.ENOTFOUND},   // slugs are lower case
			{"p7,p9", false, core.ENOTFOUND}, // not a slug
			{"", false, core.ENOTFOUND},
		} {
			got, err := s.Resolve(ctxOf(t), tc.slug, tc.write)
			if core.ErrorCode(err) != tc.want {
				t.Errorf("Resolve(%q, write=%v) err = %v, want code %q", tc.slug, tc.write, err, tc.want)
				continue
			}
			if err != nil {
				if msg := core.ErrorMessage(err); msg != "Không tìm thấy đơn vị" {
					t.Errorf("Resolve(%q) message %q", tc.slug, msg)
				}
			} else if got.ID != tc.slug || got.Name == "" {
				t.Errorf("Resolve(%q) = %+v", tc.slug, got)
			}
		}
	})
}

// Another process's changes reach a store's snapshot: a new tenant at once
// (reload on an unknown slug), a merge once the snapshot is older than the TTL.
func TestSnapshotRefresh(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db testDB) {
		ctx := ctxOf(t)
		c := newClock()
		reader := seeded(t, db, c)
		writer := newStore(db, c)
		if _, err := reader.Resolve(ctx, "p79", true); err != nil {
			t.Fatal(err)
		}
		if _, err := writer.Create(ctx, core.Principal{UserID: "u1"}, tenants.TenantInput{
			Slug: "dtn-test", Name: "Đoàn Thanh niên Thử nghiệm", Kind: core.TenantAffiliated}); err != nil {
			t.Fatal(err)
		}
		c.Advance(2 * time.Second)
		if got, err := reader.Resolve(ctx, "dtn-test", true); err != nil || got.Name != "Đoàn Thanh niên Thử nghiệm" {
			t.Fatalf("new tenant from another store: %+v, %v", got, err)
		}
		if _, err := writer.Merge(ctx, tenants.MergeRequest{From: "p04", Into: "p01", On: date("2026-06-30")}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := reader.Resolve(ctx, "p04", true); err != nil {
			t.Fatalf("before the TTL the old snapshot serves p04 as active; got %v", err)
		}
		c.Advance(31 * time.Second)
		if _, err := reader.Resolve(ctx, "p04", true); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("after the TTL p04 is ended; write resolve err = %v", err)
		}
	})
}

func TestLiveAndPredecessors(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db testDB) {
		ctx := ctxOf(t)
		s := seeded(t, db, newClock())
		live, err := s.Live(ctx, "p72")
		if err != nil || live.ID != "p80" {
			t.Fatalf("Live(p72) = %+v, %v; want p80", live, err)
		}
		if live, _ := s.Live(ctx, "p79"); live.ID != "p79" {
			t.Errorf("Live(p79) = %s", live.ID)
		}
		pre, err := s.Predecessors(ctx, "p79")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range pre {
			ids = append(ids, p.ID)
		}
		if len(ids) != 2 || ids[0] != "p74" || ids[1] != "p77" {
			t.Errorf("Predecessors(p79) = %v, want [p74 p77]", ids)
		}
	})
}

// Requests resolve tenants while the registry reloads (run with -race).
func TestConcurrentResolve(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db testDB) {
		ctx := ctxOf(t)
		s := seeded(t, db, newClock())
		var wg sync.WaitGroup
		errs := make(chan error, 4*50)
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 50; i++ {
					_, err := s.Resolve(ctx, "p79", true)
					errs <- err
				}
			}()
		}
		for i := 0; i < 5; i++ {
			if err := s.Refresh(ctx); err != nil {
				t.Error(err)
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}
