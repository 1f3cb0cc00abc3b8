package authz_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"doanbd/core/authz"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
	"doanbd/core/testenv"
)

// waitFor polls cond until it holds; the deadline only bounds a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWatcherKeepsProcessesInStep(t *testing.T) {
	addr, idx := testenv.Redis(t)
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		rdb := redis.NewClient(&redis.Options{Addr: addr, DB: idx})
		t.Cleanup(func() { _ = rdb.Close() })
		channel := authz.WatcherChannel + ":" + t.Name()
		tenants, audit := newTenants(), &fakeAudit{}
		a := newService(t, db, tenants, audit)
		b := newService(t, db, tenants, audit)
		for _, s := range []*authz.Service{a, b} {
			w, err := authz.NewRedisWatcher(ctx, rdb, channel, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(w.Close)
			if err := s.SetWatcher(w); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.AssignRole(ctx, "", "alice", authz.RolePlanner, "p79"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "b sees the assignment made in a", func() bool {
			return mustEnforce(t, b, "alice", "p79", authz.ObjPlan, authz.ActWrite)
		})
		if err := b.RevokeRole(ctx, "", "alice", authz.RolePlanner, "p79"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "a sees the revocation made in b", func() bool {
			return !mustEnforce(t, a, "alice", "p79", authz.ObjPlan, authz.ActWrite)
		})
		// A burst of changes converges.
		for _, u := range []string{"u1", "u2", "u3", "u4", "u5"} {
			if err := a.AssignRole(ctx, "", u, authz.RoleLearner, "p01"); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "b sees the whole burst", func() bool {
			users, _ := b.UsersIn(ctx, "p01")
			return len(users) == 5
		})
	})
}
