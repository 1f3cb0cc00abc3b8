// Package outbox is the transactional outbox: a state change and the jobs it
// causes are written in one database transaction; a relay moves the rows into
// Asynq with TaskID = row id; a worker runs the registered handler and marks
// the row done in the handler's own transaction. The database is the source of
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
	if job.Kind == "" || job.Tenant == "" {
		return "", errors.New("outbox: job needs a kind and a tenant")
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
			return "", fmt.Errorf("outbox: encode %s payload: %w", job.Kind, err)
		}
		payload = b
	}
	if strings.Contains(job.Key, "~") {
		return "", fmt.Errorf("outbox: key %q: '~' is reserved for replacement task ids", job.Key)
	}
	id := job.Key
	if id == "" {
		id = NewID()
	}
	row := &Row{ID: id, TenantID: job.Tenant, Kind: job.Kind, Payload: payload, CreatedAt: time.Now().UTC()}
	if !job.ProcessAt.IsZero() {
		at := job.ProcessAt.UTC()
		row.ProcessAt = &at
	}
	res, err := tx.NewInsert().Model(row).On("CONFLICT (id) DO NOTHING").Exec(ctx)
	if err != nil {
		return "", fmt.Errorf("outbox: add %s: %w", job.Kind, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return "", fmt.Errorf("outbox: add %s: %w", job.Kind, err)
	} else if n == 0 {
		// The key is taken. The same job again is the idempotent no-op; a key
		// reused by another tenant or kind would silently drop this job.
		var prev Row
		if err := tx.NewSelect().Model(&prev).Column("tenant_id", "kind").Where("id = ?", id).Scan(ctx); err != nil {
			return "", fmt.Errorf("outbox: add %s: read job with key %q: %w", job.Kind, id, err)
		}
		if prev.TenantID != job.Tenant || prev.Kind != job.Kind {
			return "", fmt.Errorf("outbox: add %s for %s: key %q already used by a %s job for %s", job.Kind, job.Tenant, id, prev.Kind, prev.TenantID)
		}
	}
	return id, nil
}

// NewID returns a random, unguessable row id.
func NewID() string { return sqldb.NewID() }
