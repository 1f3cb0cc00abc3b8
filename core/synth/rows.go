package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"doanbd/core/cadre"
	"doanbd/core/cadre/seal"
	"doanbd/core/vntext"
)

// table is a destination table and the columns the writer fills, in the
// order rows carry their values. Columns left out take their defaults.
type table struct {
	name string
	cols []string
}

// Tables in insertion order (parents before children, for foreign keys).
var (
	tRateTables = table{"rate_tables", []string{"id", "tenant_id", "name", "effective_from", "effective_to", "basis", "example", "created_by", "created_at", "updated_at"}}
	tRateItems  = table{"rate_items", []string{"tenant_id", "table_id", "item", "rank", "unit", "amount", "funding_source", "note"}}
	tFiles      = table{"files", []string{"id", "tenant_id", "name", "content_type", "size", "sha256", "data", "created_by", "created_at"}}
	tUnits      = table{"units", []string{"tenant_id", "id", "parent_id", "path", "code", "name", "name_fold", "level",
		"difficult_area", "special_area", "security_area", "valid_from", "valid_to", "created_at", "updated_at"}}
	tCadres = table{"cadres", []string{"tenant_id", "id", "full_name", "name_fold", "sort_key", "birth_date", "gender", "phone",
		"email", "unit_id", "title", "employment", "status", "left_on", "cccd_enc", "cccd_hash", "ethnicity_enc", "religion_enc",
		"created_at", "updated_at"}}
	tPositions = table{"cadre_positions", []string{"tenant_id", "id", "cadre_id", "kind", "unit_id", "title", "started_on",
		"ended_on", "decision", "note", "created_at"}}
	tPlanning   = table{"cadre_planning", []string{"tenant_id", "id", "cadre_id", "title", "since_on", "until_on", "note", "created_at"}}
	tEnrolments = table{"cadre_enrolments", []string{"tenant_id", "cadre_id", "id", "program_code", "program_name", "program_group",
		"class_id", "year", "start_on", "end_on", "hours", "result", "completed_on", "certificate_no", "origin_tenant_id", "created_at"}}
	tPlans = table{"plans", []string{"id", "tenant_id", "kind", "year", "period_from", "period_to", "title", "status", "version",
		"period_plan_id", "parent_plan_id", "unit_id", "merged_from", "note", "created_by", "created_at", "updated_at"}}
	tTargets = table{"plan_targets", []string{"tenant_id", "plan_id", "year", "dimension", "key", "classes", "learners", "amount"}}
	tClasses = table{"plan_classes", []string{"id", "tenant_id", "plan_id", "seq", "program_id", "program_source", "program_code",
		"program_name", "program_group", "program_version", "target_group", "learners", "start_date", "end_date", "place",
		"venue_kind", "format", "priority_area", "lecturer_rank", "funding_source", "nominees", "budget_source", "budget_note",
		"note", "created_at", "updated_at"}}
	tLines = table{"budget_lines", []string{"id", "tenant_id", "plan_id", "class_id", "seq", "item", "description", "rank", "unit",
		"quantity", "unit_amount", "computed_amount", "override_amount", "override_reason", "overridden_by", "overridden_at",
		"amount", "funding_source", "source", "created_at", "updated_at"}}
	tInstances = table{"workflow_instances", []string{"id", "tenant_id", "subject_type", "subject_id", "definition_id", "state",
		"lock_version", "author_id", "state_entered_at", "due_at", "escalated", "data", "created_at", "updated_at"}}
	tHistory = table{"workflow_history", []string{"id", "tenant_id", "instance_id", "seq", "at", "actor_id", "actor_name",
		"on_behalf_of", "action", "from_state", "to_state", "comment", "fields"}}

	tableOrder = []table{tRateTables, tRateItems, tFiles, tUnits, tCadres, tPositions, tPlanning, tEnrolments, tPlans, tTargets,
		tClasses, tLines, tInstances, tHistory}
)

// batch is one tenant's rows, by table name.
type batch map[string][][]any

// rowBuilder turns generated data into row values for one dialect: dates
// are 'YYYY-MM-DD' text on SQLite and time.Time (DATE) on PostgreSQL.
type rowBuilder struct {
	postgres bool
	seal     *seal.Sealer
	wf       Workflow
}

func (b *rowBuilder) date(d cadre.Date) any {
	if d.IsZero() {
		return nil
	}
	if b.postgres {
		return d.Time()
	}
	return d.String()
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// rows seals the sensitive fields and computes the search and sort
// columns, as the roster does for a cadre it stores.
func (b *rowBuilder) rows(d *TenantData) batch {
	t := d.Tenant.Slug
	out := batch{}
	add := func(tb table, vals ...any) { out[tb.name] = append(out[tb.name], vals) }
	created := time.Date(2023, 1, 2, 2, 0, 0, 0, time.UTC)
	for _, rt := range d.NewRates {
		add(tRateTables, rt.ID, t, "Định mức chi bồi dưỡng cán bộ Đoàn (ví dụ, dữ liệu giả lập)", b.date(d.RateFrom), nil,
			"Ví dụ theo cách tính của Thông tư 36/2018/TT-BTC, chưa kiểm chứng", true, "", created, created)
		for _, r := range rt.Rates {
			add(tRateItems, t, rt.ID, r.Item, r.Rank, r.Unit, r.Amount, r.FundingSource, "")
		}
	}
	if f := d.File; f != nil {
		sum := sha256.Sum256(f.Data)
		add(tFiles, f.ID, t, f.Name, "application/pdf", int64(len(f.Data)), hex.EncodeToString(sum[:]), f.Data, "", f.At)
	}
	for i := range d.Units {
		u := &d.Units[i]
		add(tUnits, t, u.ID, u.ParentID, u.Path, u.Code, u.Name, vntext.Fold(u.Name), u.Level, u.Difficult, u.Special,
			u.Security, b.date(u.ValidFrom), b.date(u.ValidTo), created, created)
	}
	for i := range d.Cadres {
		c := &d.Cadres[i]
		add(tCadres, t, c.ID, c.FullName, vntext.SearchForm(c.FullName), vntext.NameKey(c.FullName), b.date(c.BirthDate),
			c.Gender, c.Phone, c.Email, c.UnitID, c.Title, c.Employment, c.Status, b.date(c.LeftOn),
			b.seal.Seal("cccd", c.ID, c.CCCD), nullIfEmpty(b.seal.Index(c.CCCD)), b.seal.Seal("ethnicity", c.ID, c.Ethnicity),
			b.seal.Seal("religion", c.ID, c.Religion), c.CreatedAt, c.CreatedAt)
		for k, p := range c.Positions {
			at := c.CreatedAt
			if k > 0 {
				at = p.StartedOn.Time().Add(9 * time.Hour)
			}
			add(tPositions, t, p.ID, c.ID, p.Kind, p.UnitID, p.Title, b.date(p.StartedOn), b.date(p.EndedOn), p.Decision, "", at)
		}
		if p := c.Planning; p != nil {
			add(tPlanning, t, p.ID, c.ID, p.Title, b.date(p.Since), b.date(p.Until), "", c.CreatedAt)
		}
		for k := range c.Enrolments {
			e := &c.Enrolments[k]
			add(tEnrolments, t, c.ID, e.ID, e.Program.Code, e.Program.Name, e.Program.Group, e.ClassID, e.Year,
				b.date(e.Start), b.date(e.End), e.Program.Hours, e.Result, b.date(e.Completed), e.Certificate, t, e.CreatedAt)
		}
	}
	for i := range d.Plans {
		b.plan(add, t, &d.Plans[i])
	}
	return out
}

func (b *rowBuilder) plan(add func(table, ...any), t string, p *Plan) {
	add(tPlans, p.ID, t, p.Kind, p.Year, p.PeriodFrom, p.PeriodTo, p.Title, p.Status, p.Version, p.PeriodPlanID,
		p.ParentPlanID, p.UnitID, "", p.Note, p.CreatedBy, p.CreatedAt, p.UpdatedAt)
	for _, tg := range p.Targets {
		add(tTargets, t, p.ID, tg.Year, tg.Dimension, tg.Key, tg.Classes, tg.Learners, tg.Amount)
	}
	for ci := range p.Classes {
		c := &p.Classes[ci]
		at := p.CreatedAt.Add(time.Duration(c.Seq) * time.Minute)
		add(tClasses, c.ID, t, p.ID, c.Seq, c.Program.ID, "catalog", c.Program.Code, c.Program.Name, c.Program.Group,
			c.Program.Version, c.Program.Audience, c.Learners, b.date(c.Start), b.date(c.End), c.Place, c.VenueKind, c.Format,
			c.PriorityArea, c.LecturerRank, c.FundingSource, c.Nominees, "rates", "", "", at, at)
		for _, l := range c.Lines {
			var override, overriddenAt any
			if l.Override != nil {
				override, overriddenAt = *l.Override, at.Add(time.Hour)
			}
			add(tLines, l.ID, t, p.ID, c.ID, l.Seq, l.Item, "", l.Rank, l.Unit, l.Quantity, l.UnitAmount, l.Computed,
				override, l.OverrideReason, l.OverriddenBy, overriddenAt, l.Amount, l.FundingSource, l.Source, at, at)
		}
	}
	in := p.Instance
	if in == nil {
		return
	}
	var due any
	if d := b.wf.Due[in.State]; d > 0 {
		due = in.StateEnteredAt.Add(d)
	}
	add(tInstances, in.ID, t, "plan", p.ID, b.wf.DefinitionID, in.State, in.LockVersion, in.AuthorID, in.StateEnteredAt,
		due, false, in.Data, in.CreatedAt, in.StateEnteredAt)
	for _, h := range in.History {
		add(tHistory, h.ID, t, in.ID, h.Seq, h.At, h.ActorID, h.ActorName, "", h.Action, h.From, h.To, h.Comment, h.Fields)
	}
}
