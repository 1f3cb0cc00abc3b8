package audit

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
	"doanbd/core/web"
)

// Store reads the audit log for the audit viewer.
type Store struct {
	db *sqldb.DB
}

// NewStore returns a Store on db.
func NewStore(db *sqldb.DB) *Store { return &Store{db: db} }

// Filter narrows a listing; zero fields match everything. From and To bound
// At (From inclusive, To exclusive).
type Filter struct {
	Action   string
	Object   string
	ObjectID string
	ActorID  string
	From, To time.Time
}

// List returns one page of tenant's chain, newest first, and the number of
// rows matching f.
func (s *Store) List(ctx context.Context, tenant string, f Filter, p web.Page) ([]Record, int, error) {
	var (
		rows  []Record
		total int
	)
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Model(&rows).Where("tenant_id = ?", tenant)
		if f.Action != "" {
			sel.Where("action = ?", f.Action)
		}
		if f.Object != "" {
			sel.Where("object = ?", f.Object)
		}
		if f.ObjectID != "" {
			sel.Where("object_id = ?", f.ObjectID)
		}
		if f.ActorID != "" {
			sel.Where("actor_id = ?", f.ActorID)
		}
		if !f.From.IsZero() {
			sel.Where("at >= ?", f.From.UTC())
		}
		if !f.To.IsZero() {
			sel.Where("at < ?", f.To.UTC())
		}
		n, err := sel.Order("seq DESC").Limit(int64(p.Limit)).Offset(int64(p.Offset)).ScanAndCount(ctx)
		total = int(n)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("audit: list %s: %w", tenant, err)
	}
	return rows, total, nil
}

// Routes registers the audit viewer's API: GET /api/v1/t/:tenant/audit
// (object "audit", action "read").
func (s *Store) Routes(srv *web.Server) {
	srv.TenantAPI(http.MethodGet, "/audit", "audit", "read", s.list)
	srv.Document(http.MethodGet, "/api/v1/t/:tenant/audit", web.Doc{Tags: []string{"Nhật ký"}, Response: web.List[Record]{},
		Summary: "Nhật ký thao tác của đơn vị (mới nhất trước). Mỗi dòng mang mã băm của dòng trước nên không sửa được mà không bị phát hiện.",
		Query: map[string]string{"action": "loại thao tác, ví dụ tenant.create", "object": "đối tượng", "object_id": "mã đối tượng",
			"actor": "mã người thực hiện", "from": "từ ngày (YYYY-MM-DD)", "to": "đến hết ngày (YYYY-MM-DD)",
			"limit": "số dòng mỗi trang (1–200, mặc định 50)", "offset": "bỏ qua bao nhiêu dòng"}})
}

// list answers GET /audit?action=&object=&object_id=&actor=&from=YYYY-MM-DD&to=YYYY-MM-DD
// (to inclusive: the whole day).
func (s *Store) list(c *gin.Context) error {
	p, err := web.PageOf(c)
	if err != nil {
		return err
	}
	f := Filter{Action: c.Query("action"), Object: c.Query("object"), ObjectID: c.Query("object_id"), ActorID: c.Query("actor")}
	var bad []core.FieldError
	if v := c.Query("from"); v != "" {
		if f.From, err = time.Parse(time.DateOnly, v); err != nil {
			bad = append(bad, core.FieldError{Field: "from", Message: "ngày không hợp lệ (định dạng YYYY-MM-DD)"})
		}
	}
	if v := c.Query("to"); v != "" {
		if f.To, err = time.Parse(time.DateOnly, v); err != nil {
			bad = append(bad, core.FieldError{Field: "to", Message: "ngày không hợp lệ (định dạng YYYY-MM-DD)"})
		} else {
			f.To = f.To.AddDate(0, 0, 1)
		}
	}
	if len(bad) > 0 {
		return core.Invalid("Bộ lọc nhật ký không hợp lệ.", bad...)
	}
	rows, total, err := s.List(c.Request.Context(), web.TenantOf(c).ID, f, p)
	if err != nil {
		return core.Internal(err, "list audit log")
	}
	c.JSON(http.StatusOK, web.NewList(rows, total, p))
	return nil
}
