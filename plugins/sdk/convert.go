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

// dateString formats by hand: a plan carries hundreds of dates, and
// time.Format is a large share of a rules call's cost.
func dateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.Format(dateLayout)
	}
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + int(m)/10), byte('0' + int(m)%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:])
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

// planToProto and planFromProto allocate the classes' and nominees' records
// in one block each: a plan carries hundreds of them.
func planToProto(p core.PlanForRules) *pb.Plan {
	q := &pb.Plan{Year: int32(p.Year), Classes: make([]*pb.Class, len(p.Classes))}
	classes := make([]pb.Class, len(p.Classes))
	n := 0
	for _, c := range p.Classes {
		n += len(c.Nominees)
	}
	nominees := make([]pb.Nominee, n)
	for i, c := range p.Classes {
		pc := &classes[i]
		pc.Id, pc.ProgramCode, pc.Learners = c.ID, c.ProgramCode, int32(c.Learners)
		pc.Start, pc.End, pc.Place, pc.VenueKind, pc.Format = dateString(c.Start), dateString(c.End), c.Place, c.VenueKind, c.Format
		pc.Nominees = make([]*pb.Nominee, len(c.Nominees))
		for j, nm := range c.Nominees {
			pn := &nominees[0]
			nominees = nominees[1:]
			pn.CadreId, pn.Name, pn.BirthDate, pn.Title, pn.UnitTenant = nm.CadreID, nm.Name, dateString(nm.BirthDate), nm.Title, nm.UnitTenant
			pc.Nominees[j] = pn
		}
		q.Classes[i] = pc
	}
	return q
}

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
