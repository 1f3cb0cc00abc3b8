package ui

import (
	"context"
	"sync"
	"testing"
	"time"

	"doanbd/core/cadre"
	"doanbd/core/cadre/roster"
)

// countingUnits is a roster whose unit index is counted and can change.
type countingUnits struct {
	Roster
	mu    sync.Mutex
	loads int
	units []cadre.Unit
}

func (r *countingUnits) UnitIndex(context.Context, string) (*roster.UnitLookup, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.loads++
	return &roster.UnitLookup{Units: append([]cadre.Unit(nil), r.units...)}, nil
}

func (r *countingUnits) set(us ...cadre.Unit) {
	r.mu.Lock()
	r.units = us
	r.mu.Unlock()
}

func (r *countingUnits) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.loads
}

func TestUnitCache(t *testing.T) {
	ctx := context.Background()
	r := &countingUnits{units: []cadre.Unit{{ID: "u1", Name: "Đoàn phường Bến Nghé"}}}
	c := newUnitCache(r)
	now := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	c.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	for i := 0; i < 3; i++ {
		if _, err := c.UnitIndex(ctx, "p79"); err != nil {
			t.Fatal(err)
		}
	}
	if n := r.count(); n != 1 {
		t.Fatalf("%d loads for three pages, want 1", n)
	}

	// A unit the index lacks reloads it once it is a few seconds old…
	r.set(cadre.Unit{ID: "u1", Name: "Đoàn phường Bến Nghé"}, cadre.Unit{ID: "u2", Name: "Đoàn xã Tân Nhựt"})
	if _, names, _ := c.fresh(ctx, "p79", []string{"u2"}); names["u2"] != "" || r.count() != 1 {
		t.Fatalf("a just-read index was reloaded: %v, %d loads", names, r.count())
	}
	advance(3 * time.Second)
	if _, names, _ := c.fresh(ctx, "p79", []string{"u1", "u2"}); names["u2"] != "Đoàn xã Tân Nhựt" || r.count() != 2 {
		t.Fatalf("after a miss: %v, %d loads", names, r.count())
	}

	// …and an old index is served while one background load replaces it.
	r.set(cadre.Unit{ID: "u1", Name: "Đoàn phường Sài Gòn"})
	advance(unitTTL + time.Second)
	if _, names, _ := c.fresh(ctx, "p79", nil); names["u1"] != "Đoàn phường Bến Nghé" {
		t.Fatalf("the stale index was not served: %v", names)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, names, _ := c.fresh(ctx, "p79", nil); names["u1"] == "Đoàn phường Sài Gòn" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background load never replaced the stale index")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := r.count(); n != 3 {
		t.Fatalf("%d loads, want 3", n)
	}

	// Only the most recently used tenants are kept.
	for i := 0; i < unitTenants+2; i++ {
		advance(time.Millisecond)
		if _, err := c.UnitIndex(ctx, string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	c.mu.Lock()
	kept, hasP79 := len(c.m), c.m["p79"] != nil
	c.mu.Unlock()
	if kept != unitTenants || hasP79 {
		t.Fatalf("%d tenants kept (p79 kept: %v), want %d", kept, hasP79, unitTenants)
	}
}
