package importer

import (
	"time"

	"github.com/uptrace/bun"

	"doanbd/core/cadre"
)

// Import statuses, in the order an import goes through them.
const (
	StatusUploaded     = "uploaded"
	StatusParsing      = "parsing"
	StatusParsed       = "parsed"
	StatusFailed       = "failed" // the file could not be read at all
	StatusCommitting   = "committing"
	StatusCommitted    = "committed"
	StatusCommitFailed = "commit_failed" // nothing was written; may be committed again
)

// Commit modes.
const (
	ModeAll       = "all"
	ModeValidOnly = "valid_only"
)

type importRow struct {
	bun.BaseModel `bun:"table:cadre_imports,alias:i"`

	TenantID      string     `bun:"tenant_id,pk"`
	ID            string     `bun:"id,pk"`
	FileName      string     `bun:"file_name"`
	FileSize      int64      `bun:"file_size"`
	Status        string     `bun:"status"`
	Mode          string     `bun:"mode"`
	TotalRows     int        `bun:"total_rows"`
	ValidRows     int        `bun:"valid_rows"`
	ErrorRows     int        `bun:"error_rows"`
	WarningRows   int        `bun:"warning_rows"`
	ProblemCount  int        `bun:"problem_count"`
	ProgressDone  int        `bun:"progress_done"`
	ProgressTotal int        `bun:"progress_total"`
	Inserted      int        `bun:"inserted"`
	Message       string     `bun:"message"`
	ColumnMap     string     `bun:"column_map"`
	CreatedBy     string     `bun:"created_by"`
	CreatedAt     time.Time  `bun:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
	CommittedAt   *time.Time `bun:"committed_at"`
}

type fileRow struct {
	bun.BaseModel `bun:"table:cadre_import_files"`

	TenantID string `bun:"tenant_id,pk"`
	ImportID string `bun:"import_id,pk"`
	Content  []byte `bun:"content"`
}

// stagedRow is a parsed row, already in the roster's stored form (sealed
// sensitive fields, search and sort columns, pre-assigned ids), so that the
// commit is a copy inside the database.
type stagedRow struct {
	bun.BaseModel `bun:"table:cadre_import_rows,alias:r"`

	TenantID      string     `bun:"tenant_id,pk"`
	ImportID      string     `bun:"import_id,pk"`
	RowNo         int        `bun:"row_no,pk"`
	Valid         bool       `bun:"valid"`
	CadreID       string     `bun:"cadre_id"`
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
	CCCDEnc       []byte     `bun:"cccd_enc"`
	CCCDHash      string     `bun:"cccd_hash,nullzero"`
	EthnicityEnc  []byte     `bun:"ethnicity_enc"`
	ReligionEnc   []byte     `bun:"religion_enc"`
	PositionID    string     `bun:"position_id"`
	PositionSince cadre.Date `bun:"position_since"`
	PlanningID    string     `bun:"planning_id"`
	PlanningTitle string     `bun:"planning_title"`
	PlanningSince cadre.Date `bun:"planning_since"`
}

type problemRow struct {
	bun.BaseModel `bun:"table:cadre_import_problems,alias:pr"`

	TenantID string `bun:"tenant_id,pk"`
	ImportID string `bun:"import_id,pk"`
	Seq      int    `bun:"seq,pk"`
	RowNo    int    `bun:"row_no"`
	Column   string `bun:"column_name"`
	Field    string `bun:"field"`
	Severity string `bun:"severity"`
	Message  string `bun:"message"`
}

// Severities of a problem.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Import is an upload as the API shows it.
type Import struct {
	ID           string     `json:"id"`
	FileName     string     `json:"file_name"`
	FileSize     int64      `json:"file_size"`
	Status       string     `json:"status"`
	Mode         string     `json:"mode,omitempty"`
	TotalRows    int        `json:"total_rows"`
	ValidRows    int        `json:"valid_rows"`
	ErrorRows    int        `json:"error_rows"`
	WarningRows  int        `json:"warning_rows"`
	ProblemCount int        `json:"problem_count"`
	Inserted     int        `json:"inserted"`
	Progress     Progress   `json:"progress"`
	Message      string     `json:"message,omitempty"`
	Columns      []string   `json:"columns"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	CommittedAt  *time.Time `json:"committed_at"`
}

// Progress of the running step: rows done out of an estimated total.
type Progress struct {
	Done    int `json:"done"`
	Total   int `json:"total"`
	Percent int `json:"percent"`
}

// Problem is one problem of one row, in Vietnamese.
type Problem struct {
	Row      int    `json:"row"`
	Column   string `json:"column"`
	Field    string `json:"field"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	// Text is the whole sentence: "Dòng 12, cột Số CCCD: phải có 12 chữ số".
	Text string `json:"text"`
}

// PreviewRow is a parsed row as the preview shows it (no sensitive data).
type PreviewRow struct {
	Row        int        `json:"row"`
	Valid      bool       `json:"valid"`
	FullName   string     `json:"full_name"`
	BirthDate  cadre.Date `json:"birth_date"`
	Gender     string     `json:"gender"`
	Phone      string     `json:"phone"`
	UnitID     string     `json:"unit_id"`
	Title      string     `json:"title"`
	Employment string     `json:"employment"`
	HasCCCD    bool       `json:"has_cccd"`
}
