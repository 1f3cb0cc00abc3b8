package sdk

import (
	"fmt"
	"time"

	"doanbd/core"
	pb "doanbd/plugins/sdk/pluginv1"
)

// Conversions between the core types and their wire form. Dates travel as
// ISO 8601 calendar dates; the zero time is the empty string.

const dateLayout = "2006-01-02"

func dateString(t time.Time) string {
	var b [10]byte
	return string(appendDate(b[:0], t))
}

// appendDate formats by hand: a plan carries hundreds of dates, and
// time.Format is a large share of a rules call's cost.
func appendDate(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, dateLayout)
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(m)/10), byte('0'+int(m)%10), '-', byte('0'+d/10), byte('0'+d%10))
}

// parseDate reads a wire date; the caller names the field in the error.
func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y, ok1 := digits(s[0:4])
		m, ok2 := digits(s[5:7])
		d, ok3 := digits(s[8:10])
		if ok1 && ok2 && ok3 && m >= 1 && m <= 12 && d >= 1 {
			t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
			if t.Day() == d { // not 31 February
				return t, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func callToProto(c Call) *pb.Call { return &pb.Call{Tenant: c.Tenant, Settings: c.Settings} }

func callFromProto(c *pb.Call) Call {
	return Call{Tenant: c.GetTenant(), Settings: c.GetSettings()}
}

func programsToProto(ps []core.LocalProgram) []*pb.LocalProgram {
	out := make([]*pb.LocalProgram, 0, len(ps))
	for _, p := range ps {
		q := &pb.LocalProgram{Code: p.Code, Name: p.Name, Audience: &pb.Audience{
			Titles: p.Audience.Titles, Levels: p.Audience.Levels, Employment: p.Audience.Employment}}
		for _, m := range p.Modules {
			q.Modules = append(q.Modules, &pb.Module{Code: m.Code, Name: m.Name, Hours: int32(m.Hours)})
		}
		out = append(out, q)
	}
	return out
}

func programsFromProto(ps []*pb.LocalProgram) []core.LocalProgram {
	out := make([]core.LocalProgram, 0, len(ps))
	for _, p := range ps {
		q := core.LocalProgram{Code: p.GetCode(), Name: p.GetName(), Audience: core.LocalAudience{
			Titles: p.GetAudience().GetTitles(), Levels: p.GetAudience().GetLevels(),
			Employment: p.GetAudience().GetEmployment()}}
		for _, m := range p.GetModules() {
			q.Modules = append(q.Modules, core.LocalModule{Code: m.GetCode(), Name: m.GetName(), Hours: int(m.GetHours())})
		}
		out = append(out, q)
	}
	return out
}

// planBuffers hold the wire records of a plan between calls: a plan carries
// hundreds of them, and gRPC has encoded the request by the time the call
// returns, so the host reuses them (Client keeps a pool) instead of making
// the garbage collector sweep tens of kilobytes a call.
type planBuffers struct {
	plan     pb.Plan
	classes  []pb.Class
	cptrs    []*pb.Class
	nominees []pb.Nominee
	nptrs    []*pb.Nominee
	dates    []byte // every date of the plan, formatted one after another
	ends     []int  // where each date ends in dates
}

// formatDates formats every date of p, in the order encode uses them, into
// one string (one allocation per plan rather than one per date) and
// returns a function handing them out in turn.
func (b *planBuffers) formatDates(p core.PlanForRules) func() string {
	b.dates, b.ends = b.dates[:0], b.ends[:0]
	add := func(t time.Time) {
		b.dates = appendDate(b.dates, t)
		b.ends = append(b.ends, len(b.dates))
	}
	for _, c := range p.Classes {
		add(c.Start)
		add(c.End)
		for _, n := range c.Nominees {
			add(n.BirthDate)
		}
	}
	all, i, from := string(b.dates), 0, 0
	return func() string {
		s := all[from:b.ends[i]]
		from = b.ends[i]
		i++
		return s
	}
}

// encode fills the buffers with p; the result is valid until the next encode.
func (b *planBuffers) encode(p core.PlanForRules) *pb.Plan {
	n := 0
	for _, c := range p.Classes {
		n += len(c.Nominees)
	}
	b.classes, b.cptrs = grow(b.classes, len(p.Classes)), grow(b.cptrs, len(p.Classes))
	b.nominees, b.nptrs = grow(b.nominees, n), grow(b.nptrs, n)
	date := b.formatDates(p)
	k := 0
	for i, c := range p.Classes {
		pc := &b.classes[i]
		pc.Id, pc.ProgramCode, pc.Learners = c.ID, c.ProgramCode, int32(c.Learners)
		pc.Start = date()
		pc.End = date()
		pc.Place, pc.VenueKind, pc.Format = c.Place, c.VenueKind, c.Format
		pc.Nominees = b.nptrs[k : k+len(c.Nominees) : k+len(c.Nominees)]
		for j, nm := range c.Nominees {
			pn := &b.nominees[k]
			pn.CadreId, pn.Name, pn.BirthDate, pn.Title, pn.UnitTenant = nm.CadreID, nm.Name, date(), nm.Title, nm.UnitTenant
			pc.Nominees[j] = pn
			k++
		}
		if len(c.Nominees) == 0 {
			pc.Nominees = nil
		}
		b.cptrs[i] = pc
	}
	b.plan.Year, b.plan.Classes = int32(p.Year), b.cptrs
	return &b.plan
}

// grow returns s resized to n elements, reusing its array when it is large
// enough (the elements are overwritten by the caller).
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

func planToProto(p core.PlanForRules) *pb.Plan { return new(planBuffers).encode(p) }

// planFromProto allocates the classes' and nominees' records in one block each.
func planFromProto(tenant string, p *pb.Plan) (core.PlanForRules, error) {
	q := core.PlanForRules{Tenant: tenant, Year: int(p.GetYear()), Classes: make([]core.ClassForRules, len(p.GetClasses()))}
	n := 0
	for _, c := range p.GetClasses() {
		n += len(c.GetNominees())
	}
	nominees := make([]core.NomineeForRules, n)
	for i, c := range p.GetClasses() {
		start, err := parseDate(c.GetStart())
		if err != nil {
			return q, fmt.Errorf("classes[%d].start: %w", i, err)
		}
		end, err := parseDate(c.GetEnd())
		if err != nil {
			return q, fmt.Errorf("classes[%d].end: %w", i, err)
		}
		q.Classes[i] = core.ClassForRules{ID: c.GetId(), ProgramCode: c.GetProgramCode(), Learners: int(c.GetLearners()),
			Start: start, End: end, Place: c.GetPlace(), VenueKind: c.GetVenueKind(), Format: c.GetFormat()}
		if len(c.GetNominees()) == 0 {
			continue
		}
		qn := nominees[:len(c.GetNominees()):len(c.GetNominees())]
		nominees = nominees[len(qn):]
		for j, nm := range c.GetNominees() {
			bd, err := parseDate(nm.GetBirthDate())
			if err != nil {
				return q, fmt.Errorf("classes[%d].nominees[%d].birth_date: %w", i, j, err)
			}
			qn[j] = core.NomineeForRules{CadreID: nm.GetCadreId(), Name: nm.GetName(),
				BirthDate: bd, Title: nm.GetTitle(), UnitTenant: nm.GetUnitTenant()}
		}
		q.Classes[i].Nominees = qn
	}
	return q, nil
}

var severityToProto = map[string]pb.Severity{
	core.SeverityError:   pb.Severity_SEVERITY_ERROR,
	core.SeverityWarning: pb.Severity_SEVERITY_WARNING,
}

func violationsToProto(vs []core.Violation) []*pb.Violation {
	out := make([]*pb.Violation, 0, len(vs))
	for _, v := range vs {
		out = append(out, &pb.Violation{Severity: severityToProto[v.Severity], Field: v.Field, ClassId: v.ClassID, Message: v.Message})
	}
	return out
}

// violationsFromProto keeps an unknown severity visible (as "") so that the
// host's validation rejects it rather than guessing.
func violationsFromProto(vs []*pb.Violation) []core.Violation {
	out := make([]core.Violation, 0, len(vs))
	for _, v := range vs {
		sev := ""
		switch v.GetSeverity() {
		case pb.Severity_SEVERITY_ERROR:
			sev = core.SeverityError
		case pb.Severity_SEVERITY_WARNING:
			sev = core.SeverityWarning
		}
		out = append(out, core.Violation{Severity: sev, Field: v.GetField(), ClassID: v.GetClassId(), Message: v.GetMessage()})
	}
	return out
}

func costRequestToProto(r core.CostRequest) *pb.CostRequest {
	return &pb.CostRequest{Date: dateString(r.Date), ClassId: r.ClassID, ProgramCode: r.ProgramCode,
		Learners: int32(r.Learners), Days: int32(r.Days), Sessions: int32(r.Sessions),
		LecturerRank: r.LecturerRank, Format: r.Format, FieldTrip: r.FieldTrip}
}

func costRequestFromProto(call Call, r *pb.CostRequest) (core.CostRequest, error) {
	d, err := parseDate(r.GetDate())
	if err != nil {
		return core.CostRequest{}, fmt.Errorf("date: %w", err)
	}
	return core.CostRequest{Tenant: call.Tenant, Date: d, ClassID: r.GetClassId(), ProgramCode: r.GetProgramCode(),
		Learners: int(r.GetLearners()), Days: int(r.GetDays()), Sessions: int(r.GetSessions()),
		LecturerRank: r.GetLecturerRank(), Format: r.GetFormat(), FieldTrip: r.GetFieldTrip(), Settings: call.Settings}, nil
}

func linesToProto(ls []core.CostLine) []*pb.CostLine {
	out := make([]*pb.CostLine, 0, len(ls))
	for _, l := range ls {
		out = append(out, &pb.CostLine{Item: l.Item, Description: l.Description, Quantity: l.Quantity, Unit: l.Unit,
			UnitAmount: l.UnitAmount, Amount: l.Amount, FundingSource: l.FundingSource})
	}
	return out
}

func linesFromProto(ls []*pb.CostLine) []core.CostLine {
	out := make([]core.CostLine, 0, len(ls))
	for _, l := range ls {
		out = append(out, core.CostLine{Item: l.GetItem(), Description: l.GetDescription(), Quantity: l.GetQuantity(),
			Unit: l.GetUnit(), UnitAmount: l.GetUnitAmount(), Amount: l.GetAmount(), FundingSource: l.GetFundingSource()})
	}
	return out
}
