package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/uptrace/bun"

	"doanbd/core"
)

// IdempotencyHeader is the request header a client sets on a create request so
// that retrying it (after a timeout, a dropped connection) answers with the
// first response instead of creating a second object.
const IdempotencyHeader = "Idempotency-Key"

// IdemKey names one remembered request: keys are per tenant and per caller, so
// two users cannot replay each other's answers.
type IdemKey struct {
	Tenant string
	User   string
	Key    string
}

// SavedResponse is the first successful answer to a keyed request.
type SavedResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// IdempotencyStore remembers keyed requests. Claim reserves a key before the
// handler runs (so two concurrent retries do not both create); Complete stores
// the answer; Release drops a claim whose request failed, so it may be retried.
type IdempotencyStore interface {
	// Claim returns the saved response when the key was completed with the same
	// fingerprint, nil when the caller now holds the claim, EINVALID when the
	// key was used for a different request, ECONFLICT while another request
	// holds a fresh claim.
	Claim(ctx context.Context, k IdemKey, fingerprint string) (*SavedResponse, error)
	Complete(ctx context.Context, k IdemKey, r SavedResponse) error
	Release(ctx context.Context, k IdemKey) error
}

// Idempotency wraps create handlers. The zero value and a nil *Idempotency
// ignore keys, so a capability can be wired without one (tests).
type Idempotency struct {
	Store IdempotencyStore
	Log   *slog.Logger
}

// maxIdemKey bounds the header (clients use UUIDs; anything longer is abuse).
const maxIdemKey = 200

// Wrap wraps a create handler of a tenant-scoped route: with an
// Idempotency-Key header, the first 2xx answer is stored and replayed for the
// same key, caller and tenant (header "Idempotent-Replayed: true"). A failed
// request (an error or a non-2xx status) releases its key. The claim and the
// handler's own transaction are separate: if the process dies between the two,
// the claim goes stale and the key can be used again after the stale period.
func (i *Idempotency) Wrap(h HandlerFunc) HandlerFunc {
	return func(c *gin.Context) error {
		key := strings.TrimSpace(c.GetHeader(IdempotencyHeader))
		tenant := c.GetString(tenantKey)
		if key == "" || i == nil || i.Store == nil || tenant == "" {
			return h(c)
		}
		if len(key) > maxIdemKey {
			return core.Invalid("Idempotency-Key không hợp lệ.",
				core.FieldError{Field: IdempotencyHeader, Message: fmt.Sprintf("tối đa %d ký tự", maxIdemKey)})
		}
		ctx := c.Request.Context()
		p, _ := core.PrincipalFrom(ctx)
		k := IdemKey{Tenant: tenant, User: p.UserID, Key: key}
		fp, err := fingerprint(c)
		if err != nil {
			return err
		}
		saved, err := i.Store.Claim(ctx, k, fp)
		if err != nil {
			return err
		}
		if saved != nil {
			c.Header("Idempotent-Replayed", "true")
			c.Data(saved.Status, saved.ContentType, saved.Body)
			return nil
		}
		rec := &recorder{ResponseWriter: c.Writer}
		c.Writer = rec
		herr := h(c)
		status := rec.Status()
		if herr != nil || status < 200 || status >= 300 {
			if err := i.Store.Release(context.WithoutCancel(ctx), k); err != nil {
				i.log().Error("release idempotency key", "request_id", RequestID(c), "err", err)
			}
			return herr
		}
		r := SavedResponse{Status: status, ContentType: rec.Header().Get("Content-Type"), Body: rec.buf.Bytes()}
		if err := i.Store.Complete(context.WithoutCancel(ctx), k, r); err != nil {
			// The object exists and the client has its answer; a retry will get
			// a conflict until the claim goes stale. Log, do not fail the request.
			i.log().Error("save idempotent response", "request_id", RequestID(c), "err", err)
		}
		return nil
	}
}

func (i *Idempotency) log() *slog.Logger {
	if i.Log != nil {
		return i.Log
	}
	return slog.Default()
}

// fingerprint hashes what makes a request the same request: method, path and
// body. The body is read (within the body limit) and put back for the handler.
func fingerprint(c *gin.Context) (string, error) {
	var body []byte
	if c.Request.Body != nil {
		b, err := io.ReadAll(c.Request.Body)
		if err != nil {
			return "", core.Errorf(core.EINVALID, "Không đọc được dữ liệu gửi lên.")
		}
		body = b
		c.Request.Body = io.NopCloser(bytes.NewReader(b))
	}
	h := sha256.New()
	h.Write([]byte(c.Request.Method + " " + c.Request.URL.Path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// recorder copies what the handler writes so it can be stored.
type recorder struct {
	gin.ResponseWriter
	buf bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) WriteString(s string) (int, error) {
	r.buf.WriteString(s)
	return r.ResponseWriter.WriteString(s)
}

// IdemTx runs fn in a transaction scoped to tenant (sqldb.DB.TenantTx, adapted
// by the wiring so this adapter does not import the storage adapter).
type IdemTx func(ctx context.Context, tenant string, fn func(ctx context.Context, tx bun.Tx) error) error

// IdemTable stores keys in the idempotency_keys table (migration 0063, tenant rows under row-level security).
type IdemTable struct {
	tx IdemTx
	// Stale is how long an unfinished claim blocks its key (default 2 minutes).
	Stale time.Duration
	// Keep is how long keys are remembered (default 24 hours); older rows of a
	// tenant are deleted whenever that tenant claims a key.
	Keep time.Duration
	now  func() time.Time
}

// NewIdemTable returns the table-backed store.
func NewIdemTable(tx IdemTx) *IdemTable {
	return &IdemTable{tx: tx, Stale: 2 * time.Minute, Keep: 24 * time.Hour, now: func() time.Time { return time.Now().UTC() }}
}

type idemRow struct {
	bun.BaseModel `bun:"table:idempotency_keys"`

	TenantID    string     `bun:"tenant_id,pk"`
	UserID      string     `bun:"user_id,pk"`
	Key         string     `bun:"key,pk"`
	Fingerprint string     `bun:"fingerprint,notnull"`
	Status      int        `bun:"status,notnull"`
	ContentType string     `bun:"content_type,notnull"`
	Body        []byte     `bun:"body"`
	CreatedAt   time.Time  `bun:"created_at,notnull"`
	CompletedAt *time.Time `bun:"completed_at"`
}

var errIdemBusy = core.Errorf(core.ECONFLICT, "Một yêu cầu với cùng Idempotency-Key đang được xử lý, vui lòng thử lại sau.")

// Claim implements IdempotencyStore.
func (t *IdemTable) Claim(ctx context.Context, k IdemKey, fp string) (*SavedResponse, error) {
	var saved *SavedResponse
	now := t.now()
	err := t.tx(ctx, k.Tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*idemRow)(nil)).
			Where("tenant_id = ? AND created_at < ?", k.Tenant, now.Add(-t.Keep)).Exec(ctx); err != nil {
			return fmt.Errorf("purge idempotency keys: %w", err)
		}
		var row idemRow
		q := tx.NewSelect().Model(&row).Where("tenant_id = ? AND user_id = ? AND key = ?", k.Tenant, k.User, k.Key)
		if tx.Dialect().Name().String() == "pg" {
			q = q.For("UPDATE")
		}
		err := q.Scan(ctx)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			row = idemRow{TenantID: k.Tenant, UserID: k.User, Key: k.Key, Fingerprint: fp, CreatedAt: now}
			if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
				if isUnique(err) {
					return errIdemBusy
				}
				return fmt.Errorf("claim idempotency key: %w", err)
			}
			return nil
		case err != nil:
			return fmt.Errorf("read idempotency key: %w", err)
		}
		if row.Fingerprint != fp {
			return core.Invalid("Idempotency-Key này đã được dùng cho một yêu cầu khác.",
				core.FieldError{Field: IdempotencyHeader, Message: "hãy dùng một khóa mới cho yêu cầu mới"})
		}
		if row.CompletedAt != nil {
			saved = &SavedResponse{Status: row.Status, ContentType: row.ContentType, Body: row.Body}
			return nil
		}
		if now.Sub(row.CreatedAt) < t.Stale {
			return errIdemBusy
		}
		// A stale claim: its request died before finishing. Take it over.
		_, err = tx.NewUpdate().Model((*idemRow)(nil)).Set("created_at = ?", now).
			Where("tenant_id = ? AND user_id = ? AND key = ?", k.Tenant, k.User, k.Key).Exec(ctx)
		if err != nil {
			return fmt.Errorf("take over idempotency key: %w", err)
		}
		return nil
	})
	return saved, err
}

// Complete implements IdempotencyStore.
func (t *IdemTable) Complete(ctx context.Context, k IdemKey, r SavedResponse) error {
	now := t.now()
	return t.tx(ctx, k.Tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*idemRow)(nil)).
			Set("status = ?", r.Status).Set("content_type = ?", r.ContentType).Set("body = ?", r.Body).
			Set("completed_at = ?", now).
			Where("tenant_id = ? AND user_id = ? AND key = ?", k.Tenant, k.User, k.Key).Exec(ctx)
		if err != nil {
			return fmt.Errorf("complete idempotency key: %w", err)
		}
		return nil
	})
}

// Release implements IdempotencyStore.
func (t *IdemTable) Release(ctx context.Context, k IdemKey) error {
	return t.tx(ctx, k.Tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDelete().Model((*idemRow)(nil)).
			Where("tenant_id = ? AND user_id = ? AND key = ? AND completed_at IS NULL", k.Tenant, k.User, k.Key).Exec(ctx)
		if err != nil {
			return fmt.Errorf("release idempotency key: %w", err)
		}
		return nil
	})
}

// isUnique matches a unique violation on SQLite and PostgreSQL (the same test
// as sqldb.IsUniqueViolation, which this adapter must not import).
func isUnique(err error) bool {
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

var _ http.ResponseWriter = (*recorder)(nil)
