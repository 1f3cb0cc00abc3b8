package plan

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/program"
	"doanbd/core/sqldb"
)

// ClassInput is a planned class as a client sends it. The programme is a
// catalogue entry (ProgramID) or a plugin's local programme
// (ProgramSource "plugin:<name>" and ProgramCode). TargetGroup defaults to
// the programme's whole audience.
type ClassInput struct {
	ProgramID     string            `json:"program_id"`
	ProgramSource string            `json:"program_source"`
	ProgramCode   string            `json:"program_code"`
	TargetGroup   *program.Audience `json:"target_group"`
	Learners      int               `json:"learners"`
	StartDate     budget.Date       `json:"start_date"`
	EndDate       budget.Date       `json:"end_date"`
	Place         string            `json:"place"`
	VenueKind     string            `json:"venue_kind"`
	Format        string            `json:"format"`
	PriorityArea  bool              `json:"priority_area"`
	LecturerRank  string            `json:"lecturer_rank"`
	FundingSource string            `json:"funding_source"`
	Nominees      []string          `json:"nominees"`
	Note          string            `json:"note"`
}

// AddClass plans a new class in an editable annual plan and computes its
// budget lines, all in one transaction: a class whose rates are missing is
// not saved.
func (s *Service) AddClass(ctx context.Context, tenant, planID string, in ClassInput) (*ClassView, error) {
	return s.saveClass(ctx, tenant, planID, "", in)
}

// UpdateClass replaces a class's fields and recomputes its lines (overrides
// of items that remain are kept).
func (s *Service) UpdateClass(ctx context.Context, tenant, planID, classID string, in ClassInput) (*ClassView, error) {
	return s.saveClass(ctx, tenant, planID, classID, in)
}

func (s *Service) saveClass(ctx context.Context, tenant, planID, classID string, in ClassInput) (*ClassView, error) {
	src := strings.TrimSpace(in.ProgramSource)
	if src == "" {
		src = program.SourceCatalog
	}
	// The catalogue is read before the transaction: under row-level security
	// a tenant's transaction does not see the central programmes.
	prog, perr := s.programs.Resolve(ctx, tenant, program.Ref{ID: in.ProgramID, Source: src, Code: in.ProgramCode})
	if perr != nil && core.ErrorCode(perr) != core.ENOTFOUND {
		return nil, perr
	}
	var out *ClassView
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		p, err := loadEditable(ctx, tx, tenant, planID)
		if err != nil {
			return err
		}
		if p.Kind != KindAnnual {
			return core.Errorf(core.EINVALID, "Kế hoạch giai đoạn chỉ có chỉ tiêu; hãy thêm lớp vào kế hoạch năm.")
		}
		now := s.now()
		c := &Class{ID: sqldb.NewID(), TenantID: tenant, PlanID: planID, CreatedAt: now}
		if classID != "" {
			if c, err = loadClass(ctx, tx, tenant, planID, classID); err != nil {
				return err
			}
		}
		prog, fs := fill(p, c, in, prog)
		var lines []budget.Line
		if prog != nil && len(fs) == 0 {
			var note string
			lines, note, err = s.budget.CostClass(ctx, tx, tenant, specOf(c, prog.TotalHours))
			if err != nil && core.ErrorCode(err) != core.EINVALID {
				return err
			}
			fs = append(fs, core.ErrorFields(err)...)
			c.BudgetNote = note
			c.BudgetSource = budget.SourceNorms
			if len(lines) > 0 && lines[0].Source != budget.SourceNorms {
				c.BudgetSource = "rates"
			}
		}
		if len(fs) > 0 {
			return core.Invalid("Lớp bồi dưỡng chưa hợp lệ.", fs...)
		}
		c.UpdatedAt = now
		if classID == "" {
			var maxSeq int
			if err := tx.NewSelect().Model((*Class)(nil)).ColumnExpr("COALESCE(MAX(seq), 0)").
				Where("tenant_id = ? AND plan_id = ?", tenant, planID).Scan(ctx, &maxSeq); err != nil {
				return core.Internal(err, "next class number")
			}
			c.Seq = maxSeq + 1
			if _, err := tx.NewInsert().Model(c).Exec(ctx); err != nil {
				return core.Internal(err, "insert class")
			}
		} else if _, err := tx.NewUpdate().Model(c).WherePK().ExcludeColumn("id", "tenant_id", "plan_id", "seq", "created_at").
			Exec(ctx); err != nil {
			return core.Internal(err, "update class")
		}
		stored, err := s.budget.ReplaceClassLines(ctx, tx, tenant, planID, c.ID, lines)
		if err != nil {
			return err
		}
		if err := touch(ctx, tx, p, now); err != nil {
			return err
		}
		out = &ClassView{Class: *c, Lines: stored, Totals: budget.Sum(stored), Warnings: []Warning{}}
		return nil
	})
	return out, err
}

// fill validates in against plan p and copies it into c, returning the
// programme (resolved by the caller, nil when not found) if it is usable,
// and every field error found.
func fill(p *Plan, c *Class, in ClassInput, prog *program.Program) (*program.Program, []core.FieldError) {
	var fs []core.FieldError
	add := func(field, msg string) { fs = append(fs, core.FieldError{Field: field, Message: msg}) }
	switch {
	case prog == nil:
		add("program_id", "Không tìm thấy chương trình bồi dưỡng trong danh mục của đơn vị.")
	case !program.Usable(prog.Status):
		add("program_id", "Chương trình "+prog.Code+" chưa được ban hành nên chưa dùng được trong kế hoạch.")
		prog = nil
	}
	if in.Learners <= 0 {
		add("learners", "Số học viên dự kiến phải lớn hơn 0.")
	}
	switch {
	case in.StartDate.IsZero():
		add("start_date", "Phải có ngày khai giảng.")
	case in.StartDate.Year() != p.Year:
		add("start_date", fmt.Sprintf("Ngày khai giảng phải nằm trong năm kế hoạch %d.", p.Year))
	}
	switch {
	case in.EndDate.IsZero():
		add("end_date", "Phải có ngày bế giảng.")
	case in.EndDate.Year() != p.Year:
		add("end_date", fmt.Sprintf("Ngày bế giảng phải nằm trong năm kế hoạch %d.", p.Year))
	case !in.StartDate.IsZero() && in.EndDate.Before(in.StartDate):
		add("end_date", "Ngày bế giảng không được trước ngày khai giảng.")
	}
	if _, ok := formats[in.Format]; !ok {
		add("format", "Hình thức phải là in_person, online, blended hoặc field_trip.")
	}
	venue := in.VenueKind
	if venue == "" {
		venue = core.VenueInternal
	}
	if venue != core.VenueInternal && venue != core.VenueExternal {
		add("venue_kind", "Địa điểm phải là internal (của đơn vị) hoặc external (thuê ngoài).")
	}
	if _, ok := budget.SourceNames[in.FundingSource]; in.FundingSource != "" && !ok {
		add("funding_source", "Nguồn kinh phí phải là central, local hoặc other.")
	}
	nominees := []string{}
	for _, id := range in.Nominees {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(nominees, id) {
			nominees = append(nominees, id)
		}
	}
	target := program.Audience{}
	if prog != nil {
		target = prog.Audience
		if in.TargetGroup != nil {
			target = *in.TargetGroup
			fs = append(fs, audienceErrors(prog, target)...)
		}
		c.ProgramID, c.ProgramSource, c.ProgramCode, c.ProgramName = prog.ID, prog.Source, prog.Code, prog.Name
		c.ProgramGroup, c.ProgramVersion = prog.Group, prog.Version
	}
	c.TargetGroup = program.Audience{Titles: orEmpty(target.Titles), Levels: orEmpty(target.Levels),
		Employment: orEmpty(target.Employment), PlanningPool: target.PlanningPool}
	c.Learners, c.StartDate, c.EndDate = in.Learners, in.StartDate, in.EndDate
	c.Place, c.VenueKind, c.Format, c.PriorityArea = strings.TrimSpace(in.Place), venue, in.Format, in.PriorityArea
	c.LecturerRank, c.FundingSource = strings.TrimSpace(in.LecturerRank), in.FundingSource
	c.Nominees, c.Note = nominees, strings.TrimSpace(in.Note)
	return prog, fs
}

// audienceErrors checks that a class's target group stays within the
// programme's audience (an empty list in the programme admits anyone).
func audienceErrors(prog *program.Program, t program.Audience) []core.FieldError {
	var fs []core.FieldError
	check := func(field string, want, got []string, name func(string) string) {
		if len(want) == 0 {
			return
		}
		for i, v := range got {
			if !slices.Contains(want, v) {
				fs = append(fs, core.FieldError{Field: fmt.Sprintf("target_group.%s[%d]", field, i),
					Message: fmt.Sprintf("%s không thuộc đối tượng của chương trình %s.", name(v), prog.Code)})
			}
		}
	}
	check("levels", prog.Audience.Levels, t.Levels, func(v string) string { return "Cấp " + named(program.LevelNames, v) })
	check("employment", prog.Audience.Employment, t.Employment, func(v string) string { return "Cán bộ " + named(program.EmploymentNames, v) })
	check("titles", prog.Audience.Titles, t.Titles, func(v string) string { return "Chức danh " + v })
	if t.PlanningPool && !prog.Audience.PlanningPool {
		fs = append(fs, core.FieldError{Field: "target_group.planning_pool",
			Message: "Chương trình " + prog.Code + " không dành cho cán bộ trong quy hoạch."})
	}
	return fs
}

func named(m map[string]string, code string) string {
	if n, ok := m[code]; ok {
		return n
	}
	return code
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// specOf is what costing class c needs.
func specOf(c *Class, hours int) budget.ClassSpec {
	return budget.ClassSpec{ClassID: c.ID, ProgramCode: c.ProgramCode, Learners: c.Learners, Start: c.StartDate,
		End: c.EndDate, Hours: hours, Format: c.Format, VenueKind: c.VenueKind, LecturerRank: c.LecturerRank,
		FundingSource: c.FundingSource}
}

func loadClass(ctx context.Context, q bun.IDB, tenant, planID, classID string) (*Class, error) {
	var c Class
	err := q.NewSelect().Model(&c).Where("c.tenant_id = ? AND c.plan_id = ? AND c.id = ?", tenant, planID, classID).Scan(ctx)
	if isNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "Không tìm thấy lớp trong kế hoạch.")
	} else if err != nil {
		return nil, core.Internal(err, "load class")
	}
	return &c, nil
}

// touch marks the plan changed.
func touch(ctx context.Context, tx bun.Tx, p *Plan, now time.Time) error {
	if _, err := tx.NewUpdate().Model((*Plan)(nil)).Set("updated_at = ?", now).
		Where("tenant_id = ? AND id = ?", p.TenantID, p.ID).Exec(ctx); err != nil {
		return core.Internal(err, "touch plan")
	}
	return nil
}

// DeleteClass removes a class and its lines from an editable plan.
func (s *Service) DeleteClass(ctx context.Context, tenant, planID, classID string) error {
	return s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		p, err := loadEditable(ctx, tx, tenant, planID)
		if err != nil {
			return err
		}
		c, err := loadClass(ctx, tx, tenant, planID, classID)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*budget.Line)(nil)).Where("tenant_id = ? AND class_id = ?", tenant, c.ID).Exec(ctx); err != nil {
			return core.Internal(err, "delete class lines")
		}
		if _, err := tx.NewDelete().Model(c).WherePK().Exec(ctx); err != nil {
			return core.Internal(err, "delete class")
		}
		return touch(ctx, tx, p, s.now())
	})
}

// Recompute costs a class again with the rates in force today for its start
// date (after the tenant changed its rate tables); overrides are kept.
func (s *Service) Recompute(ctx context.Context, tenant, planID, classID string) (*ClassView, error) {
	var before *Class
	if err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		var err error
		before, err = loadClass(ctx, q, tenant, planID, classID)
		return err
	}); err != nil {
		return nil, err
	}
	hours, err := s.hoursOf(ctx, tenant, before)
	if err != nil {
		return nil, err
	}
	var out *ClassView
	err = s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		p, err := loadEditable(ctx, tx, tenant, planID)
		if err != nil {
			return err
		}
		c, err := loadClass(ctx, tx, tenant, planID, classID)
		if err != nil {
			return err
		}
		lines, note, err := s.budget.CostClass(ctx, tx, tenant, specOf(c, hours))
		if err != nil {
			return err
		}
		c.BudgetNote, c.UpdatedAt = note, s.now()
		if _, err := tx.NewUpdate().Model(c).WherePK().Column("budget_note", "updated_at").Exec(ctx); err != nil {
			return core.Internal(err, "update class")
		}
		stored, err := s.budget.ReplaceClassLines(ctx, tx, tenant, planID, c.ID, lines)
		if err != nil {
			return err
		}
		out = &ClassView{Class: *c, Lines: stored, Totals: budget.Sum(stored), Warnings: []Warning{}}
		return touch(ctx, tx, p, c.UpdatedAt)
	})
	return out, err
}

// hoursOf is the programme hours of class c as the catalogue has them now.
func (s *Service) hoursOf(ctx context.Context, tenant string, c *Class) (int, error) {
	prog, err := s.programs.Resolve(ctx, tenant, program.Ref{ID: c.ProgramID, Source: c.ProgramSource, Code: c.ProgramCode})
	if err != nil {
		if core.ErrorCode(err) == core.ENOTFOUND {
			return 0, core.Invalid("Lớp bồi dưỡng chưa hợp lệ.", core.FieldError{Field: "program_id",
				Message: "Chương trình " + c.ProgramCode + " không còn trong danh mục của đơn vị."})
		}
		return 0, err
	}
	return prog.TotalHours, nil
}

// OverrideLine sets a budget line of an editable plan to the planner's
// amount; the reason is required and the computed amount is kept.
func (s *Service) OverrideLine(ctx context.Context, tenant, planID, lineID string, amount int64, reason string) (*budget.Line, error) {
	var out *budget.Line
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		p, err := loadEditable(ctx, tx, tenant, planID)
		if err != nil {
			return err
		}
		if out, err = s.budget.Override(ctx, tx, tenant, planID, lineID, amount, reason); err != nil {
			return err
		}
		return touch(ctx, tx, p, s.now())
	})
	return out, err
}

// ClearOverride returns a line of an editable plan to its computed amount.
func (s *Service) ClearOverride(ctx context.Context, tenant, planID, lineID string) (*budget.Line, error) {
	var out *budget.Line
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		p, err := loadEditable(ctx, tx, tenant, planID)
		if err != nil {
			return err
		}
		if out, err = s.budget.ClearOverride(ctx, tx, tenant, planID, lineID); err != nil {
			return err
		}
		return touch(ctx, tx, p, s.now())
	})
	return out, err
}
