package queue_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"doanbd/core/testenv"
	"doanbd/workflows/queue"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond until it holds; it fails the test after a generous
// deadline (a hang guard, not a timing assertion).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func embedded(t *testing.T) *queue.Embedded {
	t.Helper()
	e, err := queue.StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// backends are the two Redis servers the queue runs on.
func backends() []struct {
	name string
	conn func(t *testing.T) asynq.RedisClientOpt
} {
	return []struct {
		name string
		conn func(t *testing.T) asynq.RedisClientOpt
	}{
		{"embedded", func(t *testing.T) asynq.RedisClientOpt { return asynq.RedisClientOpt{Addr: embedded(t).Addr()} }},
		{"redis", func(t *testing.T) asynq.RedisClientOpt {
			addr, db := testenv.Redis(t)
			return asynq.RedisClientOpt{Addr: addr, DB: db}
		}},
	}
}

func rdb(t *testing.T, c asynq.RedisClientOpt) *redis.Client {
	t.Helper()
	r := redis.NewClient(&redis.Options{Addr: c.Addr, DB: c.DB})
	t.Cleanup(func() { r.Close() })
	return r
}

// The embedded server's clock follows the wall clock, so keys expire (Asynq's
// leases and our leader lock depend on it).
func TestEmbeddedExpiresKeys(t *testing.T) {
	e := embedded(t)
	r := rdb(t, asynq.RedisClientOpt{Addr: e.Addr()})
	ctx := testCtx(t)
	if err := r.Set(ctx, "k", "v", 300*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	if err := r.Set(ctx, "keep", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the key to expire", func() bool { return errors.Is(r.Get(ctx, "k").Err(), redis.Nil) })
	if v, err := r.Get(ctx, "keep").Result(); err != nil || v != "v" {
		t.Fatalf("key without TTL: %q, %v", v, err)
	}
}

// A new embedded server on a closed one's address is empty: a restart that
// lost the in-process queue. Clients reconnect to it by themselves.
func TestEmbeddedRestartOnSameAddress(t *testing.T) {
	e := embedded(t)
	addr := e.Addr()
	r := rdb(t, asynq.RedisClientOpt{Addr: addr})
	ctx := testCtx(t)
	if err := r.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	e.Close()
	e.Close() // twice is harmless
	if err := r.Ping(ctx).Err(); err == nil {
		t.Fatal("PING answered by a closed server")
	}
	e2, err := queue.StartEmbeddedAddr(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e2.Close)
	if e2.Addr() != addr {
		t.Fatalf("restarted on %s, want %s", e2.Addr(), addr)
	}
	if err := r.Get(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("data survived the restart: %v", err)
	}
}

// Asynq runs a task end to end on both servers.
func TestAsynqRoundTrip(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			conn := b.conn(t)
			client := asynq.NewClient(conn)
			t.Cleanup(func() { client.Close() })
			got := make(chan string, 1)
			srv := asynq.NewServer(conn, asynq.Config{Concurrency: 2, Logger: queue.Logger(slog.Default()), LogLevel: asynq.WarnLevel})
			mux := asynq.NewServeMux()
			mux.HandleFunc("echo", func(_ context.Context, task *asynq.Task) error {
				got <- string(task.Payload())
				return nil
			})
			if err := srv.Start(mux); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Shutdown)
			if _, err := client.Enqueue(asynq.NewTask("echo", []byte("xin chào")), asynq.TaskID("t1")); err != nil {
				t.Fatal(err)
			}
			if _, err := client.Enqueue(asynq.NewTask("echo", nil), asynq.TaskID("t1")); !errors.Is(err, asynq.ErrTaskIDConflict) {
				t.Fatalf("same TaskID twice: %v, want ErrTaskIDConflict", err)
			}
			select {
			case p := <-got:
				if p != "xin chào" {
					t.Fatalf("payload %q", p)
				}
			case <-testCtx(t).Done():
				t.Fatal("task not handled")
			}
			insp := asynq.NewInspector(conn)
			t.Cleanup(func() { insp.Close() })
			if err := queue.Ping(testCtx(t), insp); err != nil {
				t.Fatalf("Ping: %v", err)
			}
		})
	}
}

func TestPingFails(t *testing.T) {
	e, err := queue.StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: e.Addr(), DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { insp.Close() })
	e.Close()
	if err := queue.Ping(testCtx(t), insp); err == nil {
		t.Fatal("Ping succeeded against a stopped server")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := queue.Ping(ctx, insp); err == nil {
		t.Fatal("Ping succeeded with a cancelled context")
	}
}

func TestConnOpt(t *testing.T) {
	for _, tc := range []struct {
		url  string
		ok   bool
		addr string
		db   int
	}{
		{"redis://127.0.0.1:6379/3", true, "127.0.0.1:6379", 3},
		{"redis://:secret@redis.internal:6380", true, "redis.internal:6380", 0},
		{"rediss://redis.internal:6380/1", true, "redis.internal:6380", 1},
		{"redis-sentinel://s1:26379,s2:26379?master=mymaster", true, "", 0},
		{"http://127.0.0.1:6379", false, "", 0},
		{"redis://127.0.0.1:6379/notanumber", false, "", 0},
	} {
		opt, err := queue.ConnOpt(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.url, err, tc.ok)
			continue
		}
		if c, isClient := opt.(asynq.RedisClientOpt); isClient && (c.Addr != tc.addr || c.DB != tc.db) {
			t.Errorf("%s: addr %s db %d, want %s %d", tc.url, c.Addr, c.DB, tc.addr, tc.db)
		}
		if _, isSentinel := opt.(asynq.RedisFailoverClientOpt); isSentinel != (tc.ok && tc.addr == "") {
			t.Errorf("%s: got %T", tc.url, opt)
		}
	}
}

type runningScheduler struct {
	s      *queue.Scheduler
	cancel context.CancelFunc
	done   chan error
}

func startScheduler(t *testing.T, conn asynq.RedisConnOpt) *runningScheduler {
	t.Helper()
	s, err := queue.NewScheduler(conn, slog.Default(), []queue.Periodic{{Cron: "@every 1h", Task: asynq.NewTask("tick", nil)}})
	if err != nil {
		t.Fatal(err)
	}
	// Short enough for a quick test, long enough that a loaded machine (race
	// detector, parallel builds) does not stall a renewal past it.
	s.WithLease(3 * time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningScheduler{s: s, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

func (r *runningScheduler) stop() {
	r.cancel()
	<-r.done
	r.done <- nil // later stops return at once
}

// waitLeading returns the next leadership report, or fails.
func waitLeading(t *testing.T, r *runningScheduler) bool {
	t.Helper()
	select {
	case v := <-r.s.Leading():
		return v
	case <-time.After(30 * time.Second):
		t.Fatal("no leadership report")
		return false
	}
}

// Two schedulers on one Redis: only one runs the schedule; when it stops the
// other takes over; when the lock is taken from a leader it stands down.
func TestSchedulerSingleLeader(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			conn := b.conn(t)
			r := rdb(t, conn)
			ctx := testCtx(t)
			a := startScheduler(t, conn)
			if !waitLeading(t, a) {
				t.Fatal("first scheduler reported not leading")
			}
			other := startScheduler(t, conn)
			// The standby never reports leadership while the leader renews: a
			// report here would be a second running schedule.
			owner, err := r.Get(ctx, "doanbd:scheduler:leader").Result()
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 5; i++ { // several renewal periods (every second)
				select {
				case v := <-other.s.Leading():
					t.Fatalf("standby reported leading=%v while the first leads", v)
				case <-time.After(time.Second):
				}
				if now, err := r.Get(ctx, "doanbd:scheduler:leader").Result(); err != nil || now != owner {
					t.Fatalf("lock holder changed from %s to %s (%v) while the leader runs", owner, now, err)
				}
			}

			a.stop() // releases the lock
			if !waitLeading(t, other) {
				t.Fatal("standby did not take over")
			}
			if now, _ := r.Get(ctx, "doanbd:scheduler:leader").Result(); now == owner || now == "" {
				t.Fatalf("lock still held by the stopped leader (%q)", now)
			}

			// Someone else takes the lock (the leader was paused past its
			// lease): the old leader notices on renewal and stops its schedule.
			if err := r.Set(ctx, "doanbd:scheduler:leader", "intruder", time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
			if waitLeading(t, other) {
				t.Fatal("leader kept running after losing its lock")
			}
			if err := r.Del(ctx, "doanbd:scheduler:leader").Err(); err != nil {
				t.Fatal(err)
			}
			if !waitLeading(t, other) {
				t.Fatal("scheduler did not lead again once the lock was free")
			}
			other.stop()
			if n, err := r.Exists(ctx, "doanbd:scheduler:leader").Result(); err != nil || n != 0 {
				t.Fatalf("lock left behind after the last scheduler stopped: %d, %v", n, err)
			}
		})
	}
}

// The leader's schedule really runs: its periodic task reaches the queue.
func TestSchedulerEnqueues(t *testing.T) {
	conn := asynq.RedisClientOpt{Addr: embedded(t).Addr()}
	s, err := queue.NewScheduler(conn, slog.Default(), []queue.Periodic{{Cron: "@every 1s", Task: asynq.NewTask("tick", nil)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	insp := asynq.NewInspector(conn)
	t.Cleanup(func() { insp.Close() })
	eventually(t, "a periodic task", func() bool {
		tasks, err := insp.ListPendingTasks("default")
		return err == nil && len(tasks) > 0 && tasks[0].Type == "tick"
	})
}
