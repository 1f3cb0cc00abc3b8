package core

import (
	"context"
	"time"
)

// Extension points filled by tenant plugins (plugins/host implements them
// across every plugin a tenant has enabled). The domain calls these
// interfaces; it never sees plugin processes.

// ProgramCatalog supplies a tenant's local programmes, shown in the catalogue
// next to the central ones and usable in plans.
type ProgramCatalog interface {
	// LocalPrograms returns the local programmes of every catalogue plugin
	// enabled for tenant. When a plugin fails, its last good list is returned
	// instead and stale is true: show the list with a "may be out of date"
	// notice. err is reserved for failures of the host itself (database).
	LocalPrograms(ctx context.Context, tenant string) (programs []LocalProgram, stale bool, err error)
}

// PlanRules checks a plan against the tenant's local rules.
type PlanRules interface {
	// CheckPlan runs every rules plugin enabled for tenant. An error means a
	// plugin could not check the plan: it is an EUNAVAILABLE *Error whose
	// message names the plugin, and the caller must block submission with it
	// (rules are never skipped silently). No plugin enabled: nil, nil.
	CheckPlan(ctx context.Context, tenant string, p PlanForRules) ([]Violation, error)
}

// CostNorms computes a class's budget lines from local norms.
type CostNorms interface {
	// ClassCosts asks the tenant's cost-norms plugin for the lines of one class.
	// used is true only when the lines come from a plugin. When used is false
	// the caller computes the lines from the tenant's rate tables; if err is
	// also set (an EUNAVAILABLE *Error naming the plugin), a plugin was enabled
	// but failed, and the caller shows ErrorMessage(err) as a warning next to
	// the computed lines.
	ClassCosts(ctx context.Context, tenant string, r CostRequest) (lines []CostLine, used bool, err error)
}

// LocalProgram is a programme a tenant runs for its own needs.
type LocalProgram struct {
	Code     string        `json:"code"`
	Name     string        `json:"name"`
	Modules  []LocalModule `json:"modules"`
	Audience LocalAudience `json:"audience"`
	// Source is the plugin that supplied the programme (set by the host).
	Source string `json:"source"`
}

// LocalModule is one module (chuyên đề) of a local programme.
type LocalModule struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Hours int    `json:"hours"`
}

// LocalAudience says who a local programme is for; empty lists mean anyone.
type LocalAudience struct {
	Titles     []string `json:"titles"`
	Levels     []string `json:"levels"`
	Employment []string `json:"employment"`
}

// PlanForRules is what a rules plugin sees of a plan.
type PlanForRules struct {
	Tenant  string          `json:"tenant"` // set by the host from the tenant argument
	Year    int             `json:"year"`
	Classes []ClassForRules `json:"classes"`
}

// Venue kinds of a class.
const (
	VenueInternal = "internal" // the tenant's own premises (a school, a hall of its units)
	VenueExternal = "external" // hired or third-party premises
)

// ClassForRules is what a rules plugin sees of a planned class.
type ClassForRules struct {
	ID          string            `json:"id"`
	ProgramCode string            `json:"program_code"`
	Learners    int               `json:"learners"`
	Start       time.Time         `json:"start"`
	End         time.Time         `json:"end"`
	Place       string            `json:"place"`
	VenueKind   string            `json:"venue_kind"` // VenueInternal, VenueExternal or empty
	Format      string            `json:"format"`
	Nominees    []NomineeForRules `json:"nominees"`
}

// NomineeForRules is a cadre nominated for a class.
type NomineeForRules struct {
	CadreID   string    `json:"cadre_id"`
	Name      string    `json:"name"`
	BirthDate time.Time `json:"birth_date"`
	Title     string    `json:"title"`
	// UnitTenant is the tenant the cadre's unit belongs to.
	UnitTenant string `json:"unit_tenant"`
}

// Violation severities: an error blocks submission, a warning is shown.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Violation is one finding of a rules plugin.
type Violation struct {
	Severity string `json:"severity"`
	Field    string `json:"field"`    // e.g. "venue_kind", "nominees[2]"
	ClassID  string `json:"class_id"` // empty for the plan as a whole
	Message  string `json:"message"`  // Vietnamese, shown as is
	Plugin   string `json:"plugin"`   // set by the host
}

// CostRequest describes a class for cost computation.
type CostRequest struct {
	Tenant       string    `json:"tenant"` // set by the host from the tenant argument
	Date         time.Time `json:"date"`   // the norms in force on this date apply
	ClassID      string    `json:"class_id"`
	ProgramCode  string    `json:"program_code"`
	Learners     int       `json:"learners"`
	Days         int       `json:"days"`
	Sessions     int       `json:"sessions"`
	LecturerRank string    `json:"lecturer_rank"`
	Format       string    `json:"format"`
	FieldTrip    bool      `json:"field_trip"`
	// Settings are optional extra options from the caller; the tenant's
	// stored plugin settings win over them on the same key.
	Settings map[string]string `json:"settings,omitempty"`
}

// CostLine is one computed budget line. Money is whole đồng.
type CostLine struct {
	Item          string `json:"item"`
	Description   string `json:"description"`
	Quantity      int64  `json:"quantity"`
	Unit          string `json:"unit"`
	UnitAmount    int64  `json:"unit_amount"`
	Amount        int64  `json:"amount"`
	FundingSource string `json:"funding_source"`
}
