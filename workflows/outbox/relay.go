package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
)

// Queue is the Asynq queue that carries outbox jobs.
const Queue = "default"

// RelayOptions tunes the relay.
type RelayOptions struct {
	Poll       time.Duration // how often to look for new rows (default 50ms)
	Batch      int           // rows per pass (default 500)
	StaleAfter time.Duration // re-enqueue rows enqueued this long ago and not done (default 2m)
	Retention  time.Duration // delete done rows older than this (default 7 days)
	MaxRetry   int           // Asynq retries per job (default 25)
}

// Relay moves outbox rows into Asynq. On PostgreSQL several relays may run
// (rows are claimed with FOR UPDATE SKIP LOCKED); on SQLite run exactly one.
type Relay struct {
	db      *sqldb.DB
	client  *asynq.Client
	insp    *asynq.Inspector
	log     *slog.Logger
	metrics *Metrics
	opt     RelayOptions
	kick    chan struct{}
}

// NewRelay returns a relay; call Run to start it.
func NewRelay(db *sqldb.DB, client *asynq.Client, insp *asynq.Inspector, log *slog.Logger, m *Metrics, opt RelayOptions) *Relay {
	if opt.Poll <= 0 {
		opt.Poll = 50 * time.Millisecond
	}
	if opt.Batch <= 0 {
		opt.Batch = 500
	}
	if opt.StaleAfter <= 0 {
		opt.StaleAfter = 2 * time.Minute
	}
	if opt.Retention <= 0 {
		opt.Retention = 7 * 24 * time.Hour
	}
	if opt.MaxRetry <= 0 {
		opt.MaxRetry = 25
	}
	return &Relay{db: db, client: client, insp: insp, log: log.With("component", "outbox-relay"), metrics: m, opt: opt, kick: make(chan struct{}, 1)}
}

// Kick wakes the relay early (call after committing rows; optional).
func (r *Relay) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends. It first re-enqueues every row that was enqueued
// but never finished (the in-process queue may have been lost), then polls.
func (r *Relay) Run(ctx context.Context) error {
	recovered := false // the start-up requeue has succeeded
	maint := time.NewTicker(r.opt.StaleAfter / 4)
	defer maint.Stop()
	var backoff time.Duration
	for {
		if !recovered {
			n, err := r.Requeue(ctx, 0)
			switch {
			case ctx.Err() != nil:
				return nil
			case err != nil:
				r.log.Warn("start-up requeue failed; will retry", "err", err)
			default:
				recovered = true
				if n > 0 {
					r.log.Info("re-enqueued unfinished outbox rows", "rows", n)
				}
			}
		}
		n, err := r.Pump(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			backoff = min(max(2*backoff, 200*time.Millisecond), 5*time.Second)
			r.log.Warn("outbox relay pass failed", "err", err, "retry_in", backoff)
		case n == r.opt.Batch:
			backoff = 0
			continue // more waiting: go again at once
		default:
			backoff = 0
		}
		wait := r.opt.Poll
		switch {
		case backoff > 0:
			wait = backoff
		case n > 0:
			// Rows are coming in: look again sooner, so a row committed just
			// after this pass waits a fraction of Poll (idle looks stay at Poll).
			wait = max(r.opt.Poll/4, time.Millisecond)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.kick:
		case <-time.After(wait):
		case <-maint.C:
			if _, err := r.Requeue(ctx, r.opt.StaleAfter); err != nil {
				r.log.Warn("outbox requeue failed", "err", err)
			}
			if err := r.metrics.refresh(ctx, r.db); err != nil {
				r.log.Warn("outbox metrics failed", "err", err)
			}
		}
	}
}

// Pump enqueues one batch of new rows and returns how many it handled.
func (r *Relay) Pump(ctx context.Context) (int, error) {
	return r.pass(ctx, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("enqueued_at IS NULL")
	})
}

// Requeue enqueues again rows enqueued longer than age ago and not done.
// A row whose task still exists in Asynq (pending, scheduled, retrying or
// running) is left alone; a task Asynq gave up on is replaced. With age > 0
// (the periodic check) only rows that are due are checked: a delayed job
// (an SLA timer) waits in Asynq's schedule, and checking thousands of them
// every few minutes would be wasted; if Redis lost it, it is found once due.
// Age 0 (start-up, when the in-process queue may be gone) checks every row.
func (r *Relay) Requeue(ctx context.Context, age time.Duration) (int, error) {
	now := time.Now().UTC()
	cutoff := now.Add(-age)
	total := 0
	for {
		n, err := r.pass(ctx, func(q *bun.SelectQuery) *bun.SelectQuery {
			q = q.Where("enqueued_at IS NOT NULL AND enqueued_at <= ?", cutoff)
			if age > 0 {
				q = q.Where("(process_at IS NULL OR process_at <= ?)", now)
			}
			return q
		})
		total += n
		if err != nil || n < r.opt.Batch {
			return total, err
		}
	}
}

// pass claims a batch of rows, enqueues them, and gives back the ones it could
// not enqueue. The claim (enqueued_at = now) is one statement that commits
// before any Redis call, so no database lock — SQLite's single writer,
// PostgreSQL row locks that handlers wait on — is held while talking to Redis.
// A relay that dies between claim and enqueue leaves rows that look enqueued:
// the periodic requeue finds them after StaleAfter, and Asynq's TaskID keeps a
// second enqueue from duplicating.
func (r *Relay) pass(ctx context.Context, filter func(*bun.SelectQuery) *bun.SelectQuery) (int, error) {
	if r.db.Dialect == sqldb.SQLite {
		// Most passes find nothing: look on the reader first, so an idle relay
		// does not take SQLite's write lock several times a second. (On
		// PostgreSQL the claim that finds nothing costs no more than the look.)
		found, err := filter(r.db.Read.NewSelect().Model((*Row)(nil)).Where("done_at IS NULL")).Limit(1).Exists(ctx)
		if err != nil {
			return 0, fmt.Errorf("look for outbox rows: %w", err)
		} else if !found {
			return 0, nil
		}
	}
	claim := filter(r.db.NewSelect().Model((*Row)(nil)).Column("id").Where("done_at IS NULL")).
		OrderExpr("created_at").Limit(int64(r.opt.Batch))
	if r.db.Dialect == sqldb.Postgres {
		claim = claim.For("UPDATE SKIP LOCKED") // several relays claim disjoint rows
	}
	var rows []Row
	err := r.db.NewUpdate().Model((*Row)(nil)).Set("enqueued_at = ?", time.Now().UTC()).
		Where("id IN (?)", claim).Returning("*").Scan(ctx, &rows)
	if err != nil {
		return 0, fmt.Errorf("claim outbox rows: %w", err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	slices.SortFunc(rows, func(a, b Row) int { return a.CreatedAt.Compare(b.CreatedAt) })
	sent, unsent, firstErr := r.enqueueAll(ctx, rows)
	r.metrics.relayed.Add(float64(sent))
	if len(unsent) > 0 {
		if err := r.release(ctx, unsent); err != nil {
			firstErr = errors.Join(firstErr, err)
		}
	}
	return sent, firstErr
}

// enqueueWorkers is how many rows of a batch are enqueued at once: each
// enqueue is a Redis round trip, and one at a time would bound the relay to a
// few thousand rows a second and delay the last rows of a batch. Asynq's
// client pool holds 10 connections per CPU, so 16 fit on the smallest machine.
const enqueueWorkers = 16

// enqueueAll enqueues rows concurrently and stops at the first failure (Redis
// is likely down). It returns how many were sent and the ids of the others.
func (r *Relay) enqueueAll(ctx context.Context, rows []Row) (sent int, unsent []string, firstErr error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	orphans := r.orphanCache()
	ok := make([]bool, len(rows))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, enqueueWorkers)
	for i := range rows {
		sem <- struct{}{}
		if ctx.Err() != nil {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := r.enqueue(ctx, &rows[i], orphans); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				cancel()
				return
			}
			ok[i] = true
		}()
	}
	wg.Wait()
	for i := range rows {
		if ok[i] {
			sent++
		} else {
			unsent = append(unsent, rows[i].ID)
		}
	}
	return sent, unsent, firstErr
}

// release marks rows not enqueued, so the next Pump tries them again (if
// this fails too, the periodic requeue finds them once they are stale).
func (r *Relay) release(ctx context.Context, ids []string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return r.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model((*Row)(nil)).Set("enqueued_at = NULL").
			Where("id IN (?)", bun.In(ids)).Where(notDone).Exec(ctx); err != nil {
			return fmt.Errorf("release unsent outbox rows: %w", err)
		}
		return nil
	})
}

// maxGeneration bounds the replacement tasks of one row (see enqueue).
const maxGeneration = 3

// taskID is the Asynq task id of generation gen of a row: the row id itself,
// then row id + "~1", "~2", … for replacements of orphaned tasks.
func taskID(rowID string, gen int) string {
	if gen == 0 {
		return rowID
	}
	return rowID + "~" + strconv.Itoa(gen)
}

// enqueue puts row into Asynq unless a live task for it is there already.
//
// The task id is the row id, so enqueueing twice is refused by Asynq and the
// existing task is inspected instead: a pending, scheduled, retrying or running
// task is left alone; one that Asynq archived (retries exhausted) is replaced.
// A task stuck "active" whose lease has expired — its worker died (SIGKILL,
// lost node) or Asynq lost track of it — is orphaned: Asynq cannot delete it
// and its own recovery may take minutes, so the row gets a replacement task
// with the next generation's id. Whichever copy runs second finds the row done
// and does nothing, so a row's effect still happens once.
func (r *Relay) enqueue(ctx context.Context, row *Row, orphans func() (map[string]bool, error)) error {
	env, err := json.Marshal(envelope{ID: row.ID, Tenant: row.TenantID, Payload: row.Payload})
	if err != nil {
		return fmt.Errorf("encode envelope %s: %w", row.ID, err)
	}
	opts := []asynq.Option{asynq.Queue(Queue), asynq.MaxRetry(r.opt.MaxRetry)}
	if row.ProcessAt != nil && row.ProcessAt.After(time.Now()) {
		opts = append(opts, asynq.ProcessAt(*row.ProcessAt))
	}
	for gen := 0; gen <= maxGeneration; gen++ {
		id := taskID(row.ID, gen)
		task := asynq.NewTask(row.Kind, env)
		_, err := r.client.EnqueueContext(ctx, task, append(opts, asynq.TaskID(id))...)
		if err == nil {
			if gen > 0 {
				r.log.Info("replaced an orphaned task of an unfinished outbox row", "id", row.ID, "task", id)
			}
			return nil
		}
		if !errors.Is(err, asynq.ErrTaskIDConflict) {
			return fmt.Errorf("enqueue %s: %w", id, err)
		}
		next, err := r.resolveConflict(ctx, id, task, opts, orphans)
		if err != nil || !next {
			return err
		}
	}
	r.log.Warn("outbox row has only orphaned tasks; leaving it to Asynq's recovery", "id", row.ID)
	return nil
}

// resolveConflict handles an existing task with the id the relay wanted: it
// leaves a live task alone, replaces a dead one under the same id, and reports
// next=true when the task is orphaned and the next generation should be tried.
func (r *Relay) resolveConflict(ctx context.Context, id string, task *asynq.Task, opts []asynq.Option,
	orphans func() (map[string]bool, error)) (next bool, err error) {
	info, err := r.insp.GetTaskInfo(Queue, id)
	if errors.Is(err, asynq.ErrTaskNotFound) {
		return false, nil // finished meanwhile; a later pass enqueues again if the row is still not done
	} else if err != nil {
		return false, fmt.Errorf("inspect task %s: %w", id, err)
	}
	switch info.State {
	case asynq.TaskStateActive:
		o, err := orphans()
		if err != nil {
			return false, err
		}
		return o[id], nil
	case asynq.TaskStateArchived, asynq.TaskStateCompleted:
	default:
		return false, nil // pending, scheduled, retry, aggregating: it will run
	}
	if err := r.insp.DeleteTask(Queue, id); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
		return false, fmt.Errorf("delete dead task %s: %w", id, err)
	}
	if _, err := r.client.EnqueueContext(ctx, task, append(opts, asynq.TaskID(id))...); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return false, fmt.Errorf("re-enqueue %s: %w", id, err)
	}
	r.log.Info("replaced dead task of an unfinished outbox row", "task", id, "state", info.State.String())
	return false, nil
}

// orphanCache returns a function that lists, once per pass, the ids of active
// tasks whose lease has expired (no worker has renewed it for 30 s).
func (r *Relay) orphanCache() func() (map[string]bool, error) {
	var mu sync.Mutex
	var set map[string]bool
	return func() (map[string]bool, error) {
		mu.Lock()
		defer mu.Unlock()
		if set != nil {
			return set, nil
		}
		found := map[string]bool{}
		const size = 500
		for page := 1; ; page++ {
			tasks, err := r.insp.ListActiveTasks(Queue, asynq.PageSize(size), asynq.Page(page))
			if errors.Is(err, asynq.ErrQueueNotFound) {
				break
			} else if err != nil {
				return nil, fmt.Errorf("list active tasks: %w", err)
			}
			for _, t := range tasks {
				if t.IsOrphaned {
					found[t.ID] = true
				}
			}
			if len(tasks) < size {
				break
			}
		}
		set = found
		return set, nil
	}
}

// Purge deletes done rows older than the retention period.
func (r *Relay) Purge(ctx context.Context) error {
	cutoff := time.Now().UTC().Add(-r.opt.Retention)
	return r.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDelete().Model((*Row)(nil)).Where("done_at IS NOT NULL AND done_at < ?", cutoff).Exec(ctx)
		if err != nil {
			return fmt.Errorf("purge outbox: %w", err)
		}
		return nil
	})
}
