package cadre

import (
	"strconv"
	"strings"
	"time"

	"doanbd/core"
	"doanbd/core/vntext"
)

// Enrolment results.
const (
	EnrolmentInProgress   = "in_progress"
	EnrolmentCompleted    = "completed"
	EnrolmentNotCompleted = "not_completed"
)

// EnrolmentResults lists the results with their Vietnamese labels.
var EnrolmentResults = []Choice{
	{EnrolmentInProgress, "Đang học"}, {EnrolmentCompleted, "Hoàn thành"}, {EnrolmentNotCompleted, "Không hoàn thành"},
}

// Enrolment is one training a cadre took: the cadre's training history, what
// the programme's KPIs count. The programme is a snapshot (code, name and
// group as they were then), so the history outlives catalogue changes.
// OriginTenant is where the training was earned: a transfer copies the
// history into the receiving tenant and keeps it; ClassID names a planned
// class of OriginTenant's plans, when the training was one.
type Enrolment struct {
	ID            string    `json:"id"`
	CadreID       string    `json:"cadre_id"`
	ProgramCode   string    `json:"program_code"`
	ProgramName   string    `json:"program_name"`
	ProgramGroup  string    `json:"program_group"`
	ClassID       string    `json:"class_id"`
	Year          int       `json:"year"`
	StartOn       Date      `json:"start_on"`
	EndOn         Date      `json:"end_on"`
	Hours         int       `json:"hours"`
	Result        string    `json:"result"`
	CompletedOn   Date      `json:"completed_on"`
	CertificateNo string    `json:"certificate_no"`
	OriginTenant  string    `json:"origin_tenant"`
	CreatedAt     time.Time `json:"created_at"`
}

// EnrolmentInput records a training. With a class id, the programme, year
// and dates left empty are taken from the planned class.
type EnrolmentInput struct {
	ProgramCode   string `json:"program_code"`
	ProgramName   string `json:"program_name"`
	ProgramGroup  string `json:"program_group"`
	ClassID       string `json:"class_id"`
	Year          int    `json:"year"`
	StartOn       Date   `json:"start_on"`
	EndOn         Date   `json:"end_on"`
	Hours         int    `json:"hours"`
	Result        string `json:"result"` // in_progress (default), completed, not_completed
	CompletedOn   Date   `json:"completed_on"`
	CertificateNo string `json:"certificate_no"`
}

// Bounds of an enrolment's year and hours: training before the roster's
// people were in the union, or years ahead, is a typing error.
const (
	MinEnrolmentYear = 1990
	MaxEnrolmentHrs  = 2000
)

// Normalize cleans the texts and turns a result label into its code.
func (in *EnrolmentInput) Normalize() {
	in.ProgramCode = strings.ToUpper(vntext.Clean(in.ProgramCode))
	in.ProgramName = vntext.Clean(in.ProgramName)
	in.ProgramGroup = strings.ToUpper(vntext.Clean(in.ProgramGroup))
	in.ClassID = strings.TrimSpace(in.ClassID)
	in.CertificateNo = vntext.Clean(in.CertificateNo)
	if in.Result == "" {
		in.Result = EnrolmentInProgress
	} else if r, ok := ParseChoice(EnrolmentResults, in.Result); ok {
		in.Result = r
	}
}

// Validate reports what is wrong with a normalised input, as of today.
func (in *EnrolmentInput) Validate(today Date) []Problem {
	var ps []Problem
	empty := "không được để trống"
	for _, f := range []struct{ name, v string }{
		{"program_code", in.ProgramCode}, {"program_name", in.ProgramName}, {"program_group", in.ProgramGroup},
	} {
		if f.v == "" {
			ps = append(ps, Problem{Field: f.name, Message: empty})
		}
	}
	if y := today.Time().Year() + 1; in.Year < MinEnrolmentYear || in.Year > y {
		ps = append(ps, Problem{Field: "year", Message: "phải là một năm từ 1990 đến " + strconv.Itoa(y)})
	}
	switch {
	case in.StartOn.IsZero():
		ps = append(ps, Problem{Field: "start_on", Message: empty})
	case in.StartOn.Time().Year() < in.Year-1 || in.StartOn.Time().Year() > in.Year+1:
		ps = append(ps, Problem{Field: "start_on", Message: "phải thuộc năm " + strconv.Itoa(in.Year) + " hoặc năm liền kề"})
	case !in.EndOn.IsZero() && in.EndOn.Before(in.StartOn):
		ps = append(ps, Problem{Field: "end_on", Message: "không được trước ngày bắt đầu"})
	}
	if in.Hours < 0 || in.Hours > MaxEnrolmentHrs {
		ps = append(ps, Problem{Field: "hours", Message: "phải từ 0 đến " + strconv.Itoa(MaxEnrolmentHrs) + " tiết"})
	}
	switch in.Result {
	case EnrolmentCompleted:
		switch {
		case in.CompletedOn.IsZero():
			ps = append(ps, Problem{Field: "completed_on", Message: "không được để trống khi đã hoàn thành"})
		case in.CompletedOn.After(today):
			ps = append(ps, Problem{Field: "completed_on", Message: "không được sau ngày hôm nay"})
		case !in.StartOn.IsZero() && in.CompletedOn.Before(in.StartOn):
			ps = append(ps, Problem{Field: "completed_on", Message: "không được trước ngày bắt đầu"})
		}
	case EnrolmentInProgress, EnrolmentNotCompleted:
		if !in.CompletedOn.IsZero() {
			ps = append(ps, Problem{Field: "completed_on", Message: "chỉ ghi khi đã hoàn thành"})
		}
		if in.CertificateNo != "" {
			ps = append(ps, Problem{Field: "certificate_no", Message: "chỉ ghi khi đã hoàn thành"})
		}
	default:
		ps = append(ps, Problem{Field: "result", Message: "phải là in_progress, completed hoặc not_completed"})
	}
	return ps
}

// AsInvalidEnrolment turns problems into the enrolment's EINVALID error
// (nil when there are only warnings or none).
func AsInvalidEnrolment(ps []Problem) error {
	var fs []core.FieldError
	for _, p := range ps {
		if !p.Warning {
			fs = append(fs, core.FieldError{Field: p.Field, Message: p.Message})
		}
	}
	if len(fs) == 0 {
		return nil
	}
	return core.Invalid("Dữ liệu quá trình bồi dưỡng chưa hợp lệ.", fs...)
}
