// Package budget is the money side of planning: the rate tables (định mức
// chi) each tenant keeps with effective dates, the budget lines of a planned
// class computed from them (or from a CostNorms plugin), overrides of those
// lines with a reason, and totals by funding source. Money is int64 đồng.
package budget

import (
	"time"

	"github.com/uptrace/bun"
)

// Budget items of a class.
const (
	ItemLecturerPay     = "lecturer_pay"
	ItemTravel          = "travel"
	ItemLodging         = "lodging"
	ItemVenue           = "venue"
	ItemDocuments       = "documents"
	ItemFieldTrip       = "field_trip"
	ItemCertificates    = "certificates"
	ItemClassManagement = "class_management"
)

// Items lists the items in the order lines are shown.
var Items = []string{ItemLecturerPay, ItemTravel, ItemLodging, ItemVenue, ItemDocuments,
	ItemFieldTrip, ItemCertificates, ItemClassManagement}

// ItemNames are the Vietnamese names of the items, as messages and documents
// show them.
var ItemNames = map[string]string{
	ItemLecturerPay:     "Thù lao giảng viên",
	ItemTravel:          "Chi phí đi lại",
	ItemLodging:         "Chi phí ăn, nghỉ của học viên",
	ItemVenue:           "Thuê hội trường, trang thiết bị",
	ItemDocuments:       "Tài liệu học tập",
	ItemFieldTrip:       "Nghiên cứu thực tế",
	ItemCertificates:    "Chứng chỉ, giấy chứng nhận",
	ItemClassManagement: "Quản lý lớp",
}

// Units of a rate: what one unit amount pays for. The unit decides the
// quantity of a line (see Compute).
const (
	UnitSession    = "per_session"     // one teaching session (buổi, SessionHours hours)
	UnitLearner    = "per_learner"     // one learner
	UnitDay        = "per_day"         // one day of the class
	UnitLearnerDay = "per_learner_day" // one learner for one day
	UnitClass      = "per_class"       // the class as a whole
)

// UnitNames are the Vietnamese names of the units.
var UnitNames = map[string]string{
	UnitSession: "buổi", UnitLearner: "người", UnitDay: "ngày", UnitLearnerDay: "người/ngày", UnitClass: "lớp",
}

// Funding sources of a line.
const (
	SourceCentral = "central" // ngân sách trung ương
	SourceLocal   = "local"   // ngân sách địa phương
	SourceOther   = "other"   // nguồn khác
)

// FundingSources lists the sources in display order.
var FundingSources = []string{SourceCentral, SourceLocal, SourceOther}

// SourceNames are the Vietnamese names of the funding sources.
var SourceNames = map[string]string{
	SourceCentral: "Ngân sách trung ương", SourceLocal: "Ngân sách địa phương", SourceOther: "Nguồn khác",
}

// RateTable is one tenant's set of rates in force from EffectiveFrom until
// EffectiveTo (open-ended when zero). Example marks the demonstration tables
// `doanbd seed --demo` loads: plausible amounts, not verified rules.
type RateTable struct {
	bun.BaseModel `bun:"table:rate_tables,alias:rt"`

	ID            string     `bun:"id,pk" json:"id"`
	TenantID      string     `bun:"tenant_id,notnull" json:"tenant"`
	Name          string     `bun:"name,notnull" json:"name"`
	EffectiveFrom Date       `bun:"effective_from,notnull" json:"effective_from"`
	EffectiveTo   Date       `bun:"effective_to,nullzero" json:"effective_to"`
	Basis         string     `bun:"basis,notnull" json:"basis"` // legal basis, e.g. "Thông tư 36/2018/TT-BTC"
	Example       bool       `bun:"example,notnull" json:"example"`
	CreatedBy     string     `bun:"created_by,notnull" json:"created_by,omitempty"`
	CreatedAt     time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at,notnull" json:"updated_at"`
	Items         []RateItem `bun:"-" json:"items"`
}

// InForce reports whether the table applies on d.
func (t *RateTable) InForce(d Date) bool {
	return !d.Before(t.EffectiveFrom) && (t.EffectiveTo.IsZero() || !d.After(t.EffectiveTo))
}

// Find returns the rate of item (and lecturer rank, for lecturer pay).
func (t *RateTable) Find(item, rank string) (RateItem, bool) {
	for _, it := range t.Items {
		if it.Item == item && it.Rank == rank {
			return it, true
		}
	}
	return RateItem{}, false
}

// Ranks lists the ranks the table has for item.
func (t *RateTable) Ranks(item string) []string {
	var out []string
	for _, it := range t.Items {
		if it.Item == item {
			out = append(out, it.Rank)
		}
	}
	return out
}

// RateItem is one rate: Amount đồng per Unit. Rank distinguishes lecturer
// pay by lecturer rank (empty for other items).
type RateItem struct {
	bun.BaseModel `bun:"table:rate_items,alias:ri"`

	TenantID      string `bun:"tenant_id,pk" json:"-"`
	TableID       string `bun:"table_id,pk" json:"-"`
	Item          string `bun:"item,pk" json:"item"`
	Rank          string `bun:"rank,pk" json:"rank"`
	Unit          string `bun:"unit,notnull" json:"unit"`
	Amount        int64  `bun:"amount,notnull" json:"amount"`
	FundingSource string `bun:"funding_source,notnull" json:"funding_source"`
	Note          string `bun:"note,notnull" json:"note"`
}
