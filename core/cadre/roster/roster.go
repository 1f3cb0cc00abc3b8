// Package roster stores and serves a tenant's cadre roster with bun: units,
// cadres (sensitive fields encrypted, reads audited), positions, planning
// pool, transfers between tenants, diacritic-insensitive search and lists
// sorted the Vietnamese way, on SQLite and PostgreSQL.
package roster

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/cadre/seal"
	"doanbd/core/sqldb"
)

// Auditor appends an event to the audit log inside the caller's transaction,
// so the event is recorded if and only if what it records happened. The
// audit package implements it (wired in cmd/doanbd).
type Auditor interface {
	Record(ctx context.Context, tx bun.IDB, e AuditEvent) error
}

// AuditEvent is one audited action on the roster. Detail never carries the
// sensitive values themselves, only which fields were read.
type AuditEvent struct {
	Tenant   string
	Action   string // cadre.read_sensitive, cadre.lookup_cccd, cadre.delete, cadre.transfer…
	Object   string // cadre, unit, import
	ObjectID string
	Detail   any
	IP       string
}

// Service is the roster. It is safe for concurrent use.
type Service struct {
	db     *sqldb.DB
	seal   *seal.Sealer
	titles *cadre.Titles
	audit  Auditor
	now    func() time.Time
}

// New returns the roster over db. Every argument is required.
func New(db *sqldb.DB, s *seal.Sealer, titles *cadre.Titles, a Auditor) *Service {
	return &Service{db: db, seal: s, titles: titles, audit: a, now: func() time.Time { return time.Now().UTC() }}
}

// Titles is the title catalogue the roster validates against.
func (s *Service) Titles() *cadre.Titles { return s.titles }

// Sealer is the roster's encryption, shared with the import pipeline.
func (s *Service) Sealer() *seal.Sealer { return s.seal }

// DB is the roster's database, shared with the import pipeline.
func (s *Service) DB() *sqldb.DB { return s.db }

type ipKey struct{}

// WithClientIP returns ctx carrying the caller's address for audit events.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, ipKey{}, ip)
}

func clientIP(ctx context.Context) string {
	ip, _ := ctx.Value(ipKey{}).(string)
	return ip
}

// Audit records e in tx (the import pipeline's commit uses it).
func (s *Service) Audit(ctx context.Context, tx bun.IDB, e AuditEvent) error {
	return s.record(ctx, tx, e)
}

func (s *Service) record(ctx context.Context, tx bun.IDB, e AuditEvent) error {
	if e.IP == "" {
		e.IP = clientIP(ctx)
	}
	if err := s.audit.Record(ctx, tx, e); err != nil {
		return core.Internal(err, "audit "+e.Action)
	}
	return nil
}

func actor(ctx context.Context) string {
	p, _ := core.PrincipalFrom(ctx)
	return p.UserID
}

var (
	errCadreNotFound    = core.Errorf(core.ENOTFOUND, "Không tìm thấy cán bộ.")
	errUnitNotFound     = core.Errorf(core.ENOTFOUND, "Không tìm thấy đơn vị.")
	errTransferNotFound = core.Errorf(core.ENOTFOUND, "Không tìm thấy hồ sơ chuyển công tác.")
)

// notFound maps sql.ErrNoRows to e, wraps anything else as internal.
func notFound(err error, e *core.Error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return e
	}
	return core.Internal(err, what)
}

// forUpdate locks the selected rows on PostgreSQL (SQLite has one writer).
func (s *Service) forUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if s.db.Dialect == sqldb.Postgres {
		return q.For("UPDATE")
	}
	return q
}
