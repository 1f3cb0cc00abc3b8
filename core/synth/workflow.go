package synth

import (
	"encoding/json"
	"fmt"
	"time"

	"doanbd/core/cadre"
)

// Workflow is what the writer needs of the annual-plan definition: the id
// of the stored definition instances run on, and each state's SLA.
type Workflow struct {
	DefinitionID string
	Due          map[string]time.Duration
}

// Instance is a workflow instance (table workflow_instances) with its
// append-only history (table workflow_history).
type Instance struct {
	ID, State      string
	LockVersion    int
	AuthorID       string
	StateEnteredAt time.Time
	Data           string // JSON of the fields collected so far
	CreatedAt      time.Time
	History        []History
}

// History is one row of workflow_history.
type History struct {
	ID               string
	Seq              int
	At               time.Time
	ActorID          string
	ActorName        string
	Action, From, To string
	Comment, Fields  string
}

// Step is one transition of a generated path: its action and the states it
// goes between. Tests check every step against the shipped definition.
type Step struct{ Action, From, To string }

// actor is a person acting in the workflow (ids look like user ids).
type actor struct{ id, name string }

// actors of a tenant's workflow: its planner, approver and committee
// recorder, and the central office's reviewer.
type actors struct{ planner, approver, recorder, reviewer actor }

func newActors(r *rng, t Tenant, central actor) actors {
	reg := regionOf(t.Code)
	mk := func() actor { return actor{id: r.id(), name: newPerson(r, reg, 0).name} }
	return actors{planner: mk(), approver: mk(), recorder: mk(), reviewer: central}
}

var (
	leadershipReturn = []string{"Đề nghị bổ sung dự toán kinh phí cho lớp nghiên cứu thực tế.",
		"Số học viên dự kiến chưa khớp với chỉ tiêu giai đoạn, đề nghị rà soát lại.",
		"Đề nghị ưu tiên thêm lớp cho cán bộ cơ sở vùng khó khăn."}
	centralReturn = []string{"Lớp 3 trùng nội dung với chương trình TW tổ chức, đề nghị điều chỉnh.",
		"Đề nghị tách nguồn ngân sách trung ương và địa phương theo từng lớp.",
		"Kế hoạch chưa có lớp bồi dưỡng chuyển đổi số theo chỉ tiêu năm, đề nghị bổ sung."}
	rejectReasons = []string{"Kế hoạch chưa phù hợp với chỉ tiêu giai đoạn, đề nghị xây dựng lại.",
		"Dự toán vượt khả năng cân đối ngân sách, đề nghị lập lại kế hoạch."}
)

// Path returns the transitions that lead an annual plan from draft to
// state; variant picks one of the ways there (a return for revision on
// the way, or a return/rejection by the central office rather than the
// province's leadership).
func Path(state string, variant int) []Step {
	submit := Step{"submit", StateDraft, StateSubmitted}
	approve := Step{"approve", StateSubmitted, StateLeadershipApproved}
	decide := Step{"record_decision", StateLeadershipApproved, StateCentralReview}
	central := Step{"central_approve", StateCentralReview, StateApproved}
	switch state {
	case StateSubmitted:
		return []Step{submit}
	case StateLeadershipApproved:
		return []Step{submit, approve}
	case StateCentralReview:
		return []Step{submit, approve, decide}
	case StateApproved:
		switch variant % 4 {
		case 1:
			return []Step{submit, {"return", StateSubmitted, StateReturned}, {"submit", StateReturned, StateSubmitted}, approve, decide, central}
		case 2:
			return []Step{submit, approve, decide, {"return", StateCentralReview, StateReturned},
				{"submit", StateReturned, StateSubmitted}, approve, decide, central}
		}
		return []Step{submit, approve, decide, central}
	case StateReturned:
		if variant%2 == 1 {
			return []Step{submit, approve, decide, {"return", StateCentralReview, StateReturned}}
		}
		return []Step{submit, {"return", StateSubmitted, StateReturned}}
	case StateRejected:
		if variant%2 == 1 {
			return []Step{submit, approve, decide, {"reject", StateCentralReview, StateRejected}}
		}
		return []Step{submit, {"reject", StateSubmitted, StateRejected}}
	}
	return nil
}

// history makes the instance and history that lead p to state, starting
// after created; drafts have no instance (instances start lazily on the
// first transition, as the engine does). The plan's version counts its
// submissions.
func history(r *rng, p *Plan, state string, sp planSpec, created time.Time) *Instance {
	p.Status = state
	steps := Path(state, r.IntN(4))
	if len(steps) == 0 {
		p.UpdatedAt = created
		return nil
	}
	gaps := make([]time.Duration, len(steps))
	var total time.Duration
	for i := range gaps {
		gaps[i] = time.Duration(r.between(2*24, 12*24))*time.Hour + time.Duration(r.IntN(3600))*time.Second
		total += gaps[i]
	}
	at := created
	limit := sp.asOf.Time().Add(-time.Duration(r.between(2, 72)) * time.Hour)
	if at.Add(total).After(limit) {
		at = limit.Add(-total)
	}
	in := &Instance{ID: r.id(), AuthorID: p.CreatedBy, LockVersion: 1, Data: "{}"}
	data := map[string]string{}
	p.Version = 0
	for i, s := range steps {
		at = at.Add(gaps[i])
		if i == 0 {
			in.CreatedAt = at
		}
		h := History{ID: r.id(), Seq: i + 1, At: at, Action: s.Action, From: s.From, To: s.To, Fields: "null"}
		var who actor
		switch s.Action {
		case "submit":
			who = sp.actors.planner
			p.Version++
		case "approve":
			who = sp.actors.approver
			h.Comment = pick(r, []string{"", "Đồng ý.", "Đồng ý, đề nghị triển khai đúng tiến độ."})
		case "record_decision":
			who = sp.actors.recorder
			f := map[string]string{
				"decision_number": fmt.Sprintf("%d/QĐ-UBND", r.between(100, 4999)),
				"decision_date":   cadre.DateOf(at.AddDate(0, 0, -r.IntN(5))).VN(),
				"decision_pdf":    sp.fileID,
			}
			b, _ := json.Marshal(f)
			h.Fields = string(b)
			for k, v := range f {
				data[k] = v
			}
		case "central_approve":
			who = sp.actors.reviewer
			h.Comment = pick(r, []string{"", "Thống nhất phê duyệt."})
		case "return":
			who = sp.actors.approver
			h.Comment = pick(r, leadershipReturn)
			if s.From == StateCentralReview {
				who, h.Comment = sp.actors.reviewer, pick(r, centralReturn)
			}
		case "reject":
			who = sp.actors.approver
			if s.From == StateCentralReview {
				who = sp.actors.reviewer
			}
			h.Comment = pick(r, rejectReasons)
		}
		h.ActorID, h.ActorName = who.id, who.name
		in.History = append(in.History, h)
		in.LockVersion++
	}
	if p.Version == 0 {
		p.Version = 1
	}
	in.State, in.StateEnteredAt = state, at
	if len(data) > 0 {
		b, _ := json.Marshal(data)
		in.Data = string(b)
	}
	p.UpdatedAt = at
	return in
}
