package program

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
)

// VariantInput names a new variant; both fields are optional (defaults: the
// base code suffixed with the tenant, and the base name).
type VariantInput struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

var validCode = regexp.MustCompile(`^[A-Z0-9][A-Z0-9._-]{1,40}$`)

// CreateVariant copies a published central programme into tenant's catalogue
// as a draft variant. Its approval is the workflow engine's business.
func (s *Service) CreateVariant(ctx context.Context, tenant, baseID string, in VariantInput) (*Program, error) {
	if tenant == core.CentralTenant {
		return nil, core.Errorf(core.EINVALID, "Trung ương Đoàn sửa trực tiếp chương trình gốc, không tạo biến thể.")
	}
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	in.Name = strings.TrimSpace(in.Name)
	if in.Code != "" && !validCode.MatchString(in.Code) {
		return nil, core.Invalid("Mã chương trình không hợp lệ.", core.FieldError{Field: "code",
			Message: "Mã gồm chữ in hoa, chữ số, dấu chấm, gạch ngang hoặc gạch dưới (2–41 ký tự)."})
	}
	base, err := s.Get(ctx, tenant, baseID)
	if err != nil {
		return nil, err
	}
	if base.TenantID != core.CentralTenant || base.IsVariant() || base.Status != StatusPublished {
		return nil, core.Errorf(core.EINVALID, "Chỉ tạo được biến thể từ chương trình trung ương đang ban hành.")
	}
	var out *Program
	err = s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var err error
		code := in.Code
		if code == "" {
			if code, err = freeCode(ctx, tx, tenant, base.Code+"-"+strings.ToUpper(tenant)); err != nil {
				return err
			}
		}
		name := in.Name
		if name == "" {
			name = base.Name
		}
		now := s.now()
		p := &Program{
			ID: sqldb.NewID(), TenantID: tenant, Code: code, Name: name, NameEN: base.NameEN, Group: base.Group,
			Audience: cloneAudience(base.Audience), Modules: slices.Clone(base.Modules), TotalHours: base.TotalHours,
			Assessment: base.Assessment, Version: 1, Status: StatusDraft, BaseProgramID: base.ID,
			BaseVersion: base.Version, Changes: []Change{}, CreatedBy: principal(ctx), CreatedAt: now, UpdatedAt: now,
		}
		if _, err := tx.NewInsert().Model(p).Exec(ctx); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return core.Invalid("Mã chương trình đã tồn tại.", core.FieldError{Field: "code", Message: "Mã này đã được dùng trong danh mục của đơn vị."})
			}
			return core.Internal(err, "insert variant")
		}
		p.Source = SourceCatalog
		out = p
		return nil
	})
	return out, err
}

// freeCode returns code, or code-2, code-3… whichever tenant has not used.
func freeCode(ctx context.Context, tx bun.IDB, tenant, code string) (string, error) {
	var used []string
	err := tx.NewSelect().Model((*Program)(nil)).Column("code").
		Where("tenant_id = ? AND (code = ? OR code LIKE ?)", tenant, code, code+"-%").Scan(ctx, &used)
	if err != nil {
		return "", core.Internal(err, "find free program code")
	}
	for n := 1; ; n++ {
		c := code
		if n > 1 {
			c = fmt.Sprintf("%s-%d", code, n)
		}
		if !slices.Contains(used, c) {
			return c, nil
		}
	}
}

// VariantPatch changes a draft variant; nil fields are kept.
type VariantPatch struct {
	Name       *string   `json:"name"`
	NameEN     *string   `json:"name_en"`
	Audience   *Audience `json:"audience"`
	Modules    *[]Module `json:"modules"`
	Assessment *string   `json:"assessment"`
}

// UpdateVariant edits tenant's variant while it is a draft (or returned for
// revision) and recomputes what it changed from its base.
func (s *Service) UpdateVariant(ctx context.Context, tenant, id string, patch VariantPatch) (*Program, error) {
	titles, err := s.TitleMap(ctx)
	if err != nil {
		return nil, err
	}
	cur, err := s.Get(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if cur.TenantID != tenant || !cur.IsVariant() {
		return nil, core.Errorf(core.EFORBIDDEN, "Chỉ sửa được biến thể chương trình của đơn vị mình.")
	}
	base, err := s.Get(ctx, tenant, cur.BaseProgramID)
	if err != nil {
		return nil, err
	}
	var out *Program
	err = s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		p, err := own(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		if !Editable(p.Status) {
			return core.Errorf(core.ECONFLICT, "Chỉ sửa được biến thể ở trạng thái nháp hoặc bị trả lại để chỉnh sửa.")
		}
		if patch.Name != nil {
			p.Name = strings.TrimSpace(*patch.Name)
		}
		if patch.NameEN != nil {
			p.NameEN = strings.TrimSpace(*patch.NameEN)
		}
		if patch.Audience != nil {
			p.Audience = cloneAudience(*patch.Audience)
		}
		if patch.Modules != nil {
			p.Modules = slices.Clone(*patch.Modules)
		}
		if patch.Assessment != nil {
			p.Assessment = strings.TrimSpace(*patch.Assessment)
		}
		if err := validate(p, titles); err != nil {
			return err
		}
		p.TotalHours = hours(p.Modules)
		p.Changes = Diff(base, p)
		p.UpdatedAt = s.now()
		if _, err := tx.NewUpdate().Model(p).WherePK().
			Column("name", "name_en", "audience", "modules", "total_hours", "assessment", "changes", "updated_at").
			Exec(ctx); err != nil {
			return core.Internal(err, "update variant")
		}
		out = p
		return nil
	})
	return out, err
}

// validate checks a programme's fields with Vietnamese field-level messages.
func validate(p *Program, titles map[string]Title) error {
	var fs []core.FieldError
	if p.Name == "" {
		fs = append(fs, core.FieldError{Field: "name", Message: "Tên chương trình không được để trống."})
	}
	if len(p.Modules) == 0 {
		fs = append(fs, core.FieldError{Field: "modules", Message: "Chương trình phải có ít nhất một chuyên đề."})
	}
	seen := map[string]bool{}
	for i, m := range p.Modules {
		f := fmt.Sprintf("modules[%d]", i)
		switch {
		case strings.TrimSpace(m.Code) == "":
			fs = append(fs, core.FieldError{Field: f + ".code", Message: "Mã chuyên đề không được để trống."})
		case seen[m.Code]:
			fs = append(fs, core.FieldError{Field: f + ".code", Message: "Mã chuyên đề " + m.Code + " bị trùng."})
		}
		seen[m.Code] = true
		if strings.TrimSpace(m.Name) == "" {
			fs = append(fs, core.FieldError{Field: f + ".name", Message: "Tên chuyên đề không được để trống."})
		}
		if m.Hours < 1 || m.Hours > 200 {
			fs = append(fs, core.FieldError{Field: f + ".hours", Message: "Số giờ của chuyên đề phải từ 1 đến 200."})
		}
	}
	for i, l := range p.Audience.Levels {
		if _, ok := LevelNames[l]; !ok {
			fs = append(fs, core.FieldError{Field: fmt.Sprintf("audience.levels[%d]", i), Message: "Cấp không hợp lệ: " + l})
		}
	}
	for i, e := range p.Audience.Employment {
		if _, ok := EmploymentNames[e]; !ok {
			fs = append(fs, core.FieldError{Field: fmt.Sprintf("audience.employment[%d]", i), Message: "Loại cán bộ không hợp lệ: " + e})
		}
	}
	for i, t := range p.Audience.Titles {
		if _, ok := titles[t]; !ok {
			fs = append(fs, core.FieldError{Field: fmt.Sprintf("audience.titles[%d]", i), Message: "Chức danh không có trong danh mục: " + t})
		}
	}
	if len(fs) > 0 {
		return core.Invalid("Chương trình chưa hợp lệ.", fs...)
	}
	return nil
}

func cloneAudience(a Audience) Audience {
	return Audience{Titles: nonNil(a.Titles), Levels: nonNil(a.Levels), Employment: nonNil(a.Employment), PlanningPool: a.PlanningPool}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// principal is the caller's user id, for created_by columns.
func principal(ctx context.Context) string {
	p, _ := core.PrincipalFrom(ctx)
	return p.UserID
}
