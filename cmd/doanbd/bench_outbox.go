package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"doanbd/core/benchkit"
	"doanbd/core/config"
	"doanbd/core/sqldb"
	"doanbd/workflows/outbox"
	"doanbd/workflows/queue"
)

// The outbox benchmark: commit→handled throughput (unpaced) and latency at a
// steady 500 rows/s, through the real relay and worker with the production
// settings (relayOptions, workerConfig), against raw Asynq Enqueue→handler on
// the same Redis as the baseline.

const (
	benchOutboxKind = "bench:outbox"
	benchTxKind     = "bench:outbox-tx"
	benchRawKind    = "bench:raw"
	benchDualKind   = "bench:dual"
	benchRate       = 500 // rows per second for the latency run
	benchProducers  = 8   // goroutines committing (or enqueueing) for the throughput run
)

// outboxResult is one side of the comparison.
type outboxResult struct {
	throughput float64 // handled per second, unpaced
	p50, p99   time.Duration
	n, paced   int
	// txThroughput is the outbox's throughput with a TxHandler (outbox side only).
	txThroughput float64
}

func (e *benchEnv) outboxSizes() (n int, paced time.Duration) {
	if e.quick {
		return 300, 600 * time.Millisecond
	}
	return 10000, 10 * time.Second
}

func (e *benchEnv) benchOutbox(ctx context.Context) ([]benchkit.Row, error) {
	var rows []benchkit.Row
	pgRows, err := e.outboxTarget(ctx, true)
	if err != nil {
		pgRows = outboxSkipped("outbox · PostgreSQL + Redis", err)
	}
	rows = append(rows, pgRows...)
	liteRows, err := e.outboxTarget(ctx, false)
	if err != nil {
		liteRows = outboxSkipped("outbox · SQLite + embedded queue", err)
	}
	return append(rows, liteRows...), nil
}

func outboxSkipped(name string, err error) []benchkit.Row {
	return []benchkit.Row{{Benchmark: name, Figure: "throughput and lag", Skipped: err.Error()}}
}

// outboxTarget measures on PostgreSQL + redis-server (production) or on
// SQLite + the embedded queue.
func (e *benchEnv) outboxTarget(ctx context.Context, production bool) ([]benchkit.Row, error) {
	var db *sqldb.DB
	var conn asynq.RedisClientOpt
	name := "outbox · SQLite + embedded queue"
	if production {
		name = "outbox · PostgreSQL + Redis"
		pg, err := e.postgres(ctx)
		if err != nil {
			return nil, err
		}
		if err := prepareBenchDB(ctx, sqldb.Options{URL: pg.OwnerURL}); err != nil {
			return nil, err
		}
		if db, err = sqldb.Open(ctx, sqldb.Options{URL: pg.AppURL}); err != nil {
			return nil, err
		}
		addr, err := e.redisAddr()
		if err != nil {
			db.Close()
			return nil, err
		}
		conn = asynq.RedisClientOpt{Addr: addr}
	} else {
		dir, err := e.scratch("outbox-sqlite")
		if err != nil {
			return nil, err
		}
		o := sqldb.Options{Path: filepath.Join(dir, "bench.db")}
		if err := prepareBenchDB(ctx, o); err != nil {
			return nil, err
		}
		if db, err = sqldb.Open(ctx, o); err != nil {
			return nil, err
		}
		emb, err := queue.StartEmbedded()
		if err != nil {
			db.Close()
			return nil, err
		}
		defer emb.Close()
		conn = asynq.RedisClientOpt{Addr: emb.Addr()}
	}
	defer db.Close()
	// The settings of the deployment measured (workerConfig differs for the embedded queue).
	cfg := config.Default()
	if production {
		cfg.DatabaseURL, cfg.RedisURL = "postgres://bench", "redis://"+conn.Addr
	}
	rig, err := startOutboxRig(cfg, db, conn, e.log)
	if err != nil {
		return nil, err
	}
	defer rig.stop()
	n, paced := e.outboxSizes()
	fmt.Fprintf(e.log, "bench: %s: raw Asynq baseline\n", name)
	raw, err := rig.measure(ctx, n, paced, rig.enqueueRaw, benchRawKind)
	if err != nil {
		return nil, fmt.Errorf("raw asynq: %w", err)
	}
	fmt.Fprintf(e.log, "bench: %s: commit, then enqueue (no outbox)\n", name)
	dual, err := rig.measure(ctx, n, paced, rig.commitThenEnqueue, benchDualKind)
	if err != nil {
		return nil, fmt.Errorf("commit then enqueue: %w", err)
	}
	fmt.Fprintf(e.log, "bench: %s: outbox\n", name)
	ob, err := rig.measure(ctx, n, paced, rig.commitRow(benchOutboxKind), benchOutboxKind)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	fmt.Fprintf(e.log, "bench: %s: outbox, transactional handler\n", name)
	tx, err := rig.measure(ctx, n, 0, rig.commitRow(benchTxKind), benchTxKind)
	if err != nil {
		return nil, fmt.Errorf("outbox, transactional handler: %w", err)
	}
	ob.txThroughput = tx.throughput
	return outboxRows(name, production, raw, dual, ob), nil
}

// prepareBenchDB migrates (as the owner on PostgreSQL) and creates the table
// that stands for the state change committed with each job.
func prepareBenchDB(ctx context.Context, o sqldb.Options) error {
	db, err := sqldb.Open(ctx, o)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS bench_items (
		id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, created_at TIMESTAMP NOT NULL)`)
	if err != nil {
		return fmt.Errorf("create bench_items: %w", err)
	}
	return nil
}

func outboxRows(name string, production bool, raw, dual, ob outboxResult) []benchkit.Row {
	base := "raw Asynq Enqueue→handler"
	through, lag := benchkit.Goal{}, benchkit.Goal{}
	if production { // the goals are set for the production deployment
		through = benchkit.Goal{Kind: benchkit.RatioAtLeast, Limit: 0.5}
		lag = benchkit.Goal{Kind: benchkit.Below, Limit: 250}
	}
	return []benchkit.Row{
		{Benchmark: name, Figure: fmt.Sprintf("commit→handled throughput, %d rows unpaced", ob.n),
			Value: ob.throughput, Unit: "rows/s", Baseline: &benchkit.Baseline{Name: base, Value: raw.throughput}, Goal: through,
			Note: fmt.Sprintf("%d goroutines each commit one row per transaction (baseline: enqueue one task per call); "+
				"the handler is an EffectHandler doing nothing, like the baseline's: it counts when it returns, after the check that its row is not done "+
				"(the done marks are written behind it, in batches); "+
				"rate = rows / (last handled − first started)", benchProducers)},
		{Benchmark: name, Figure: fmt.Sprintf("commit→handled throughput with a transactional handler, %d rows unpaced", ob.n),
			Value: ob.txThroughput, Unit: "rows/s", Baseline: &benchkit.Baseline{Name: base, Value: raw.throughput},
			Note: "as above with a TxHandler: every job also runs one transaction of its own (the handler's database effects and the row's done mark, exactly once)"},
		{Benchmark: name, Figure: fmt.Sprintf("p99 commit→handled lag at %d rows/s (%d rows)", benchRate, ob.paced),
			Value: benchkit.Ms(ob.p99), Unit: "ms", Baseline: &benchkit.Baseline{Name: base, Value: benchkit.Ms(raw.p99)}, Goal: lag,
			Note: "from just before the commit (enqueue) to the handler's return"},
		{Benchmark: name, Figure: fmt.Sprintf("median lag at %d rows/s", benchRate),
			Value: benchkit.Ms(ob.p50), Unit: "ms", Baseline: &benchkit.Baseline{Name: base, Value: benchkit.Ms(raw.p50)}},
		{Benchmark: name, Figure: fmt.Sprintf("throughput vs committing the same change, then enqueueing (%d rows)", ob.n),
			Value: ob.throughput, Unit: "rows/s", Baseline: &benchkit.Baseline{Name: "commit, then Enqueue", Value: dual.throughput},
			Note: "the outbox's own cost: both sides commit one bench_items row per transaction; the baseline enqueues after the commit " +
				"(and would lose the job if the process died in between)"},
		{Benchmark: name, Figure: fmt.Sprintf("p99 lag vs committing, then enqueueing, at %d rows/s", benchRate),
			Value: benchkit.Ms(ob.p99), Unit: "ms", Baseline: &benchkit.Baseline{Name: "commit, then Enqueue", Value: benchkit.Ms(dual.p99)}},
	}
}

// outboxRig is a relay and an Asynq server set up as in production, with
// handlers for both kinds that report to the current tracker.
type outboxRig struct {
	db     *sqldb.DB
	client *asynq.Client
	insp   *asynq.Inspector
	srv    *asynq.Server
	worker *outbox.Worker
	cancel context.CancelFunc
	done   chan struct{}
	log    io.Writer
	track  atomic.Pointer[tracker]
	sent   sync.Map // outbox row id → time.Time, filled by the TxHandler
}

type sentAt struct {
	T int64 `json:"t"` // UnixNano just before the commit or enqueue
}

func startOutboxRig(cfg config.Config, db *sqldb.DB, conn asynq.RedisClientOpt, log io.Writer) (*outboxRig, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := &outboxRig{db: db, client: asynq.NewClient(conn), insp: asynq.NewInspector(conn), done: make(chan struct{}), log: log}
	m := outbox.NewMetrics(nil)
	w := outbox.NewWorker(db, quiet, m)
	record := func(d outbox.Delivery) error {
		var s sentAt
		if err := d.Decode(&s); err != nil {
			return err
		}
		r.sent.Store(d.ID, time.Unix(0, s.T))
		return nil
	}
	w.HandleEffect(benchOutboxKind, func(_ context.Context, d outbox.Delivery) error { return record(d) })
	w.HandleTx(benchTxKind, func(_ context.Context, _ bun.Tx, d outbox.Delivery) error { return record(d) })
	mux := asynq.NewServeMux()
	// An outbox job counts once the worker's handler has returned (for a
	// TxHandler: once its transaction, which marks the row done, committed).
	counted := func(ctx context.Context, t *asynq.Task) error {
		if err := w.Mux().ProcessTask(ctx, t); err != nil {
			return err
		}
		id, _ := asynq.GetTaskID(ctx)
		if v, ok := r.sent.LoadAndDelete(id); ok {
			r.track.Load().handled(v.(time.Time))
		}
		return nil
	}
	mux.HandleFunc(benchOutboxKind, counted)
	mux.HandleFunc(benchTxKind, counted)
	raw := func(_ context.Context, t *asynq.Task) error {
		var s sentAt
		if err := json.Unmarshal(t.Payload(), &s); err != nil {
			return err
		}
		r.track.Load().handled(time.Unix(0, s.T))
		return nil
	}
	mux.HandleFunc(benchRawKind, raw)
	mux.HandleFunc(benchDualKind, raw)
	r.track.Store(newTracker(0))
	r.worker = w
	r.srv = asynq.NewServer(conn, workerConfig(cfg, quiet))
	if err := r.srv.Start(mux); err != nil {
		r.client.Close()
		r.insp.Close()
		return nil, fmt.Errorf("start worker: %w", err)
	}
	relay := outbox.NewRelay(db, r.client, r.insp, quiet, m, relayOptions(cfg))
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { _ = relay.Run(ctx); close(r.done) }()
	return r, nil
}

func (r *outboxRig) stop() {
	r.cancel()
	<-r.done
	r.srv.Shutdown()
	// As a worker process does on shutdown: the last done marks are written.
	fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = r.worker.Flush(fctx)
	cancel()
	r.client.Close()
	r.insp.Close()
}

// commitRow returns a producer that commits a state change (a bench_items
// row) and its outbox job of kind in one tenant transaction.
func (r *outboxRig) commitRow(kind string) func(context.Context) error {
	return func(ctx context.Context) error {
		sent := time.Now()
		return r.db.TenantTx(ctx, "tw", func(ctx context.Context, tx bun.Tx) error {
			if err := insertItem(ctx, tx, sent); err != nil {
				return err
			}
			_, err := outbox.Add(ctx, tx, outbox.Job{Kind: kind, Tenant: "tw", Payload: sentAt{T: sent.UnixNano()}})
			return err
		})
	}
}

// commitThenEnqueue commits the same state change, then enqueues the job
// straight into Asynq: the dual write the outbox replaces.
func (r *outboxRig) commitThenEnqueue(ctx context.Context) error {
	sent := time.Now()
	err := r.db.TenantTx(ctx, "tw", func(ctx context.Context, tx bun.Tx) error { return insertItem(ctx, tx, sent) })
	if err != nil {
		return err
	}
	b, err := json.Marshal(sentAt{T: sent.UnixNano()})
	if err != nil {
		return err
	}
	_, err = r.client.EnqueueContext(ctx, asynq.NewTask(benchDualKind, b), asynq.Queue(outbox.Queue))
	return err
}

func insertItem(ctx context.Context, tx bun.Tx, at time.Time) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO bench_items (id, tenant_id, created_at) VALUES (?, 'tw', ?)", sqldb.NewID(), at.UTC())
	return err
}

// enqueueRaw enqueues one task straight into Asynq.
func (r *outboxRig) enqueueRaw(ctx context.Context) error {
	b, err := json.Marshal(sentAt{T: time.Now().UnixNano()})
	if err != nil {
		return err
	}
	_, err = r.client.EnqueueContext(ctx, asynq.NewTask(benchRawKind, b), asynq.Queue(outbox.Queue))
	return err
}

// measure runs produce n times unpaced (throughput), then at benchRate for
// the paced duration (latency; none when paced is 0).
func (r *outboxRig) measure(ctx context.Context, n int, paced time.Duration, produce func(context.Context) error, kind string) (outboxResult, error) {
	res := outboxResult{n: n}
	t := newTracker(n)
	r.track.Store(t)
	start := time.Now()
	var next atomic.Int64
	errc := make(chan error, benchProducers)
	var wg sync.WaitGroup
	for p := 0; p < benchProducers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := produce(ctx); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return res, err
	}
	produced := time.Since(start)
	t.mu.Lock()
	atProduced := len(t.lags)
	t.mu.Unlock()
	last, err := t.wait(ctx, kind)
	if err != nil {
		return res, err
	}
	fmt.Fprintf(r.log, "bench:   %s: %d produced in %s (%d handled by then), handled in %s\n", kind, n, produced.Round(time.Millisecond), atProduced, last.Sub(start).Round(time.Millisecond))
	res.throughput = float64(n) / last.Sub(start).Seconds()
	if paced <= 0 {
		return res, nil
	}

	res.paced = int(paced.Seconds() * benchRate)
	t = newTracker(res.paced)
	r.track.Store(t)
	interval := time.Second / benchRate
	start = time.Now()
	for i := 0; i < res.paced; i++ {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		if err := produce(ctx); err != nil {
			return res, err
		}
	}
	if _, err := t.wait(ctx, kind); err != nil {
		return res, err
	}
	res.p50, res.p99 = benchkit.Percentile(t.lags, 50), benchkit.Percentile(t.lags, 99)
	return res, nil
}

// tracker counts handled jobs of one measurement and their lags.
type tracker struct {
	mu   sync.Mutex
	want int
	lags []time.Duration
	last time.Time
	done chan struct{}
}

func newTracker(want int) *tracker {
	return &tracker{want: want, lags: make([]time.Duration, 0, want), done: make(chan struct{})}
}

func (t *tracker) handled(sent time.Time) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lags) >= t.want {
		return
	}
	t.lags = append(t.lags, now.Sub(sent))
	t.last = now
	if len(t.lags) == t.want {
		close(t.done)
	}
}

// wait returns when every job was handled; it gives up after ten minutes.
func (t *tracker) wait(ctx context.Context, kind string) (time.Time, error) {
	select {
	case <-t.done:
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	case <-time.After(10 * time.Minute):
		t.mu.Lock()
		defer t.mu.Unlock()
		return time.Time{}, fmt.Errorf("%s: only %d of %d jobs handled after 10 minutes", kind, len(t.lags), t.want)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last, nil
}
