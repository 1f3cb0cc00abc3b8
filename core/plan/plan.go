// Package plan is training planning: a tenant's period plan for 2023–2027
// with yearly targets, the annual plans that belong to it, sub-plans of its
// units that roll into the annual plan, and the planned classes of each plan
// with their budget lines (costed by core/budget). A plan's status belongs
// to the workflow engine; this package creates plans as drafts, allows edits
// only while Editable, and keeps every submitted version.
package plan

import (
	"time"

	"github.com/uptrace/bun"

	"doanbd/core/budget"
	"doanbd/core/program"
)

// Plan kinds.
const (
	KindPeriod = "period" // the 2023–2027 plan with yearly targets
	KindAnnual = "annual" // one year's plan with classes
)

// Statuses this package relies on. The workflow engine owns the others
// (submitted, leadership_approved, central_review, rejected in the shipped
// definition) and mirrors them through SetStatus.
const (
	StatusDraft    = "draft"
	StatusReturned = "returned"
	StatusApproved = "approved"
)

// Editable reports whether a plan in status may be changed: classes, lines,
// targets, title. The workflow engine uses it too.
func Editable(status string) bool { return status == StatusDraft || status == StatusReturned }

// Plan is a training plan of a tenant, or of one of its units (a sub-plan:
// UnitID and ParentPlanID set) that rolls into the tenant's annual plan.
type Plan struct {
	bun.BaseModel `bun:"table:plans,alias:pl"`

	ID       string `bun:"id,pk" json:"id"`
	TenantID string `bun:"tenant_id,notnull" json:"tenant"`
	Kind     string `bun:"kind,notnull" json:"kind"`
	// Year of an annual plan; the first year of a period plan.
	Year       int    `bun:"year,notnull" json:"year"`
	PeriodFrom int    `bun:"period_from,notnull" json:"period_from"`
	PeriodTo   int    `bun:"period_to,notnull" json:"period_to"`
	Title      string `bun:"title,notnull" json:"title"`
	Status     string `bun:"status,notnull" json:"status"`
	// Version is the number of the last submitted version (1 before any).
	Version      int       `bun:"version,notnull" json:"version"`
	PeriodPlanID string    `bun:"period_plan_id,notnull" json:"period_plan_id,omitempty"`
	ParentPlanID string    `bun:"parent_plan_id,notnull" json:"parent_plan_id,omitempty"`
	UnitID       string    `bun:"unit_id,notnull" json:"unit_id,omitempty"`
	MergedFrom   string    `bun:"merged_from,notnull" json:"merged_from,omitempty"`
	Note         string    `bun:"note,notnull" json:"note"`
	CreatedBy    string    `bun:"created_by,notnull" json:"created_by,omitempty"`
	CreatedAt    time.Time `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at,notnull" json:"updated_at"`
}

// IsSubPlan reports whether p is a unit's sub-plan.
func (p *Plan) IsSubPlan() bool { return p.ParentPlanID != "" }

// Class is a planned class (lớp bồi dưỡng). The programme is copied in so
// the plan reads the same when the catalogue moves on.
type Class struct {
	bun.BaseModel `bun:"table:plan_classes,alias:c"`

	ID       string `bun:"id,pk" json:"id"`
	TenantID string `bun:"tenant_id,notnull" json:"-"`
	PlanID   string `bun:"plan_id,notnull" json:"plan_id"`
	Seq      int    `bun:"seq,notnull" json:"seq"`
	// ProgramID is empty for a plugin's local programme.
	ProgramID      string `bun:"program_id,notnull" json:"program_id"`
	ProgramSource  string `bun:"program_source,notnull" json:"program_source"`
	ProgramCode    string `bun:"program_code,notnull" json:"program_code"`
	ProgramName    string `bun:"program_name,notnull" json:"program_name"`
	ProgramGroup   string `bun:"program_group,notnull" json:"program_group"`
	ProgramVersion int    `bun:"program_version,notnull" json:"program_version"`
	// TargetGroup is who the class is for, within the programme's audience.
	TargetGroup   program.Audience `bun:"target_group,type:jsonb,notnull" json:"target_group"`
	Learners      int              `bun:"learners,notnull" json:"learners"`
	StartDate     budget.Date      `bun:"start_date,notnull" json:"start_date"`
	EndDate       budget.Date      `bun:"end_date,notnull" json:"end_date"`
	Place         string           `bun:"place,notnull" json:"place"`
	VenueKind     string           `bun:"venue_kind,notnull" json:"venue_kind"`
	Format        string           `bun:"format,notnull" json:"format"`
	PriorityArea  bool             `bun:"priority_area,notnull" json:"priority_area"`
	LecturerRank  string           `bun:"lecturer_rank,notnull" json:"lecturer_rank"`
	FundingSource string           `bun:"funding_source,notnull" json:"funding_source"`
	// Nominees are cadre ids (core/cadre); checked against the roster when
	// the plan is read.
	Nominees     []string  `bun:"nominees,type:jsonb,notnull" json:"nominees"`
	BudgetSource string    `bun:"budget_source,notnull" json:"budget_source"`
	BudgetNote   string    `bun:"budget_note,notnull" json:"budget_note,omitempty"`
	Note         string    `bun:"note,notnull" json:"note"`
	CreatedAt    time.Time `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at,notnull" json:"updated_at"`
}

// Target dimensions of a period plan.
const (
	DimGroup  = "group"  // classes and learners per programme group
	DimSource = "source" // money per funding source
)

// Target is one yearly target of a period plan.
type Target struct {
	bun.BaseModel `bun:"table:plan_targets,alias:tg"`

	TenantID  string `bun:"tenant_id,pk" json:"-"`
	PlanID    string `bun:"plan_id,pk" json:"-"`
	Year      int    `bun:"year,pk" json:"year"`
	Dimension string `bun:"dimension,pk" json:"dimension"`
	Key       string `bun:"key,pk" json:"key"`
	Classes   int    `bun:"classes,notnull" json:"classes"`
	Learners  int    `bun:"learners,notnull" json:"learners"`
	Amount    int64  `bun:"amount,notnull" json:"amount"`
}

// Formats of a class.
var formats = map[string]string{
	budget.FormatInPerson: "trực tiếp", budget.FormatOnline: "trực tuyến",
	budget.FormatBlended: "kết hợp trực tiếp và trực tuyến", budget.FormatFieldTrip: "có nghiên cứu thực tế",
}
