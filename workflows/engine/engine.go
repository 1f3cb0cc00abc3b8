// Package engine runs workflow instances: transitions in one database
// transaction (authorization, guards, optimistic locking, append-only
// history, outbox rows for effects), parallel steps, delegation, SLA timers
// and notifications.
package engine

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
	"doanbd/workflows/definition"
)

// Authorizer answers whether a user may do obj.act in a tenant.
type Authorizer interface {
	Enforce(ctx context.Context, user, tenant, obj, act string) (bool, error)
	// TenantsWhere lists every tenant where user may do obj.act.
	TenantsWhere(ctx context.Context, user, obj, act string) ([]string, error)
}

// Person is someone to notify.
type Person struct {
	ID    string
	Email string
	Name  string
}

// Directory finds the people to notify.
type Directory interface {
	// UsersWhoCan lists users who may do obj.act in tenant (directly or
	// through a central role over the tenant).
	UsersWhoCan(ctx context.Context, tenant, obj, act string) ([]Person, error)
	Person(ctx context.Context, userID string) (Person, error)
	// UsersWithRole lists users holding role in tenant.
	UsersWithRole(ctx context.Context, tenant, role string) ([]Person, error)
}

// SubjectInfo is what the engine needs to know of a subject.
type SubjectInfo struct {
	Title    string
	Status   string
	AuthorID string
	// Link is the page of the subject, for notifications.
	Link string
}

// Subject connects a kind of record (plan, budget, program) to its workflow.
type Subject interface {
	// Workflow names the definition that applies to the subject; ENOTFOUND
	// when the subject does not exist in tenant; "" when it exists but no
	// workflow runs on it (its status shows no actions and an empty history).
	Workflow(ctx context.Context, q bun.IDB, tenant, id string) (string, error)
	Load(ctx context.Context, q bun.IDB, tenant, id string) (SubjectInfo, error)
	// SetStatus mirrors the workflow state onto the subject.
	SetStatus(ctx context.Context, tx bun.Tx, tenant, id, status string) error
}

// FireInput is a request to fire an action.
type FireInput struct {
	Action  string            `json:"action"`
	Comment string            `json:"comment"`
	Fields  map[string]string `json:"fields,omitempty"`
	// LockVersion, when set, must match the instance (the client saw that version).
	LockVersion *int `json:"lock_version,omitempty"`
}

// Call is the context of a guard or hook.
type Call struct {
	Tenant, SubjectType, SubjectID string
	Actor                          core.Principal
	Input                          FireInput
	Instance                       *Instance
}

// GuardFunc validates a transition inside its transaction; an error blocks it.
type GuardFunc func(ctx context.Context, tx bun.Tx, c Call) error

// HookFunc is an effect that must happen inside the transition's transaction
// (e.g. snapshotting a plan version).
type HookFunc func(ctx context.Context, tx bun.Tx, c Call) error

// Engine runs workflows.
type Engine struct {
	db       *sqldb.DB
	log      *slog.Logger
	reg      *registry
	authz    Authorizer
	dir      Directory
	mu       sync.RWMutex
	subjects map[string]Subject
	guards   map[string]GuardFunc
	hooks    map[string]HookFunc
	jobs     map[string]string // effect name -> outbox job kind
	mail     Mailer
	baseURL  string
}

// Options configures the engine.
type Options struct {
	DB      *sqldb.DB
	Log     *slog.Logger
	Authz   Authorizer
	Dir     Directory
	Mailer  Mailer
	BaseURL string
}

// New returns an engine. Register subjects, guards and effects before use.
func New(o Options) *Engine {
	e := &Engine{db: o.DB, log: o.Log.With("component", "workflow"), reg: newRegistry(o.DB), authz: o.Authz, dir: o.Dir,
		subjects: map[string]Subject{}, guards: map[string]GuardFunc{}, hooks: map[string]HookFunc{},
		jobs: map[string]string{}, mail: o.Mailer, baseURL: o.BaseURL}
	e.guards["decision_fields"] = requireFields("decision_number", "decision_date", "decision_pdf")
	e.guards["sent_fields"] = requireFields("sent_number", "sent_date")
	e.guards["appraisal_fields"] = requireFields("appraisal_number", "appraisal_date")
	return e
}

// SyncShipped records the shipped definitions (new versions when changed).
func (e *Engine) SyncShipped(ctx context.Context, fsys fs.FS, dir string) error {
	return e.reg.SyncShipped(ctx, fsys, dir)
}

// RegisterSubject connects a subject type.
func (e *Engine) RegisterSubject(typ string, s Subject) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.subjects[typ] = s
}

// RegisterGuard installs a named guard.
func (e *Engine) RegisterGuard(name string, g GuardFunc) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.guards[name] = g
}

// RegisterHook installs a named in-transaction effect.
func (e *Engine) RegisterHook(name string, h HookFunc) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hooks[name] = h
}

// RegisterJob maps a named effect to an outbox job kind; the job gets a
// payload EffectPayload and must be registered on the outbox worker.
func (e *Engine) RegisterJob(effect, kind string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.jobs[effect] = kind
}

func (e *Engine) subject(typ string) (Subject, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s, ok := e.subjects[typ]
	if !ok {
		return nil, core.Errorf(core.ENOTFOUND, "Không tìm thấy loại hồ sơ %q.", typ)
	}
	return s, nil
}

// EffectPayload is the payload of every effect job.
type EffectPayload struct {
	Effect      string `json:"effect"`
	InstanceID  string `json:"instance_id"`
	SubjectType string `json:"subject_type"`
	SubjectID   string `json:"subject_id"`
	Action      string `json:"action"`
	From        string `json:"from"`
	To          string `json:"to"`
	HistorySeq  int    `json:"history_seq"`
	ActorID     string `json:"actor_id"`
	Comment     string `json:"comment,omitempty"`
	// DefinitionID and AuthorID are the instance's, so a notification needs
	// no read of the instance (absent in jobs recorded before they were added).
	DefinitionID string `json:"definition_id,omitempty"`
	AuthorID     string `json:"author_id,omitempty"`
}

// loadInstance returns the subject's instance, creating it in the initial
// state on first use (instances start lazily).
func (e *Engine) loadInstance(ctx context.Context, tx bun.IDB, tenant, typ, id string, lock bool) (*Instance, *definition.Definition, error) {
	var in Instance
	q := tx.NewSelect().Model(&in).Where("tenant_id = ? AND subject_type = ? AND subject_id = ?", tenant, typ, id)
	if lock && e.db.Dialect == sqldb.Postgres {
		q = q.For("UPDATE")
	}
	err := q.Scan(ctx)
	if err == nil {
		d, err := e.reg.get(ctx, tx, in.DefinitionID)
		return &in, d, err
	}
	if !isNoRows(err) {
		return nil, nil, fmt.Errorf("load workflow instance: %w", err)
	}
	return nil, nil, nil
}

func requireFields(names ...string) GuardFunc {
	return func(ctx context.Context, tx bun.Tx, c Call) error {
		var fe []core.FieldError
		for _, n := range names {
			if c.Input.Fields[n] == "" {
				fe = append(fe, core.FieldError{Field: n, Message: "không được để trống"})
			}
		}
		if len(fe) > 0 {
			return core.Invalid("Vui lòng nhập đủ thông tin bắt buộc.", fe...)
		}
		for _, n := range names {
			if len(n) > 5 && n[len(n)-5:] == "_date" {
				if _, err := parseDate(c.Input.Fields[n]); err != nil {
					return core.Invalid("Ngày không hợp lệ.", core.FieldError{Field: n, Message: "phải có dạng dd/mm/yyyy"})
				}
			}
			if len(n) > 4 && n[len(n)-4:] == "_pdf" {
				if err := checkPDF(ctx, tx, c.Tenant, n, c.Input.Fields[n]); err != nil {
					return err
				}
			}
		}
		return nil
	}
}
