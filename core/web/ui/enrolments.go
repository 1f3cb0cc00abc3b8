package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"doanbd/core/cadre"
	"doanbd/core/program"
)

// enrolmentFormData is the "record a training" page of one cadre.
type enrolmentFormData struct {
	CadreID, CadreName string
	Programs           []option
	Results            []option
}

// enrolmentForm reads the cadre (one whose record can still change) and the
// tenant's published programmes, by code, for the form.
func (u *UI) enrolmentForm(c *gin.Context, v *View) (cadre.Cadre, enrolmentFormData, map[string]program.Program, error) {
	it, err := u.cadreFor(c)
	if err != nil {
		return cadre.Cadre{}, enrolmentFormData{}, nil, err
	}
	res, err := u.programs.List(c.Request.Context(), v.Tenant.ID, program.Filter{Status: program.StatusPublished})
	if err != nil {
		return cadre.Cadre{}, enrolmentFormData{}, nil, err
	}
	d := enrolmentFormData{CadreID: it.ID, CadreName: it.FullName,
		Results: choiceOptions(u.cat.For(v.Lang), "cadre.enrolment.result.", cadre.EnrolmentResults)}
	byCode := make(map[string]program.Program, len(res.Items))
	for _, pr := range res.Items {
		if _, dup := byCode[pr.Code]; dup {
			continue
		}
		byCode[pr.Code] = pr
		d.Programs = append(d.Programs, option{pr.Code, pr.Code + " — " + pr.Name})
	}
	return it, d, byCode, nil
}

// enrolmentNew handles GET /t/:tenant/cadres/:id/enrolments/new.
func (u *UI) enrolmentNew(c *gin.Context) error {
	v := u.view(c, "enrolment.new_title")
	_, d, _, err := u.enrolmentForm(c, v)
	if err != nil {
		return err
	}
	v.Form = emptyForm(u.cat.For(v.Lang), url.Values{
		"year": {strconv.Itoa(cadre.Today().Time().Year())}, "result": {cadre.EnrolmentCompleted}})
	v.Data = d
	return u.html(c, "enrolment_form", v)
}

// enrolmentCreate handles POST /t/:tenant/cadres/:id/enrolments: one
// training added to the cadre's history (the roster validates it and
// refuses a record that was transferred out).
func (u *UI) enrolmentCreate(c *gin.Context) error {
	v := u.view(c, "enrolment.new_title")
	it, d, programs, err := u.enrolmentForm(c, v)
	if err != nil {
		return err
	}
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	v.Form = f
	f.Required("program", "year", "start_on", "result")
	in := cadre.EnrolmentInput{Year: formInt(f, "year"), StartOn: formDate(f, "start_on"), EndOn: formDate(f, "end_on"),
		Hours: formInt(f, "hours"), Result: f.Get("result"), CompletedOn: formDate(f, "completed_on"), CertificateNo: f.Get("certificate_no")}
	if code := f.Get("program"); code != "" {
		if pr, ok := programs[code]; !ok {
			f.Fail("program", "enrolment.program_unknown")
		} else {
			in.ProgramCode, in.ProgramName, in.ProgramGroup = pr.Code, pr.Name, pr.Group
			if f.Get("hours") == "" {
				in.Hours = pr.TotalHours
			}
		}
	}
	if f.OK() {
		_, err := u.roster.RecordEnrolment(c.Request.Context(), v.Tenant.ID, it.ID, in)
		if err == nil {
			return u.redirect(c, "/t/"+v.Tenant.ID+"/cadres/"+it.ID, "enrolment.added")
		}
		programField := map[string]string{"program_code": "program", "program_name": "program", "program_group": "program"}
		if !f.Take(err, programField) {
			return err
		}
	}
	v.Data, v.Status = d, http.StatusUnprocessableEntity
	return u.html(c, "enrolment_form", v)
}

// formInt reads a whole-number field; empty is 0 (the service says if it
// is required), anything else that is not a number fails the field.
func formInt(f *Form, name string) int {
	s := f.Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f.Fail(name, "enrolment.number_invalid")
		return 0
	}
	return n
}
