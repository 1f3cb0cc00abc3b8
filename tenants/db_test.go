package tenants_test

import (
	"context"
	"testing"
	"time"

	"doanbd/configs"
	"doanbd/core/sqldb/sqldbtest"
	"doanbd/core/testenv"
	"doanbd/tenants"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testDB is a migrated database: DB as the application connects, Owner as
// the owner who migrated it.
type testDB = sqldbtest.Pair

func ctxOf(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func forEachDialect(t *testing.T, fn func(t *testing.T, db testDB)) {
	t.Helper()
	sqldbtest.EachPair(t, fn)
}

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)} }
func newStore(db testDB, c *clock) *tenants.Store {
	return tenants.NewStore(db.DB, tenants.Options{Now: c.Now})
}

func seedFile(t *testing.T) []byte {
	t.Helper()
	b, err := configs.FS.ReadFile("seed/tenants.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seeded returns a store over a database seeded from configs/seed/tenants.yaml.
func seeded(t *testing.T, db testDB, c *clock) *tenants.Store {
	t.Helper()
	s := newStore(db, c)
	if _, err := s.Seed(ctxOf(t), seedFile(t)); err != nil {
		t.Fatal(err)
	}
	return s
}

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}
