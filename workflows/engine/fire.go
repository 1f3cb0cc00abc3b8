package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
	"doanbd/workflows/definition"
	"doanbd/workflows/outbox"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// stepPrefix marks the action that completes one parallel step.
const stepPrefix = "step:"

// Action is something the caller may do now.
type Action struct {
	Action  string   `json:"action"`
	Title   string   `json:"title"`
	Comment string   `json:"comment,omitempty"` // required | optional
	Fields  []string `json:"fields,omitempty"`
	// OnBehalfOf is set when the caller may act only through a delegation.
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// State describes an instance for clients.
type State struct {
	Instance   *Instance      `json:"instance"`
	StateTitle string         `json:"state_title"`
	Actions    []Action       `json:"available_actions"`
	StepsDone  []string       `json:"steps_done,omitempty"`
	Definition string         `json:"definition"`
	DefVersion string         `json:"definition_hash"`
	Fields     map[string]any `json:"fields,omitempty"`
}

// actors returns the caller followed by everyone who delegated to the caller
// today (delegations are read by user across tenants).
func (e *Engine) actors(ctx context.Context, q bun.IDB, user string) ([]string, error) {
	var ds []Delegation
	now := time.Now().UTC()
	if err := q.NewSelect().Model(&ds).Where("to_user = ? AND starts_on <= ? AND ends_on >= ?", user, now, now).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load delegations: %w", err)
	}
	out := []string{user}
	for _, d := range ds {
		if !slices.Contains(out, d.FromUser) {
			out = append(out, d.FromUser)
		}
	}
	return out, nil
}

// actorSet is who the caller may act as: the caller, and everyone who
// delegated to the caller today — read only when the caller may not do
// something directly, so most transitions read no delegations at all.
type actorSet struct {
	e    *Engine
	q    bun.IDB
	user string
	all  []string // nil until loaded
}

func (e *Engine) actorSet(q bun.IDB, user string) *actorSet { return &actorSet{e: e, q: q, user: user} }

// permitted returns who the caller acts as for perm ("" if nobody): the
// caller when allowed, else the first delegator who is.
func (a *actorSet) permitted(ctx context.Context, tenant, perm string) (string, error) {
	obj, act, _ := strings.Cut(perm, ".")
	ok, err := a.e.authz.Enforce(ctx, a.user, tenant, obj, act)
	if err != nil {
		return "", fmt.Errorf("authorize %s: %w", perm, err)
	} else if ok {
		return a.user, nil
	}
	if a.all == nil {
		if a.all, err = a.e.actors(ctx, a.q, a.user); err != nil {
			return "", err
		}
	}
	for _, from := range a.all[1:] {
		ok, err := a.e.authz.Enforce(ctx, from, tenant, obj, act)
		if err != nil {
			return "", fmt.Errorf("authorize %s: %w", perm, err)
		}
		if ok {
			return from, nil
		}
	}
	return "", nil
}

// available lists the actions the caller may fire from the instance's state.
func (e *Engine) available(ctx context.Context, actors *actorSet, tenant string, in *Instance, d *definition.Definition, stepsDone []string) ([]Action, error) {
	state := d.Initial
	if in != nil {
		state = in.State
	}
	var out []Action
	add := func(name, title, perm, comment string, fields []string) error {
		as, err := actors.permitted(ctx, tenant, perm)
		if err != nil || as == "" {
			return err
		}
		a := Action{Action: name, Title: title, Comment: comment, Fields: fields}
		if as != actors.user {
			a.OnBehalfOf = as
		}
		out = append(out, a)
		return nil
	}
	if s := d.States[state]; s != nil && s.Parallel != nil {
		for _, st := range s.Parallel.Steps {
			if !slices.Contains(stepsDone, st.Name) {
				if err := add(stepPrefix+st.Name, st.Title, st.Permission, "optional", nil); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, t := range d.Transitions {
		if slices.Contains(t.From, state) {
			if err := add(t.Action, t.Title, t.Permission, t.Comment, t.Fields); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Status returns the subject's workflow state and what the caller may do.
func (e *Engine) Status(ctx context.Context, p core.Principal, tenant, typ, id string) (*State, error) {
	subj, err := e.subject(typ)
	if err != nil {
		return nil, err
	}
	var st *State
	err = e.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		name, err := subj.Workflow(ctx, q, tenant, id)
		if err != nil {
			return err
		}
		if name == "" {
			st = &State{Actions: []Action{}}
			return nil
		}
		in, d, err := e.loadInstance(ctx, q, tenant, typ, id, false)
		if err != nil {
			return err
		}
		if d == nil {
			defID, err := e.reg.current(ctx, q, tenant, name)
			if err != nil {
				return err
			}
			if d, err = e.reg.get(ctx, q, defID); err != nil {
				return err
			}
		}
		done, err := e.stepsDone(ctx, q, in, d)
		if err != nil {
			return err
		}
		acts, err := e.available(ctx, e.actorSet(q, p.UserID), tenant, in, d, done)
		if err != nil {
			return err
		}
		st = &State{Instance: in, Actions: acts, StepsDone: done, Definition: d.Name, DefVersion: d.Hash}
		state := d.Initial
		if in != nil {
			state = in.State
			_ = json.Unmarshal([]byte(in.Data), &st.Fields)
		}
		st.StateTitle = d.States[state].Title
		return nil
	})
	return st, err
}

// stepsDone lists the parallel steps done in the instance's current state
// (none, and no query, when the state has no parallel steps).
func (e *Engine) stepsDone(ctx context.Context, q bun.IDB, in *Instance, d *definition.Definition) ([]string, error) {
	if in == nil || d.States[in.State] == nil || d.States[in.State].Parallel == nil {
		return nil, nil
	}
	var steps []string
	err := q.NewSelect().Model((*stepRow)(nil)).Column("step").
		Where("tenant_id = ? AND instance_id = ? AND lock_version = ?", in.TenantID, in.ID, in.LockVersion).Scan(ctx, &steps)
	if err != nil {
		return nil, fmt.Errorf("load parallel steps: %w", err)
	}
	return steps, nil
}

var errMoved = core.Errorf(core.ECONFLICT, "Hồ sơ vừa được người khác xử lý nên thao tác này không còn phù hợp. Vui lòng tải lại trang để xem trạng thái mới.")

// Fire fires an action on a subject in one transaction: authorization,
// guards, state change with optimistic locking, an append-only history row,
// in-transaction hooks and outbox rows for effects.
func (e *Engine) Fire(ctx context.Context, p core.Principal, tenant, typ, id string, in FireInput) (*Instance, error) {
	subj, err := e.subject(typ)
	if err != nil {
		return nil, err
	}
	in.Comment = strings.TrimSpace(in.Comment)
	var result *Instance
	err = e.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		name, err := subj.Workflow(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		if name == "" {
			return core.Invalid("Hồ sơ này không đi qua quy trình phê duyệt.", core.FieldError{Field: "action", Message: "không có thao tác nào"})
		}
		inst, d, err := e.loadInstance(ctx, tx, tenant, typ, id, true)
		if err != nil {
			return err
		}
		if inst == nil {
			if inst, d, err = e.start(ctx, tx, subj, tenant, typ, id, name); err != nil {
				return err
			}
		}
		if in.LockVersion != nil && *in.LockVersion != inst.LockVersion {
			return errMoved
		}
		actors := e.actorSet(tx, p.UserID)
		if step, ok := strings.CutPrefix(in.Action, stepPrefix); ok {
			result, err = e.completeStep(ctx, tx, p, actors, inst, d, step, in)
			if err == nil {
				err = subj.SetStatus(ctx, tx, tenant, id, result.State)
			}
			return err
		}
		t := findTransition(d, inst.State, in.Action)
		if t == nil {
			if anyTransition(d, in.Action) {
				return errMoved
			}
			return core.Invalid("Thao tác không hợp lệ.", core.FieldError{Field: "action", Message: fmt.Sprintf("không có thao tác %q", in.Action)})
		}
		as, err := actors.permitted(ctx, tenant, t.Permission)
		if err != nil {
			return err
		}
		if as == "" {
			return core.Errorf(core.EFORBIDDEN, "Bạn không có quyền thực hiện thao tác «%s».", t.Title)
		}
		if t.Comment == "required" && in.Comment == "" {
			return core.Invalid("Vui lòng nhập ý kiến cho thao tác này.", core.FieldError{Field: "comment", Message: "bắt buộc khi " + strings.ToLower(t.Title)})
		}
		call := Call{Tenant: tenant, SubjectType: typ, SubjectID: id, Actor: p, Input: in, Instance: inst}
		for _, g := range t.Guards {
			e.mu.RLock()
			guard := e.guards[g]
			e.mu.RUnlock()
			if guard == nil {
				return core.Internal(fmt.Errorf("guard %q not registered", g), "fire")
			}
			if err := guard(ctx, tx, call); err != nil {
				return err
			}
		}
		result, err = e.move(ctx, tx, p, as, inst, d, t.Action, t.To, in, t.Effects)
		if err != nil {
			return err
		}
		return subj.SetStatus(ctx, tx, tenant, id, result.State)
	})
	return result, err
}

func findTransition(d *definition.Definition, state, action string) *definition.Transition {
	for _, t := range d.Transitions {
		if t.Action == action && slices.Contains(t.From, state) {
			return t
		}
	}
	return nil
}

func anyTransition(d *definition.Definition, action string) bool {
	for _, t := range d.Transitions {
		if t.Action == action {
			return true
		}
	}
	return false
}

// start creates the instance in the initial state of the current definition.
func (e *Engine) start(ctx context.Context, tx bun.Tx, subj Subject, tenant, typ, id, name string) (*Instance, *definition.Definition, error) {
	defID, err := e.reg.current(ctx, tx, tenant, name)
	if err != nil {
		return nil, nil, err
	}
	d, err := e.reg.get(ctx, tx, defID)
	if err != nil {
		return nil, nil, err
	}
	info, err := subj.Load(ctx, tx, tenant, id)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now().UTC()
	inst := &Instance{ID: sqldb.NewID(), TenantID: tenant, SubjectType: typ, SubjectID: id, DefinitionID: defID,
		State: d.Initial, LockVersion: 1, AuthorID: info.AuthorID, StateEnteredAt: now, Data: "{}", CreatedAt: now, UpdatedAt: now}
	if _, err := tx.NewInsert().Model(inst).Returning("NULL").Exec(ctx); err != nil {
		if sqldb.IsUniqueViolation(err) {
			return nil, nil, errMoved
		}
		return nil, nil, fmt.Errorf("start workflow: %w", err)
	}
	return inst, d, nil
}

// move changes state with the optimistic lock, appends history, runs hooks,
// records effects and schedules SLA timers for the new state.
func (e *Engine) move(ctx context.Context, tx bun.Tx, p core.Principal, as string, inst *Instance, d *definition.Definition, action, to string, in FireInput, effects []string) (*Instance, error) {
	now := time.Now().UTC()
	from := inst.State
	data := map[string]any{}
	_ = json.Unmarshal([]byte(inst.Data), &data)
	for k, v := range in.Fields {
		data[k] = v
	}
	dataJSON, _ := json.Marshal(data)
	var due *time.Time
	if s := d.States[to]; s != nil && s.SLA != nil && s.SLA.Due > 0 {
		t := now.Add(s.SLA.Due)
		due = &t
	}
	res, err := tx.NewUpdate().Model((*Instance)(nil)).
		Set("state = ?", to).Set("lock_version = lock_version + 1").Set("state_entered_at = ?", now).
		Set("due_at = ?", due).Set("escalated = ?", false).Set("data = ?", string(dataJSON)).Set("updated_at = ?", now).
		Where("id = ? AND tenant_id = ? AND lock_version = ?", inst.ID, inst.TenantID, inst.LockVersion).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("update workflow instance: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, errMoved
	}
	inst.State, inst.LockVersion, inst.StateEnteredAt, inst.DueAt, inst.Escalated, inst.Data, inst.UpdatedAt =
		to, inst.LockVersion+1, now, due, false, string(dataJSON), now
	seq, err := e.appendHistory(ctx, tx, inst, p, as, action, from, to, in)
	if err != nil {
		return nil, err
	}
	call := Call{Tenant: inst.TenantID, SubjectType: inst.SubjectType, SubjectID: inst.SubjectID, Actor: p, Input: in, Instance: inst}
	var jobs []outbox.Job // the effects' jobs and the new state's timers, written together
	for _, eff := range effects {
		e.mu.RLock()
		hook, job := e.hooks[eff], e.jobs[eff]
		e.mu.RUnlock()
		switch {
		case hook != nil:
			if err := hook(ctx, tx, call); err != nil {
				return nil, err
			}
		case eff == "notify_assignees" || eff == "notify_author":
			job = notifyJob
			fallthrough
		case job != "":
			payload := EffectPayload{Effect: eff, InstanceID: inst.ID, SubjectType: inst.SubjectType, SubjectID: inst.SubjectID,
				Action: action, From: from, To: to, HistorySeq: seq, ActorID: p.UserID, Comment: in.Comment,
				DefinitionID: inst.DefinitionID, AuthorID: inst.AuthorID}
			jobs = append(jobs, outbox.Job{Kind: job, Tenant: inst.TenantID, Payload: payload,
				Key: fmt.Sprintf("wf:%s:%d:%s", inst.ID, seq, eff)})
		default:
			return nil, core.Internal(fmt.Errorf("effect %q not registered", eff), "fire")
		}
	}
	jobs = append(jobs, timerJobs(inst, d)...)
	if _, err := outbox.AddAll(ctx, tx, jobs...); err != nil {
		return nil, err
	}
	return inst, nil
}

// appendHistory appends the next history row of inst and returns its seq.
// The seq is computed in the INSERT itself (one statement); appends to one
// instance do not race, as the instance is locked or its lock version
// checked, and the unique (tenant, instance, seq) refuses any that would.
func (e *Engine) appendHistory(ctx context.Context, tx bun.Tx, inst *Instance, p core.Principal, as, action, from, to string, in FireInput) (int, error) {
	fields, _ := json.Marshal(in.Fields)
	behalf := ""
	if as != p.UserID {
		behalf = as
	}
	var seq int
	err := tx.NewRaw(`INSERT INTO workflow_history
		(id, tenant_id, instance_id, seq, at, actor_id, actor_name, on_behalf_of, action, from_state, to_state, comment, fields)
		SELECT ?, ?, ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?
		FROM workflow_history WHERE tenant_id = ? AND instance_id = ? RETURNING seq`,
		sqldb.NewID(), inst.TenantID, inst.ID, time.Now().UTC(), p.UserID, p.Name, behalf, action, from, to, in.Comment, string(fields),
		inst.TenantID, inst.ID).Scan(ctx, &seq)
	if err != nil {
		if sqldb.IsUniqueViolation(err) {
			return 0, errMoved
		}
		return 0, fmt.Errorf("append history: %w", err)
	}
	return seq, nil
}

// completeStep records one parallel step and completes the state when the
// steps are done (all of them, or any one).
func (e *Engine) completeStep(ctx context.Context, tx bun.Tx, p core.Principal, actors *actorSet, inst *Instance, d *definition.Definition, step string, in FireInput) (*Instance, error) {
	s := d.States[inst.State]
	if s == nil || s.Parallel == nil {
		return nil, errMoved
	}
	var st *definition.Step
	for i := range s.Parallel.Steps {
		if s.Parallel.Steps[i].Name == step {
			st = &s.Parallel.Steps[i]
		}
	}
	if st == nil {
		return nil, core.Invalid("Thao tác không hợp lệ.", core.FieldError{Field: "action", Message: fmt.Sprintf("không có bước %q", step)})
	}
	as, err := actors.permitted(ctx, inst.TenantID, st.Permission)
	if err != nil {
		return nil, err
	}
	if as == "" {
		return nil, core.Errorf(core.EFORBIDDEN, "Bạn không có quyền thực hiện bước «%s».", st.Title)
	}
	row := &stepRow{TenantID: inst.TenantID, InstanceID: inst.ID, LockVersion: inst.LockVersion, Step: step, DoneBy: as, DoneAt: time.Now().UTC()}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		if sqldb.IsUniqueViolation(err) {
			return nil, core.Errorf(core.ECONFLICT, "Bước «%s» đã được thực hiện.", st.Title)
		}
		return nil, fmt.Errorf("record step: %w", err)
	}
	if _, err := e.appendHistory(ctx, tx, inst, p, as, stepPrefix+step, inst.State, inst.State, in); err != nil {
		return nil, err
	}
	done, err := e.stepsDone(ctx, tx, inst, d)
	if err != nil {
		return nil, err
	}
	complete := s.Parallel.Mode == "any_of" || len(done) >= len(s.Parallel.Steps)
	if !complete {
		return inst, nil
	}
	return e.move(ctx, tx, core.Principal{UserID: "system", Name: "Hệ thống"}, "system", inst, d, "complete", s.Parallel.Complete, FireInput{Action: "complete"}, nil)
}

// History returns the instance's history, oldest first.
func (e *Engine) History(ctx context.Context, tenant, typ, id string) ([]HistoryEntry, error) {
	subj, err := e.subject(typ)
	if err != nil {
		return nil, err
	}
	var hs []HistoryEntry
	err = e.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		if _, err := subj.Workflow(ctx, q, tenant, id); err != nil {
			return err
		}
		return q.NewSelect().Model(&hs).
			Join("JOIN workflow_instances AS i ON i.id = history_entry.instance_id AND i.tenant_id = history_entry.tenant_id").
			Where("history_entry.tenant_id = ? AND i.subject_type = ? AND i.subject_id = ?", tenant, typ, id).
			OrderExpr("history_entry.seq").Scan(ctx)
	})
	if err != nil {
		return nil, err
	}
	if hs == nil {
		hs = []HistoryEntry{}
	}
	return hs, nil
}

func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{"02/01/2006", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date %q", s)
}

func checkPDF(ctx context.Context, tx bun.Tx, tenant, field, fileID string) error {
	var f File
	err := tx.NewSelect().Model(&f).Column("id", "content_type").Where("tenant_id = ? AND id = ?", tenant, fileID).Scan(ctx)
	if isNoRows(err) || (err == nil && f.ContentType != "application/pdf") {
		return core.Invalid("Tệp quyết định không hợp lệ.", core.FieldError{Field: field, Message: "hãy tải lên bản PDF của quyết định"})
	}
	if err != nil {
		return fmt.Errorf("check file: %w", err)
	}
	return nil
}
