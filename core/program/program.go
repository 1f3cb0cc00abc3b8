// Package program is the programme catalogue (chương trình bồi dưỡng): the
// central programmes of the 2023–2027 scheme, published by the central office
// (tenant tw) and visible to every tenant; tenants' variants of them, visible
// only to their owner; and the local programmes tenant plugins supply. It also
// holds the reference lists the catalogue speaks in: programme groups and
// titles (chức danh) with their Đoàn age limits.
package program

import (
	"time"

	"github.com/uptrace/bun"
)

// Programme statuses. The workflow engine moves a variant through them
// (SetStatus); this package only creates drafts and reads the status.
const (
	StatusDraft       = "draft"
	StatusInAppraisal = "in_appraisal"
	StatusPublished   = "published"
	StatusRetired     = "retired"
	// StatusReturned is where a variant sent back for revision waits; it is
	// editable like a draft.
	StatusReturned = "returned"
)

// Editable reports whether a programme in status may be edited by its owner
// (only before it goes into review). The workflow engine uses it too.
func Editable(status string) bool { return status == StatusDraft || status == StatusReturned }

// Usable reports whether classes may be planned with a programme in status.
func Usable(status string) bool { return status == StatusPublished }

// Sources of a programme.
const (
	SourceCatalog = "catalog"
	// SourcePluginPrefix starts the source of a plugin's local programme:
	// "plugin:<name>".
	SourcePluginPrefix = "plugin:"
)

// Levels of the Đoàn hierarchy used in audiences.
const (
	LevelCentral  = "tw"
	LevelProvince = "tinh"
	LevelDistrict = "huyen"
	LevelBase     = "co_so"
	LevelBranch   = "chi_doan"
)

// LevelNames are the Vietnamese names of the levels.
var LevelNames = map[string]string{
	LevelCentral: "Trung ương", LevelProvince: "cấp tỉnh", LevelDistrict: "cấp huyện",
	LevelBase: "cấp cơ sở", LevelBranch: "chi đoàn",
}

// Employment kinds of a cadre.
const (
	FullTime   = "chuyen_trach"
	PartTime   = "ban_chuyen_trach"
	Concurrent = "kiem_nhiem"
)

// EmploymentNames are the Vietnamese names of the employment kinds.
var EmploymentNames = map[string]string{
	FullTime: "chuyên trách", PartTime: "bán chuyên trách", Concurrent: "kiêm nhiệm",
}

// Module is one module (chuyên đề) of a programme.
type Module struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Hours int    `json:"hours"`
}

// Audience says who a programme is for. An empty list means any value;
// PlanningPool admits cadres in the planning pool for one of Titles.
type Audience struct {
	Titles       []string `json:"titles" yaml:"titles"`
	Levels       []string `json:"levels" yaml:"levels"`
	Employment   []string `json:"employment" yaml:"employment"`
	PlanningPool bool     `json:"planning_pool" yaml:"planning_pool"`
}

// Change is one difference of a variant from its base programme.
type Change struct {
	// Kind: added, removed, shortened, lengthened, renamed (a module), or
	// audience, assessment (the programme as a whole).
	Kind        string `json:"kind"`
	Module      string `json:"module,omitempty"`
	Name        string `json:"name,omitempty"`
	HoursBefore int    `json:"hours_before,omitempty"`
	HoursAfter  int    `json:"hours_after,omitempty"`
	Detail      string `json:"detail,omitempty"`
}

// Program is a catalogue entry. Central programmes have TenantID "tw"; a
// variant has the owner's TenantID and BaseProgramID; a plugin's local
// programme is not stored (ID empty, Source "plugin:<name>").
type Program struct {
	bun.BaseModel `bun:"table:programs,alias:p"`

	ID            string    `bun:"id,pk" json:"id"`
	TenantID      string    `bun:"tenant_id,notnull" json:"tenant"`
	Code          string    `bun:"code,notnull" json:"code"`
	Name          string    `bun:"name,notnull" json:"name"`
	NameEN        string    `bun:"name_en,notnull" json:"name_en"`
	Group         string    `bun:"group_code,notnull" json:"group"`
	Audience      Audience  `bun:"audience,type:jsonb,notnull" json:"audience"`
	Modules       []Module  `bun:"modules,type:jsonb,notnull" json:"modules"`
	TotalHours    int       `bun:"total_hours,notnull" json:"total_hours"`
	Assessment    string    `bun:"assessment,notnull" json:"assessment"`
	Version       int       `bun:"version,notnull" json:"version"`
	Status        string    `bun:"status,notnull" json:"status"`
	BaseProgramID string    `bun:"base_program_id,notnull" json:"base_program_id,omitempty"`
	BaseVersion   int       `bun:"base_version,notnull" json:"base_version,omitempty"`
	Changes       []Change  `bun:"changes,type:jsonb,notnull" json:"changes"`
	CreatedBy     string    `bun:"created_by,notnull" json:"created_by,omitempty"`
	CreatedAt     time.Time `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at,notnull" json:"updated_at"`

	// Source is "catalog" for stored programmes, "plugin:<name>" otherwise.
	Source string `bun:"-" json:"source"`
}

// IsVariant reports whether p is a tenant's variant of a central programme.
func (p *Program) IsVariant() bool { return p.BaseProgramID != "" }

// hours sums the module hours.
func hours(ms []Module) int {
	n := 0
	for _, m := range ms {
		n += m.Hours
	}
	return n
}

// Group is a programme group: six central (TW1–TW6) and four provincial
// (TINH1–TINH4) lines of the scheme.
type Group struct {
	bun.BaseModel `bun:"table:program_groups,alias:g"`

	Code       string `bun:"code,pk" json:"code"`
	OwnerLevel string `bun:"owner_level,notnull" json:"owner_level"` // central | provincial
	Name       string `bun:"name,notnull" json:"name"`
	NameEN     string `bun:"name_en,notnull" json:"name_en"`
	Sort       int    `bun:"sort,notnull" json:"-"`
}

// LocalGroup is the group of every plugin-supplied local programme (TINH4:
// training by the local needs of each locality or unit).
const LocalGroup = "TINH4"

// Title is a Đoàn/Hội/Đội title (chức danh). Age limits are the Đoàn rules
// as secondary sources report them: warnings only; nil means no known limit.
type Title struct {
	bun.BaseModel `bun:"table:program_titles,alias:t"`

	Code          string `bun:"code,pk" json:"code"`
	Name          string `bun:"name,notnull" json:"name"`
	NameEN        string `bun:"name_en,notnull" json:"name_en"`
	Level         string `bun:"level,notnull" json:"level"`
	Key           bool   `bun:"key_title,notnull" json:"key"`
	MaxAgeFirst   *int   `bun:"max_age_first" json:"max_age_first"`
	MaxAgeServing *int   `bun:"max_age_serving" json:"max_age_serving"`
	Sort          int    `bun:"sort,notnull" json:"-"`
}
