package authz_test

import (
	"context"
	"fmt"
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

// TestNoFlickerDuringReload: while the policy reloads and changes, a
// decision that does not change never answers otherwise (run with -race).
func TestNoFlickerDuringReload(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// Enough assignments that rebuilding the role links takes a while.
		var bulk [][]string
		for i := 0; i < 5000; i++ {
			bulk = append(bulk, []string{fmt.Sprintf("bulk%d", i), authz.RoleLearner, "p01"})
		}
		if err := authz.NewAdapter(f.db).AddPolicies("g", "g", bulk); err != nil {
			t.Fatal(err)
		}
		// Stored after the bulk: rebuilt last, so a reader that skipped the
		// lock would see it missing for the whole rebuild.
		if err := f.svc.AssignRole(ctx, "", "stable", authz.RolePlanner, "p79"); err != nil {
			t.Fatal(err)
		}
		errs := make(chan string, 1)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for ctx.Err() == nil {
				ok, err := f.svc.Enforce(ctx, "stable", "p79", authz.ObjPlan, authz.ActWrite)
				if ctx.Err() != nil {
					return
				}
				ts, err2 := f.svc.TenantsWhere(ctx, "u_central_reviewer", authz.ObjPlan, authz.ActReview)
				if err != nil || err2 != nil || !ok || len(ts) != 3 {
					select {
					case errs <- fmt.Sprintf("ok=%v tenants=%v err=%v/%v", ok, ts, err, err2):
					default:
					}
					return
				}
			}
		}()
		for i := 0; i < 20; i++ {
			if err := f.svc.AssignRole(ctx, "", fmt.Sprintf("x%d", i), authz.RoleLearner, "p01"); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.Reload(); err != nil {
				t.Fatal(err)
			}
		}
		cancel()
		<-done
		select {
		case e := <-errs:
			t.Fatalf("a stable decision changed during reloads: %s", e)
		default:
		}
	})
}
