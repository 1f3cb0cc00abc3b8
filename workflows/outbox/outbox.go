// Package outbox is the transactional outbox: a state change and the jobs it
// causes are written in one database transaction; a relay moves the rows into
// Asynq with TaskID = row id; a worker runs the registered handler and marks
// the row done once it has finished — in the handler's own transaction for a
// TxHandler, in a batch with other finished jobs for an EffectHandler. The
// database is the source of
// truth, Redis only carries work: rows enqueued but never finished are enqueued
// again at start-up and periodically.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
)

// notDone is "the row is not done yet" in statements that name their rows by
// id. It is written so that it cannot match the predicate of the partial index
// outbox_pending (WHERE done_at IS NULL): PostgreSQL would otherwise weigh
// that index for them and, while its statistics still describe it as nearly
// empty (after a quiet spell, until autovacuum catches up), walk every pending
// row — SLA timers included — for each job instead of one primary-key lookup.
// TestIDStatementsUsePrimaryKey shows the plans.
const notDone = "COALESCE(done_at IS NULL, FALSE)"

// Row is one job in the outbox table.
type Row struct {
	bun.BaseModel `bun:"table:outbox"`

	ID         string     `bun:"id,pk"`
	TenantID   string     `bun:"tenant_id,notnull"`
	Kind       string     `bun:"kind,notnull"`
	Payload    []byte     `bun:"payload,notnull"`
	ProcessAt  *time.Time `bun:"process_at"`
	CreatedAt  time.Time  `bun:"created_at,notnull"`
	EnqueuedAt *time.Time `bun:"enqueued_at"`
	DoneAt     *time.Time `bun:"done_at"`
	Attempts   int        `bun:"attempts,notnull"`
	LastError  string     `bun:"last_error,notnull"`
}

// Job asks for Kind to run with Payload for Tenant.
type Job struct {
	Kind   string
	Tenant string
	// Payload is encoded as JSON unless it is already []byte or json.RawMessage.
	Payload any
	// ProcessAt delays the job (SLA timers); zero means now.
	ProcessAt time.Time
	// Key makes the job idempotent: a second Add with the same key, tenant and
	// kind is a no-op (the same key with another tenant or kind is an error, so
	// include what makes it unique, e.g. "p79:plan-submitted:<plan id>"). It
	// becomes the row id (and so the Asynq TaskID). Empty means a random id.
	Key string
}

// Add records job in tx, atomically with the caller's data change: if tx rolls
// back, no job exists. It returns the row id.
func Add(ctx context.Context, tx bun.IDB, job Job) (string, error) {
	ids, err := AddAll(ctx, tx, job)
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// AddAll records several jobs in tx with one statement (a transition's
// effects and timers, say) and returns their row ids in order.
func AddAll(ctx context.Context, tx bun.IDB, jobs ...Job) ([]string, error) {
	if len(jobs) == 0 {
		return nil, nil
	}
	rows := make([]Row, len(jobs))
	ids := make([]string, len(jobs))
	now := time.Now().UTC()
	for i, job := range jobs {
		r, err := newRow(job, now)
		if err != nil {
			return nil, err
		}
		rows[i], ids[i] = r, r.ID
	}
	// No RETURNING (bun would add one for the NULL columns and scan it back
	// into rows): one round trip, and rows stay as given.
	res, err := tx.NewInsert().Model(&rows).On("CONFLICT (id) DO NOTHING").Returning("NULL").Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("outbox: add %s: %w", jobs[0].Kind, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, fmt.Errorf("outbox: add %s: %w", jobs[0].Kind, err)
	}
	if int(n) < len(rows) {
		if err := checkKeys(ctx, tx, rows); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// newRow validates job and encodes it as a row.
func newRow(job Job, now time.Time) (Row, error) {
	if job.Kind == "" || job.Tenant == "" {
		return Row{}, errors.New("outbox: job needs a kind and a tenant")
	}
	var payload []byte
	switch p := job.Payload.(type) {
	case nil:
		payload = []byte("null")
	case []byte:
		payload = p
	case json.RawMessage:
		payload = p
	default:
		b, err := json.Marshal(p)
		if err != nil {
			return Row{}, fmt.Errorf("outbox: encode %s payload: %w", job.Kind, err)
		}
		payload = b
	}
	if strings.Contains(job.Key, "~") {
		return Row{}, fmt.Errorf("outbox: key %q: '~' is reserved for replacement task ids", job.Key)
	}
	id := job.Key
	if id == "" {
		id = NewID()
	}
	row := Row{ID: id, TenantID: job.Tenant, Kind: job.Kind, Payload: payload, CreatedAt: now}
	if !job.ProcessAt.IsZero() {
		at := job.ProcessAt.UTC()
		row.ProcessAt = &at
	}
	return row, nil
}

// checkKeys runs when some keys were taken already. The same job again is
// the idempotent no-op; a key reused by another tenant or kind would silently
// drop that job, so it is an error.
func checkKeys(ctx context.Context, tx bun.IDB, rows []Row) error {
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	var stored []Row
	if err := tx.NewSelect().Model(&stored).Column("id", "tenant_id", "kind").Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return fmt.Errorf("outbox: add %s: read jobs by key: %w", rows[0].Kind, err)
	}
	byID := make(map[string]Row, len(stored))
	for _, s := range stored {
		byID[s.ID] = s
	}
	for _, r := range rows {
		prev, ok := byID[r.ID]
		if !ok {
			return fmt.Errorf("outbox: add %s: job with key %q neither added nor found", r.Kind, r.ID)
		}
		if prev.TenantID != r.TenantID || prev.Kind != r.Kind {
			return fmt.Errorf("outbox: add %s for %s: key %q already used by a %s job for %s", r.Kind, r.TenantID, r.ID, prev.Kind, prev.TenantID)
		}
	}
	return nil
}

// NewID returns a random, unguessable row id.
func NewID() string { return sqldb.NewID() }
