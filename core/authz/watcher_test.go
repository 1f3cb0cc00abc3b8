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

// TestAutoReloadSeesUnannouncedChanges: a change made by a process without a
// watcher (a CLI command) reaches a running service through AutoReload.
func TestAutoReloadSeesUnannouncedChanges(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		tenants, audit := newTenants(), &fakeAudit{}
		server := newService(t, db, tenants, audit)
		if changed, err := server.ReloadIfChanged(ctx); err != nil || changed {
			t.Fatalf("fresh service: changed=%v err=%v", changed, err)
		}
		done := make(chan struct{})
		go func() { server.AutoReload(ctx, 10*time.Millisecond); close(done) }()
		cli := newService(t, db, tenants, audit)
		if err := cli.AssignRole(ctx, "", "erin", authz.RoleApprover, "p01"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the server sees the command's assignment", func() bool {
			return mustEnforce(t, server, "erin", "p01", authz.ObjPlan, authz.ActApprove)
		})
		if err := cli.RevokeRole(ctx, "", "erin", authz.RoleApprover, "p01"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the server sees the command's revocation", func() bool {
			return !mustEnforce(t, server, "erin", "p01", authz.ObjPlan, authz.ActApprove)
		})
		cancel()
		<-done
	})
}
