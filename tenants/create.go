package tenants

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/audit"
	"doanbd/core/sqldb"
)

// TenantInput describes a new tenant (POST /api/v1/t/tw/tenants).
type TenantInput struct {
	Slug string `json:"slug"`
	// Name is the Vietnamese name, with diacritics.
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Code is the administrative code: two digits for a province (slug p+code).
	Code string `json:"code"`
	// Parent defaults to tw.
	Parent string `json:"parent"`
	// ValidFrom is YYYY-MM-DD, optional.
	ValidFrom     string `json:"valid_from"`
	AggregateOnly bool   `json:"aggregate_only"`
}

var provinceCode = regexp.MustCompile(`^[0-9]{2}$`)

// validate checks in against the registry and returns the row to insert.
func (s *Store) validate(ctx context.Context, in TenantInput) (tenantRow, error) {
	in.Slug, in.Name, in.Code = strings.TrimSpace(in.Slug), strings.TrimSpace(in.Name), strings.TrimSpace(in.Code)
	if in.Parent == "" {
		in.Parent = core.CentralTenant
	}
	var bad []core.FieldError
	field := func(f, msg string) { bad = append(bad, core.FieldError{Field: f, Message: msg}) }
	if !ValidSlug(in.Slug) {
		field("slug", "Mã đơn vị gồm 2–31 ký tự: chữ thường không dấu, chữ số, dấu gạch ngang, bắt đầu bằng chữ cái.")
	}
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		field("name", "Vui lòng nhập tên đơn vị (tiếng Việt có dấu).")
	case n > 200:
		field("name", "Tên đơn vị dài tối đa 200 ký tự.")
	}
	switch in.Kind {
	case core.TenantProvince:
		if !provinceCode.MatchString(in.Code) {
			field("code", "Mã tỉnh/thành gồm 2 chữ số.")
		} else if in.Slug != "p"+in.Code {
			field("slug", "Mã đơn vị của tỉnh/thành là p + mã tỉnh (ví dụ p"+in.Code+").")
		}
	case core.TenantMinistry, core.TenantAffiliated:
		if len(in.Code) > 20 {
			field("code", "Mã hành chính dài tối đa 20 ký tự.")
		}
	case core.TenantCentral:
		field("kind", "Chỉ có một Trung ương Đoàn.")
	default:
		field("kind", "Loại đơn vị phải là province, ministry hoặc affiliated.")
	}
	from, err := parseDate(in.ValidFrom)
	if err != nil {
		field("valid_from", "Ngày không hợp lệ (định dạng YYYY-MM-DD).")
	}
	parent, err := s.Get(ctx, in.Parent)
	switch {
	case core.ErrorCode(err) == core.ENOTFOUND:
		field("parent", "Không tìm thấy đơn vị cấp trên.")
	case err != nil:
		return tenantRow{}, err
	case parent.Status != core.TenantActive:
		field("parent", "Đơn vị cấp trên đã kết thúc hoạt động.")
	}
	if len(bad) > 0 {
		return tenantRow{}, core.Invalid("Thông tin đơn vị chưa hợp lệ.", bad...)
	}
	now := s.now().UTC()
	return tenantRow{ID: in.Slug, Kind: in.Kind, Parent: in.Parent, Code: in.Code, ValidFrom: from,
		Status: core.TenantActive, AggregateOnly: in.AggregateOnly, CreatedAt: now, UpdatedAt: now}, nil
}

// Create adds a tenant and records it in the central office's audit chain,
// in one transaction.
func (s *Store) Create(ctx context.Context, actor core.Principal, in TenantInput) (core.Tenant, error) {
	var t core.Tenant
	err := s.db.TenantTx(ctx, core.CentralTenant, func(ctx context.Context, tx bun.Tx) error {
		var err error
		t, err = s.CreateTx(ctx, tx, actor, in)
		return err
	})
	if err != nil {
		return core.Tenant{}, err
	}
	if err := s.Refresh(ctx); err != nil {
		return core.Tenant{}, core.Internal(err, "refresh tenant registry")
	}
	return t, nil
}

// CreateTx is Create inside the caller's transaction (to provision more in
// the same transaction, such as the tenant's first admin). On PostgreSQL tx
// must be scoped to tw (its audit chain gets the entry). The caller calls
// Refresh after commit so this process resolves the tenant at once.
func (s *Store) CreateTx(ctx context.Context, tx bun.Tx, actor core.Principal, in TenantInput) (core.Tenant, error) {
	r, err := s.validate(ctx, in)
	if err != nil {
		return core.Tenant{}, err
	}
	name := strings.TrimSpace(in.Name)
	if _, err := tx.NewInsert().Model(&r).Exec(ctx); err != nil {
		if sqldb.IsUniqueViolation(err) {
			return core.Tenant{}, core.Invalid("Thông tin đơn vị chưa hợp lệ.",
				core.FieldError{Field: "slug", Message: "Mã đơn vị đã tồn tại."})
		}
		return core.Tenant{}, core.Internal(err, "insert tenant "+r.ID)
	}
	n := nameRow{TenantID: r.ID, Name: name} // the first name: no start date
	if _, err := tx.NewInsert().Model(&n).Exec(ctx); err != nil {
		return core.Tenant{}, core.Internal(err, "insert name of tenant "+r.ID)
	}
	actorID, actorEmail := auditActor(actor)
	if err := audit.Append(ctx, tx, audit.Entry{Tenant: core.CentralTenant, ActorID: actorID, ActorEmail: actorEmail,
		Action: "tenant.create", Object: "tenant", ObjectID: r.ID,
		Detail: map[string]any{"name": name, "kind": r.Kind, "code": r.Code, "parent": r.Parent,
			"valid_from": dateString(r.ValidFrom), "aggregate_only": r.AggregateOnly}}); err != nil {
		return core.Tenant{}, core.Internal(err, "audit tenant creation")
	}
	t := r.tenant()
	t.Name = name
	return t, nil
}

// auditActor names the actor of a CLI or system action in the audit log.
func auditActor(p core.Principal) (id, email string) {
	if p.UserID == "" {
		return "system", p.Email
	}
	return p.UserID, p.Email
}
