package budget

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"doanbd/core"
)

// SessionHours is the length of one teaching session (buổi giảng: half a
// day, 4 periods, as Thông tư 36/2018/TT-BTC counts lecturer pay).
const SessionHours = 4

// Class formats.
const (
	FormatInPerson  = "in_person"
	FormatOnline    = "online"
	FormatBlended   = "blended"
	FormatFieldTrip = "field_trip"
)

// ClassSpec is what costing a class needs to know.
type ClassSpec struct {
	ClassID     string
	ProgramCode string
	Learners    int
	Start, End  Date
	// Hours is the programme's total module hours.
	Hours        int
	Format       string
	VenueKind    string // core.VenueInternal or core.VenueExternal
	LecturerRank string
	// FundingSource, when set, funds every line of the class; otherwise each
	// line takes its rate's default source.
	FundingSource string
}

// Days the class lasts, both ends included.
func (c ClassSpec) Days() int { return c.Start.DaysTo(c.End) }

// Sessions of teaching: the programme hours in sessions of SessionHours,
// rounded up (a 26-hour programme is 7 sessions).
func (c ClassSpec) Sessions() int { return (c.Hours + SessionHours - 1) / SessionHours }

// Applies reports whether item is spent on a class like c:
//   - lecturer pay, documents, certificates, class management: every class;
//   - travel and lodging: classes that meet in person (not online);
//   - venue and equipment: in-person classes at an external venue (the
//     tenant's own hall costs nothing);
//   - field trip: classes with a field trip.
func (c ClassSpec) Applies(item string) bool {
	switch item {
	case ItemTravel, ItemLodging:
		return c.Format != FormatOnline
	case ItemVenue:
		return c.Format != FormatOnline && c.VenueKind == core.VenueExternal
	case ItemFieldTrip:
		return c.Format == FormatFieldTrip
	}
	return true
}

// Quantity is how many units of a rate the class uses:
//
//	per_session     → sessions (hours ÷ 4, rounded up)
//	per_learner     → learners
//	per_day         → days (end − start + 1)
//	per_learner_day → learners × days
//	per_class       → 1
func (c ClassSpec) Quantity(unit string) int64 {
	switch unit {
	case UnitSession:
		return int64(c.Sessions())
	case UnitLearner:
		return int64(c.Learners)
	case UnitDay:
		return int64(c.Days())
	case UnitLearnerDay:
		return int64(c.Learners) * int64(c.Days())
	}
	return 1
}

// Compute costs class c with rate table t (nil: none in force): one line
// per item that applies, amount = quantity × unit amount. Lecturer pay uses
// the class's lecturer rank; when the class names none and the table has
// exactly one rank, that one. Every item without a rate becomes a field
// error, so the planner sees all that is missing at once.
func Compute(c ClassSpec, t *RateTable) ([]Line, []core.FieldError) {
	var lines []Line
	var errs []core.FieldError
	missing := func(item, detail string) {
		msg := "Chưa có định mức chi hiệu lực ngày " + c.Start.VN() + " cho khoản " + ItemNames[item] + detail
		errs = append(errs, core.FieldError{Field: "rates." + item, Message: msg})
	}
	for _, item := range Items {
		if !c.Applies(item) {
			continue
		}
		if t == nil {
			missing(item, "")
			continue
		}
		rank := ""
		if item == ItemLecturerPay {
			ranks := t.Ranks(item)
			switch {
			case c.LecturerRank != "":
				rank = c.LecturerRank
			case len(ranks) == 1:
				rank = ranks[0]
			case len(ranks) > 1:
				errs = append(errs, core.FieldError{Field: "lecturer_rank",
					Message: "Chọn hạng giảng viên để tính thù lao: " + strings.Join(ranks, ", ") + "."})
				continue
			}
		}
		r, ok := t.Find(item, rank)
		if !ok {
			detail := ""
			if rank != "" {
				detail = " (hạng " + rank + ")"
			}
			missing(item, detail)
			continue
		}
		src := r.FundingSource
		if c.FundingSource != "" {
			src = c.FundingSource
		}
		q := c.Quantity(r.Unit)
		lines = append(lines, Line{Item: item, Rank: rank, Unit: r.Unit, Quantity: q, UnitAmount: r.Amount,
			ComputedAmount: q * r.Amount, Amount: q * r.Amount, FundingSource: src, Source: SourceRates + t.ID})
	}
	return lines, errs
}

// Line sources.
const (
	SourceRates = "rates:"     // followed by the rate table id
	SourceNorms = "cost_norms" // a CostNorms plugin
)

// CostClass computes the lines of class c for tenant inside the caller's
// transaction: with the tenant's CostNorms plugin when one is enabled, else
// (or when it fails) with the rate table in force on the class start date.
// note carries the plugin's failure, to be shown next to the lines. Missing
// rates are an EINVALID error with one field error per item.
func (s *Service) CostClass(ctx context.Context, q bun.IDB, tenant string, c ClassSpec) (lines []Line, note string, err error) {
	if s.norms != nil {
		cl, used, err := s.norms.ClassCosts(ctx, tenant, core.CostRequest{
			Date: c.Start.Time(), ClassID: c.ClassID, ProgramCode: c.ProgramCode, Learners: c.Learners,
			Days: c.Days(), Sessions: c.Sessions(), LecturerRank: c.LecturerRank, Format: c.Format,
			FieldTrip: c.Format == FormatFieldTrip,
		})
		switch {
		case used && err == nil:
			return fromNorms(cl, c.FundingSource), "", nil
		case err != nil:
			// The CostNorms contract: the message names the plugin and says
			// the rate tables are used instead; shown as it is.
			note = core.ErrorMessage(err)
			if core.ErrorCode(err) == core.EINTERNAL {
				note = "Không tính được theo định mức của plugin; đã tính theo bảng định mức chi của đơn vị."
			}
		}
	}
	t, err := s.InForce(ctx, q, tenant, c.Start)
	if err != nil {
		return nil, note, err
	}
	lines, errs := Compute(c, t)
	if len(errs) > 0 {
		return nil, note, core.Invalid("Chưa tính được dự toán kinh phí của lớp.", errs...)
	}
	return lines, note, nil
}

// fromNorms turns plugin lines into budget lines; an unknown funding source
// becomes "other" so totals still add up.
func fromNorms(cl []core.CostLine, classSource string) []Line {
	out := make([]Line, 0, len(cl))
	for _, l := range cl {
		src := l.FundingSource
		if classSource != "" {
			src = classSource
		}
		if _, ok := SourceNames[src]; !ok {
			src = SourceOther
		}
		out = append(out, Line{Item: l.Item, Description: l.Description, Unit: l.Unit, Quantity: l.Quantity,
			UnitAmount: l.UnitAmount, ComputedAmount: l.Amount, Amount: l.Amount, FundingSource: src, Source: SourceNorms})
	}
	return out
}
