// Package cadre is the cadre roster's domain: org units, cadres (cán bộ
// đoàn), their positions, planning pool and transfers, and the rules that
// check and normalise what users type or import. It knows no storage or HTTP;
// core/cadre/roster stores it, core/cadre/api serves it.
package cadre

import "time"

// Unit levels, from the central office down to a chi đoàn.
const (
	LevelTW      = "tw"
	LevelTinh    = "tinh"
	LevelHuyen   = "huyen"
	LevelCoSo    = "co_so"
	LevelChiDoan = "chi_doan"
)

// Levels lists the unit levels top down, with their Vietnamese labels.
var Levels = []Choice{
	{LevelTW, "Trung ương"},
	{LevelTinh, "Cấp tỉnh"},
	{LevelHuyen, "Cấp huyện"},
	{LevelCoSo, "Cấp cơ sở"},
	{LevelChiDoan, "Chi đoàn"},
}

// Employment kinds (chế độ công tác).
const (
	FullTime   = "chuyen_trach"
	PartTime   = "ban_chuyen_trach"
	Concurrent = "kiem_nhiem"
)

// Employments lists the employment kinds with their Vietnamese labels.
var Employments = []Choice{
	{FullTime, "Chuyên trách"},
	{PartTime, "Bán chuyên trách"},
	{Concurrent, "Kiêm nhiệm"},
}

// Genders.
const (
	Male   = "nam"
	Female = "nu"
	Other  = "khac"
)

// Genders lists the genders with their Vietnamese labels.
var Genders = []Choice{{Male, "Nam"}, {Female, "Nữ"}, {Other, "Khác"}}

// Cadre statuses. A cadre who left keeps the record (for KPIs as of a past
// date); a cadre transferred to another tenant keeps a read-only record here.
const (
	Active         = "active"
	Left           = "left"
	TransferredOut = "transferred_out"
)

// Statuses lists cadre statuses with their Vietnamese labels.
var Statuses = []Choice{{Active, "Đang công tác"}, {Left, "Đã nghỉ"}, {TransferredOut, "Đã chuyển đi"}}

// Choice is a code with its Vietnamese label.
type Choice struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// LabelOf returns the label of code in cs, or code itself.
func LabelOf(cs []Choice, code string) string {
	for _, c := range cs {
		if c.Code == code {
			return c.Label
		}
	}
	return code
}

// Valid reports whether code is one of cs.
func Valid(cs []Choice, code string) bool {
	for _, c := range cs {
		if c.Code == code {
			return true
		}
	}
	return false
}

// Unit is an organisational unit of a tenant: the tenant's own standing
// committee, a district union (until 2025-06-30), a commune union, a chi đoàn.
// Units form a tree; ValidTo keeps units that ended (the district level)
// reportable.
type Unit struct {
	ID            string    `json:"id"`
	Tenant        string    `json:"tenant"`
	ParentID      string    `json:"parent_id"`
	Code          string    `json:"code"`
	Name          string    `json:"name"`
	Level         string    `json:"level"`
	DifficultArea bool      `json:"difficult_area"` // vùng kinh tế - xã hội khó khăn
	SpecialArea   bool      `json:"special_area"`   // vùng đặc biệt
	SecurityArea  bool      `json:"security_area"`  // vùng an ninh phức tạp
	ValidFrom     Date      `json:"valid_from"`
	ValidTo       Date      `json:"valid_to"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// ActiveOn reports whether the unit existed on d.
func (u Unit) ActiveOn(d Date) bool {
	return (u.ValidFrom.IsZero() || !d.Before(u.ValidFrom)) && (u.ValidTo.IsZero() || !d.After(u.ValidTo))
}

// Cadre is one person on a tenant's roster. The sensitive fields (CCCD,
// ethnicity, religion) are not here: they are read separately, and each
// read is audit-logged (see Sensitive).
type Cadre struct {
	ID         string    `json:"id"`
	Tenant     string    `json:"tenant"`
	FullName   string    `json:"full_name"`
	BirthDate  Date      `json:"birth_date"`
	Gender     string    `json:"gender"`
	Phone      string    `json:"phone"`
	Email      string    `json:"email"`
	UnitID     string    `json:"unit_id"`
	Title      string    `json:"title"`
	Employment string    `json:"employment"`
	Status     string    `json:"status"`
	LeftOn     Date      `json:"left_on"`
	HasCCCD    bool      `json:"has_cccd"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// TransferredTo names the tenant the cadre moved to (status transferred_out).
	TransferredTo string `json:"transferred_to,omitempty"`
	// PreviousRecord points at the record in the tenant the cadre came from,
	// whose training history belongs to this cadre too.
	PreviousRecord *Ref `json:"previous_record,omitempty"`
}

// Ref names a cadre record in a tenant.
type Ref struct {
	Tenant  string `json:"tenant"`
	CadreID string `json:"cadre_id"`
}

// Sensitive is the personal data encrypted at rest.
type Sensitive struct {
	CCCD      string `json:"cccd"`
	Ethnicity string `json:"ethnicity"`
	Religion  string `json:"religion"`
}

// Position kinds in a cadre's history.
const (
	Appointed   = "appointed"
	Moved       = "moved"
	LeftPost    = "left"
	TransferIn  = "transfer_in"
	TransferOut = "transfer_out"
)

// PositionKinds lists the kinds with Vietnamese labels.
var PositionKinds = []Choice{
	{Appointed, "Bổ nhiệm"}, {Moved, "Điều động"}, {LeftPost, "Thôi công tác"},
	{TransferIn, "Chuyển đến"}, {TransferOut, "Chuyển đi"},
}

// Position is one period of a cadre holding a title in a unit, or the event
// that ended the last one (kind left / transfer_out, with no unit or title).
// Positions answer "how was the cadre assigned and used after training".
type Position struct {
	ID        string    `json:"id"`
	CadreID   string    `json:"cadre_id"`
	Kind      string    `json:"kind"`
	UnitID    string    `json:"unit_id"`
	Title     string    `json:"title"`
	StartedOn Date      `json:"started_on"`
	EndedOn   Date      `json:"ended_on"`
	Decision  string    `json:"decision"`
	Note      string    `json:"note"`
	CreatedAt time.Time `json:"created_at"`
}

// Planning is a cadre's place in the planning pool (quy hoạch) for a key
// title, from Since until Until (zero: still in the pool).
type Planning struct {
	ID        string    `json:"id"`
	CadreID   string    `json:"cadre_id"`
	Title     string    `json:"title"`
	Since     Date      `json:"since"`
	Until     Date      `json:"until"`
	Note      string    `json:"note"`
	CreatedAt time.Time `json:"created_at"`
}

// Transfer statuses.
const (
	TransferPending   = "pending"
	TransferAccepted  = "accepted"
	TransferRejected  = "rejected"
	TransferCancelled = "cancelled"
)

// Transfer moves a cadre from one tenant to another. The source proposes, the
// target accepts into one of its units; then the source record becomes
// transferred_out (still readable there) and the target gets a new record
// carrying the position history and a link back for the training history.
type Transfer struct {
	ID          string     `json:"id"`
	FromTenant  string     `json:"from_tenant"`
	FromCadreID string     `json:"from_cadre_id"`
	ToTenant    string     `json:"to_tenant"`
	ToCadreID   string     `json:"to_cadre_id"`
	ToUnitID    string     `json:"to_unit_id"`
	CadreName   string     `json:"cadre_name"`
	Status      string     `json:"status"`
	On          Date       `json:"on"`
	Note        string     `json:"note"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	DecidedBy   string     `json:"decided_by"`
	DecidedAt   *time.Time `json:"decided_at"`
}
