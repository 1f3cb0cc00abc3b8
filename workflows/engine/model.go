package engine

import (
	"time"

	"github.com/uptrace/bun"
)

// ShippedTenant marks definitions shipped in configs/workflows.
const ShippedTenant = "*"

// definitionRow is one stored version: shipped (workflow_definitions, no
// tenant) or a tenant's own (workflow_overrides, under row-level security).
type definitionRow struct {
	bun.BaseModel `bun:"table:workflow_definitions,alias:d"`

	ID        string    `bun:"id,pk"`
	TenantID  string    `bun:"-"`
	Name      string    `bun:"name,notnull"`
	Version   int       `bun:"version,notnull"`
	Hash      string    `bun:"hash,notnull"`
	Source    string    `bun:"source,notnull"`
	CreatedBy string    `bun:"-"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

type overrideRow struct {
	bun.BaseModel `bun:"table:workflow_overrides,alias:o"`

	ID        string    `bun:"id,pk"`
	TenantID  string    `bun:"tenant_id,notnull"`
	Name      string    `bun:"name,notnull"`
	Version   int       `bun:"version,notnull"`
	Hash      string    `bun:"hash,notnull"`
	Source    string    `bun:"source,notnull"`
	CreatedBy string    `bun:"created_by,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

func (o overrideRow) row() definitionRow {
	return definitionRow{ID: o.ID, TenantID: o.TenantID, Name: o.Name, Version: o.Version, Hash: o.Hash,
		Source: o.Source, CreatedBy: o.CreatedBy, CreatedAt: o.CreatedAt}
}

// Instance is one subject's run through a workflow.
type Instance struct {
	bun.BaseModel `bun:"table:workflow_instances"`

	ID             string     `bun:"id,pk" json:"id"`
	TenantID       string     `bun:"tenant_id,notnull" json:"tenant"`
	SubjectType    string     `bun:"subject_type,notnull" json:"subject_type"`
	SubjectID      string     `bun:"subject_id,notnull" json:"subject_id"`
	DefinitionID   string     `bun:"definition_id,notnull" json:"-"`
	State          string     `bun:"state,notnull" json:"state"`
	LockVersion    int        `bun:"lock_version,notnull" json:"lock_version"`
	AuthorID       string     `bun:"author_id,notnull" json:"author_id"`
	StateEnteredAt time.Time  `bun:"state_entered_at,notnull" json:"state_entered_at"`
	DueAt          *time.Time `bun:"due_at" json:"due_at,omitempty"`
	Escalated      bool       `bun:"escalated,notnull" json:"escalated"`
	Data           string     `bun:"data,notnull" json:"-"`
	CreatedAt      time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt      time.Time  `bun:"updated_at,notnull" json:"updated_at"`
}

// HistoryEntry is one append-only row of an instance's history.
type HistoryEntry struct {
	bun.BaseModel `bun:"table:workflow_history"`

	ID         string    `bun:"id,pk" json:"id"`
	TenantID   string    `bun:"tenant_id,notnull" json:"-"`
	InstanceID string    `bun:"instance_id,notnull" json:"-"`
	Seq        int       `bun:"seq,notnull" json:"seq"`
	At         time.Time `bun:"at,notnull" json:"at"`
	ActorID    string    `bun:"actor_id,notnull" json:"actor_id"`
	ActorName  string    `bun:"actor_name,notnull" json:"actor_name"`
	OnBehalfOf string    `bun:"on_behalf_of,notnull" json:"on_behalf_of,omitempty"`
	Action     string    `bun:"action,notnull" json:"action"`
	FromState  string    `bun:"from_state,notnull" json:"from"`
	ToState    string    `bun:"to_state,notnull" json:"to"`
	Comment    string    `bun:"comment,notnull" json:"comment,omitempty"`
	Fields     string    `bun:"fields,notnull" json:"-"`
}

type stepRow struct {
	bun.BaseModel `bun:"table:workflow_steps"`

	TenantID    string    `bun:"tenant_id,pk"`
	InstanceID  string    `bun:"instance_id,pk"`
	LockVersion int       `bun:"lock_version,pk"`
	Step        string    `bun:"step,pk"`
	DoneBy      string    `bun:"done_by,notnull"`
	DoneAt      time.Time `bun:"done_at,notnull"`
}

// Delegation lets ToUser act for FromUser between StartsOn and EndsOn.
type Delegation struct {
	bun.BaseModel `bun:"table:workflow_delegations"`

	ID        string    `bun:"id,pk" json:"id"`
	TenantID  string    `bun:"tenant_id,notnull" json:"tenant"`
	FromUser  string    `bun:"from_user,notnull" json:"from_user"`
	ToUser    string    `bun:"to_user,notnull" json:"to_user"`
	StartsOn  time.Time `bun:"starts_on,notnull" json:"starts_on"`
	EndsOn    time.Time `bun:"ends_on,notnull" json:"ends_on"`
	CreatedAt time.Time `bun:"created_at,notnull" json:"created_at"`
}

// Notification is an in-app message to a user.
type Notification struct {
	bun.BaseModel `bun:"table:notifications"`

	ID         string     `bun:"id,pk" json:"id"`
	TenantID   string     `bun:"tenant_id,notnull" json:"tenant"`
	UserID     string     `bun:"user_id,notnull" json:"-"`
	InstanceID string     `bun:"instance_id,notnull" json:"instance_id,omitempty"`
	Kind       string     `bun:"kind,notnull" json:"kind"`
	Title      string     `bun:"title,notnull" json:"title"`
	Body       string     `bun:"body,notnull" json:"body,omitempty"`
	Link       string     `bun:"link,notnull" json:"link,omitempty"`
	CreatedAt  time.Time  `bun:"created_at,notnull" json:"created_at"`
	ReadAt     *time.Time `bun:"read_at" json:"read_at,omitempty"`
}

// File is an uploaded document (e.g. the People's Committee decision PDF).
type File struct {
	bun.BaseModel `bun:"table:files"`

	ID          string    `bun:"id,pk" json:"id"`
	TenantID    string    `bun:"tenant_id,notnull" json:"tenant"`
	Name        string    `bun:"name,notnull" json:"name"`
	ContentType string    `bun:"content_type,notnull" json:"content_type"`
	Size        int64     `bun:"size,notnull" json:"size"`
	SHA256      string    `bun:"sha256,notnull" json:"sha256"`
	Data        []byte    `bun:"data,notnull" json:"-"`
	CreatedBy   string    `bun:"created_by,notnull" json:"created_by"`
	CreatedAt   time.Time `bun:"created_at,notnull" json:"created_at"`
}
