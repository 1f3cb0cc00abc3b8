// Package audit is the append-only, hash-chained audit log. Every row carries
// the hash of the row before it in its tenant's chain, so changing, inserting
// or removing a row is detected by Verify (and `doanbd audit verify`).
//
// Appends happen inside the caller's transaction, together with the change
// they record: if the change rolls back, so does its audit row.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"doanbd/core"
	"doanbd/core/sqldb"
)

// Platform is the chain of events that belong to no tenant (a failed login for
// an unknown account, a platform setting).
const Platform = "-"

// Entry is one event to record.
type Entry struct {
	// Tenant selects the chain: the tenant the event belongs to, or Platform.
	Tenant string
	// ActorID and ActorEmail identify who acted; when both are empty Append
	// takes them from the principal in ctx.
	ActorID    string
	ActorEmail string
	// Action names what happened: "tenant.create", "auth.login", "role.grant"…
	Action string
	// Object and ObjectID name what it happened to (Object as in Casbin).
	Object   string
	ObjectID string
	// Detail is encoded as JSON (nil is {}); never put secrets or sensitive
	// personal data here.
	Detail any
	// IP is the client address, when the event comes from a request.
	IP string
}

// Record is a stored audit row.
type Record struct {
	bun.BaseModel `bun:"table:audit_log"`

	Tenant     string          `bun:"tenant_id,pk" json:"tenant"`
	Seq        int64           `bun:"seq,pk" json:"seq"`
	ID         string          `bun:"id,notnull" json:"id"`
	At         time.Time       `bun:"at,notnull" json:"at"`
	ActorID    string          `bun:"actor_id,notnull" json:"actor_id"`
	ActorEmail string          `bun:"actor_email,notnull" json:"actor_email"`
	Action     string          `bun:"action,notnull" json:"action"`
	Object     string          `bun:"object,notnull" json:"object"`
	ObjectID   string          `bun:"object_id,notnull" json:"object_id"`
	Detail     json.RawMessage `bun:"detail,type:text,notnull" json:"detail"`
	IP         string          `bun:"ip,notnull" json:"ip"`
	PrevHash   string          `bun:"prev_hash,notnull" json:"prev_hash"`
	Hash       string          `bun:"hash,notnull" json:"hash"`
}

// head is the newest row of a chain.
type head struct {
	bun.BaseModel `bun:"table:audit_heads"`

	Tenant string `bun:"tenant_id,pk"`
	Seq    int64  `bun:"seq,notnull"`
	Hash   string `bun:"hash,notnull"`
}

// timeLayout is the canonical form of At in the hash: UTC, microseconds (the
// precision both databases keep).
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Append records e in tx, as the next link of its tenant's chain. On
// PostgreSQL tx must be scoped to e.Tenant (sqldb.TenantTx, or
// ConsolidationTx including it; TenantTx(ctx, audit.Platform, …) for platform
// events) because audit_log has row-level security.
//
// Appends to one chain serialize: PostgreSQL takes a transaction-scoped
// advisory lock on the chain before reading its head; SQLite has one writer.
// Use the default READ COMMITTED isolation: under REPEATABLE READ a
// concurrent append makes this one fail instead of waiting.
func Append(ctx context.Context, tx bun.IDB, e Entry) error {
	if e.Tenant == "" || e.Action == "" {
		return errors.New("audit: an entry needs a tenant and an action")
	}
	if e.ActorID == "" && e.ActorEmail == "" {
		if p, ok := core.PrincipalFrom(ctx); ok {
			e.ActorID, e.ActorEmail = p.UserID, p.Email
		}
	}
	detail := []byte("{}")
	if e.Detail != nil {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return fmt.Errorf("audit: encode detail of %s: %w", e.Action, err)
		}
		detail = b
	}
	if tx.Dialect().Name() == dialect.PG {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext(?))", "audit:"+e.Tenant); err != nil {
			return fmt.Errorf("audit: lock chain %s: %w", e.Tenant, err)
		}
	}
	var h head
	err := tx.NewSelect().Model(&h).Where("tenant_id = ?", e.Tenant).Scan(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) { // no head: an empty chain
		return fmt.Errorf("audit: read head of chain %s: %w", e.Tenant, err)
	}
	r := &Record{
		Tenant: e.Tenant, Seq: h.Seq + 1, ID: sqldb.NewID(), At: time.Now().UTC().Truncate(time.Microsecond),
		ActorID: e.ActorID, ActorEmail: e.ActorEmail, Action: e.Action, Object: e.Object, ObjectID: e.ObjectID,
		Detail: detail, IP: e.IP, PrevHash: h.Hash,
	}
	r.Hash = r.computeHash()
	if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
		return fmt.Errorf("audit: append to chain %s (on PostgreSQL the transaction must be scoped to it): %w", e.Tenant, err)
	}
	next := &head{Tenant: e.Tenant, Seq: r.Seq, Hash: r.Hash}
	if _, err := tx.NewInsert().Model(next).
		On("CONFLICT (tenant_id) DO UPDATE").Set("seq = EXCLUDED.seq, hash = EXCLUDED.hash").Exec(ctx); err != nil {
		return fmt.Errorf("audit: move head of chain %s: %w", e.Tenant, err)
	}
	return nil
}

// computeHash is SHA-256 over a canonical encoding of the row: a version tag
// and every field, each prefixed with its length (so no two rows encode the
// same), ending with the previous row's hash.
func (r *Record) computeHash() string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	field := func(s string) {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	field("doanbd-audit-v1")
	field(r.Tenant)
	field(strconv.FormatInt(r.Seq, 10))
	field(r.ID)
	field(r.At.UTC().Format(timeLayout))
	field(r.ActorID)
	field(r.ActorEmail)
	field(r.Action)
	field(r.Object)
	field(r.ObjectID)
	field(string(r.Detail))
	field(r.IP)
	field(r.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}
