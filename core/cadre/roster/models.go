package roster

import (
	"time"

	"github.com/uptrace/bun"

	"doanbd/core/cadre"
)

// Table rows. Every table is tenant-owned: tenant_id leads every key.

type unitRow struct {
	bun.BaseModel `bun:"table:units,alias:u"`

	TenantID      string     `bun:"tenant_id,pk"`
	ID            string     `bun:"id,pk"`
	ParentID      string     `bun:"parent_id"`
	Path          string     `bun:"path"`
	Code          string     `bun:"code"`
	Name          string     `bun:"name"`
	NameFold      string     `bun:"name_fold"`
	Level         string     `bun:"level"`
	DifficultArea bool       `bun:"difficult_area"`
	SpecialArea   bool       `bun:"special_area"`
	SecurityArea  bool       `bun:"security_area"`
	ValidFrom     cadre.Date `bun:"valid_from"`
	ValidTo       cadre.Date `bun:"valid_to"`
	CreatedAt     time.Time  `bun:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
}

func (r *unitRow) unit() cadre.Unit {
	return cadre.Unit{
		ID: r.ID, Tenant: r.TenantID, ParentID: r.ParentID, Code: r.Code, Name: r.Name, Level: r.Level,
		DifficultArea: r.DifficultArea, SpecialArea: r.SpecialArea, SecurityArea: r.SecurityArea,
		ValidFrom: r.ValidFrom, ValidTo: r.ValidTo, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// cadreRow is a row of cadres. The *Enc columns are AES-GCM ciphertexts
// (seal.Sealer, field name and cadre id as associated data).
type cadreRow struct {
	bun.BaseModel `bun:"table:cadres,alias:c"`

	TenantID      string     `bun:"tenant_id,pk"`
	ID            string     `bun:"id,pk"`
	FullName      string     `bun:"full_name"`
	NameFold      string     `bun:"name_fold"`
	SortKey       string     `bun:"sort_key"`
	BirthDate     cadre.Date `bun:"birth_date"`
	Gender        string     `bun:"gender"`
	Phone         string     `bun:"phone"`
	Email         string     `bun:"email"`
	UnitID        string     `bun:"unit_id"`
	Title         string     `bun:"title"`
	Employment    string     `bun:"employment"`
	Status        string     `bun:"status"`
	LeftOn        cadre.Date `bun:"left_on"`
	CCCDEnc       []byte     `bun:"cccd_enc"`
	CCCDHash      string     `bun:"cccd_hash,nullzero"`
	EthnicityEnc  []byte     `bun:"ethnicity_enc"`
	ReligionEnc   []byte     `bun:"religion_enc"`
	TransferredTo string     `bun:"transferred_to"`
	PrevTenant    string     `bun:"prev_tenant"`
	PrevID        string     `bun:"prev_id"`
	CreatedAt     time.Time  `bun:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
}

// Sealed field names: the associated data of each ciphertext.
const (
	fieldCCCD      = "cccd"
	fieldEthnicity = "ethnicity"
	fieldReligion  = "religion"
)

func (r *cadreRow) cadre() cadre.Cadre {
	c := cadre.Cadre{
		ID: r.ID, Tenant: r.TenantID, FullName: r.FullName, BirthDate: r.BirthDate, Gender: r.Gender,
		Phone: r.Phone, Email: r.Email, UnitID: r.UnitID, Title: r.Title, Employment: r.Employment,
		Status: r.Status, LeftOn: r.LeftOn, HasCCCD: r.CCCDHash != "", TransferredTo: r.TransferredTo,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if r.PrevID != "" {
		c.PreviousRecord = &cadre.Ref{Tenant: r.PrevTenant, CadreID: r.PrevID}
	}
	return c
}

type positionRow struct {
	bun.BaseModel `bun:"table:cadre_positions,alias:p"`

	TenantID  string     `bun:"tenant_id,pk"`
	ID        string     `bun:"id,pk"`
	CadreID   string     `bun:"cadre_id"`
	Kind      string     `bun:"kind"`
	UnitID    string     `bun:"unit_id"`
	Title     string     `bun:"title"`
	StartedOn cadre.Date `bun:"started_on"`
	EndedOn   cadre.Date `bun:"ended_on"`
	Decision  string     `bun:"decision"`
	Note      string     `bun:"note"`
	CreatedAt time.Time  `bun:"created_at"`
}

func (r *positionRow) position() cadre.Position {
	return cadre.Position{ID: r.ID, CadreID: r.CadreID, Kind: r.Kind, UnitID: r.UnitID, Title: r.Title,
		StartedOn: r.StartedOn, EndedOn: r.EndedOn, Decision: r.Decision, Note: r.Note, CreatedAt: r.CreatedAt}
}

type planningRow struct {
	bun.BaseModel `bun:"table:cadre_planning,alias:pl"`

	TenantID  string     `bun:"tenant_id,pk"`
	ID        string     `bun:"id,pk"`
	CadreID   string     `bun:"cadre_id"`
	Title     string     `bun:"title"`
	Since     cadre.Date `bun:"since_on"`
	Until     cadre.Date `bun:"until_on"`
	Note      string     `bun:"note"`
	CreatedAt time.Time  `bun:"created_at"`
}

func (r *planningRow) planning() cadre.Planning {
	return cadre.Planning{ID: r.ID, CadreID: r.CadreID, Title: r.Title, Since: r.Since, Until: r.Until,
		Note: r.Note, CreatedAt: r.CreatedAt}
}

// transferRow is one side of a transfer: the source keeps an "out" row, the
// target an "in" row with the same id; both change together.
type transferRow struct {
	bun.BaseModel `bun:"table:cadre_transfers,alias:t"`

	TenantID    string     `bun:"tenant_id,pk"`
	ID          string     `bun:"id,pk"`
	Side        string     `bun:"side"`
	FromTenant  string     `bun:"from_tenant"`
	ToTenant    string     `bun:"to_tenant"`
	FromCadreID string     `bun:"from_cadre_id"`
	ToCadreID   string     `bun:"to_cadre_id"`
	ToUnitID    string     `bun:"to_unit_id"`
	CadreName   string     `bun:"cadre_name"`
	Status      string     `bun:"status"`
	On          cadre.Date `bun:"transfer_on"`
	Note        string     `bun:"note"`
	CreatedBy   string     `bun:"created_by"`
	CreatedAt   time.Time  `bun:"created_at"`
	DecidedBy   string     `bun:"decided_by"`
	DecidedAt   *time.Time `bun:"decided_at"`
}

// Sides of a transfer row.
const (
	sideOut = "out"
	sideIn  = "in"
)

func (r *transferRow) transfer() cadre.Transfer {
	return cadre.Transfer{ID: r.ID, FromTenant: r.FromTenant, FromCadreID: r.FromCadreID, ToTenant: r.ToTenant,
		ToCadreID: r.ToCadreID, ToUnitID: r.ToUnitID, CadreName: r.CadreName, Status: r.Status, On: r.On,
		Note: r.Note, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, DecidedBy: r.DecidedBy, DecidedAt: r.DecidedAt}
}

// counterpart is the tenant holding the other side's row.
func (r *transferRow) counterpart() string {
	if r.Side == sideOut {
		return r.ToTenant
	}
	return r.FromTenant
}
