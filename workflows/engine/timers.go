package engine

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/workflows/definition"
	"doanbd/workflows/outbox"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// timerPayload identifies the state entry a timer belongs to: the timer does
// nothing if the instance has moved on (its lock version changed).
type timerPayload struct {
	InstanceID  string `json:"instance_id"`
	LockVersion int    `json:"lock_version"`
	State       string `json:"state"`
	Kind        string `json:"kind"` // remind | escalate
}

// timerJobs are the SLA timers of the state just entered, as delayed outbox
// jobs (Asynq ProcessAt, TaskID = the job key: scheduled once).
func timerJobs(inst *Instance, d *definition.Definition) []outbox.Job {
	s := d.States[inst.State]
	if s == nil || s.SLA == nil {
		return nil
	}
	var jobs []outbox.Job
	for _, t := range []struct {
		kind  string
		after time.Duration
	}{{"remind", s.SLA.RemindAfter}, {"escalate", s.SLA.EscalateAfter}} {
		if t.after <= 0 {
			continue
		}
		p := timerPayload{InstanceID: inst.ID, LockVersion: inst.LockVersion, State: inst.State, Kind: t.kind}
		jobs = append(jobs, outbox.Job{Kind: timerJob, Tenant: inst.TenantID, Payload: p,
			ProcessAt: inst.StateEnteredAt.Add(t.after),
			Key:       fmt.Sprintf("sla:%s:%d:%s", inst.ID, inst.LockVersion, t.kind)})
	}
	return jobs
}

// handleTimer reminds or escalates, unless the instance has moved on.
func (e *Engine) handleTimer(ctx context.Context, tx bun.Tx, d outbox.Delivery) error {
	var p timerPayload
	if err := d.Decode(&p); err != nil {
		return err
	}
	inst, def, err := e.instanceByID(ctx, tx, d.Tenant, p.InstanceID)
	if err != nil {
		return err
	}
	if inst == nil || inst.LockVersion != p.LockVersion || inst.State != p.State {
		e.log.Info("SLA timer fired after the state moved on; nothing to do", "instance", p.InstanceID, "kind", p.Kind)
		return nil
	}
	subj, err := e.subject(inst.SubjectType)
	if err != nil {
		return err
	}
	info, err := subj.Load(ctx, tx, d.Tenant, inst.SubjectID)
	if err != nil {
		return err
	}
	stateTitle := def.States[inst.State].Title
	switch p.Kind {
	case "remind":
		people, err := e.assignees(ctx, d.Tenant, def, inst.State)
		if err != nil {
			return err
		}
		title := fmt.Sprintf("Nhắc việc: «%s» đang chờ xử lý (%s)", info.Title, stateTitle)
		return e.notify(ctx, tx, d.Tenant, inst.ID, d.ID, "remind", title, title, info.Link, people)
	case "escalate":
		sla := def.States[inst.State].SLA
		if _, err := tx.NewUpdate().Model((*Instance)(nil)).Set("escalated = ?", true).
			Where("id = ? AND tenant_id = ? AND lock_version = ?", inst.ID, inst.TenantID, inst.LockVersion).Exec(ctx); err != nil {
			return fmt.Errorf("mark escalated: %w", err)
		}
		if _, err := e.appendHistory(ctx, tx, inst, core.Principal{UserID: "system", Name: "Hệ thống"}, "system", "escalate",
			inst.State, inst.State, FireInput{Comment: "Quá hạn xử lý, đã chuyển cấp trên: " + sla.EscalateTo}); err != nil {
			return err
		}
		target := d.Tenant
		if sla.EscalateTo == "central_admin" || sla.EscalateTo == "central_reviewer" || sla.EscalateTo == "central_viewer" {
			target = core.CentralTenant
		}
		people, err := e.dir.UsersWithRole(ctx, target, sla.EscalateTo)
		if err != nil {
			return fmt.Errorf("escalation recipients: %w", err)
		}
		title := fmt.Sprintf("Chuyển cấp: «%s» quá hạn xử lý (%s)", info.Title, stateTitle)
		return e.notify(ctx, tx, d.Tenant, inst.ID, d.ID, "escalate", title, title, info.Link, people)
	}
	return fmt.Errorf("unknown timer kind %q", p.Kind)
}
