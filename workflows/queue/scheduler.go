package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// leaderKey is held by the one scheduler allowed to run. Asynq enqueues every
// periodic task once per running scheduler, so a second scheduler would
// duplicate work: the others wait as standbys and take over if the leader dies.
const leaderKey = "doanbd:scheduler:leader"

// defaultLease is how long the leader lock lives without renewal: a leader
// that dies is replaced within about this long. It is renewed every third of it.
const defaultLease = 15 * time.Second

// Periodic is a task enqueued on a cron spec.
type Periodic struct {
	Cron string
	Task *asynq.Task
	Opts []asynq.Option
}

// Scheduler runs Asynq's scheduler only while it holds the leader lock in Redis.
type Scheduler struct {
	conn    asynq.RedisConnOpt
	rdb     redis.UniversalClient
	log     *slog.Logger
	tasks   []Periodic
	id      string
	lease   time.Duration
	leading chan bool
}

// NewScheduler returns a scheduler for tasks.
func NewScheduler(conn asynq.RedisConnOpt, log *slog.Logger, tasks []Periodic) (*Scheduler, error) {
	rdb, ok := conn.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return nil, errors.New("scheduler: unsupported redis connection")
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Scheduler{conn: conn, rdb: rdb, log: log.With("component", "scheduler"), tasks: tasks,
		id: hex.EncodeToString(b[:]), lease: defaultLease, leading: make(chan bool, 1)}, nil
}

// WithLease sets the leader lock's lifetime (default 15 s); call before Run.
// Shorter means faster take-over after a crash and more Redis round trips.
func (s *Scheduler) WithLease(d time.Duration) *Scheduler {
	if d >= 30*time.Millisecond {
		s.lease = d
	}
	return s
}

// renew extends the lock only if this scheduler still holds it.
var renew = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`)

// release deletes the lock only if this scheduler holds it.
var release = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`)

// Leading reports leadership changes (buffered; for tests and logs).
func (s *Scheduler) Leading() <-chan bool { return s.leading }

// Run waits for the leader lock, runs the schedule while holding it, and
// returns when ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	defer s.rdb.Close()
	tick := time.NewTicker(s.lease / 3)
	defer tick.Stop()
	var sched *asynq.Scheduler
	stop := func() {
		if sched != nil {
			sched.Shutdown()
			sched = nil
			s.notify(false)
		}
	}
	defer func() {
		stop()
		_ = release.Run(context.Background(), s.rdb, []string{leaderKey}, s.id).Err()
	}()
	for {
		if sched == nil {
			ok, err := s.rdb.SetNX(ctx, leaderKey, s.id, s.lease).Result()
			if err != nil && ctx.Err() == nil {
				s.log.Warn("scheduler lock", "err", err)
			}
			if ok {
				if sched, err = s.start(); err != nil {
					return err
				}
				s.log.Info("this process runs the scheduler", "tasks", len(s.tasks))
				s.notify(true)
			}
		} else {
			n, err := renew.Run(ctx, s.rdb, []string{leaderKey}, s.id, s.lease.Milliseconds()).Int()
			if (err != nil || n == 0) && ctx.Err() == nil {
				s.log.Warn("scheduler lost its lock; standing by", "err", err)
				stop()
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// start registers the periodic tasks on a new Asynq scheduler and starts it.
func (s *Scheduler) start() (*asynq.Scheduler, error) {
	sched := asynq.NewScheduler(s.conn, &asynq.SchedulerOpts{Location: time.UTC, Logger: Logger(s.log)})
	for _, p := range s.tasks {
		if _, err := sched.Register(p.Cron, p.Task, p.Opts...); err != nil {
			return nil, fmt.Errorf("scheduler: register %s: %w", p.Task.Type(), err)
		}
	}
	if err := sched.Start(); err != nil {
		return nil, fmt.Errorf("scheduler start: %w", err)
	}
	return sched, nil
}

func (s *Scheduler) notify(v bool) {
	select {
	case s.leading <- v:
	default:
		select {
		case <-s.leading:
		default:
		}
		s.leading <- v
	}
}
