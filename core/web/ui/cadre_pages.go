package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/cadre/roster"
	"doanbd/core/i18n"
)

type positionRow struct {
	Kind, Unit, Title, From, To, Decision, Note string
}

type planningRow struct {
	Title, Since, Until string
}

// enrolmentRow is one line of the "Lịch sử bồi dưỡng" table. EarnedIn names
// the tenant where the training was earned when it is not this one (a
// cadre who came by transfer).
type enrolmentRow struct {
	Program, Year, Dates, Hours, Result, Certificate, EarnedIn string
	Done                                                       bool
}

type cadreDetailData struct {
	Row          cadreRow
	Cadre        cadre.Cadre
	Positions    []positionRow
	Planning     []planningRow
	Enrolments   []enrolmentRow
	Sensitive    *cadre.Sensitive
	CanWrite     bool
	CanSensitive bool
	CanEnrol     bool // the "record a training" page exists (and CanWrite)
	// The "record a position" form.
	Kinds  []option
	Units  []option
	Titles []option
}

// cadreShow handles GET /t/:tenant/cadres/:id.
func (u *UI) cadreShow(c *gin.Context) error {
	v := u.view(c, "cadre.title")
	d, err := u.cadreDetail(c, v)
	if err != nil {
		return err
	}
	v.Form = emptyForm(u.cat.For(v.Lang), url.Values{"on": {cadre.Today().VN()}, "unit_id": {d.Cadre.UnitID}, "title": {d.Cadre.Title}})
	v.Data = d
	return u.html(c, "cadre", v)
}

// cadreSensitive handles GET /t/:tenant/cadres/:id/sensitive: the detail
// page with CCCD, ethnicity and religion (the read is audit-logged by the
// roster), or only that box for htmx.
func (u *UI) cadreSensitive(c *gin.Context) error {
	v := u.view(c, "cadre.title")
	d, err := u.cadreDetail(c, v)
	if err != nil {
		return err
	}
	s, err := u.roster.ReadSensitive(c.Request.Context(), v.Tenant.ID, d.Cadre.ID)
	if err != nil {
		return err
	}
	d.Sensitive = &s
	c.Header("Cache-Control", "no-store")
	v.Form = emptyForm(u.cat.For(v.Lang), url.Values{"on": {cadre.Today().VN()}})
	v.Data = d
	if c.GetHeader("HX-Request") != "" {
		return u.fragment(c, "cadre", "sensitive", v)
	}
	return u.html(c, "cadre", v)
}

func (u *UI) cadreDetail(c *gin.Context, v *View) (*cadreDetailData, error) {
	ctx := c.Request.Context()
	t := v.Tenant.ID
	it, err := u.cadreFor(c)
	if err != nil {
		return nil, err
	}
	units, err := u.roster.UnitIndex(ctx, t)
	if err != nil {
		return nil, err
	}
	positions, err := u.roster.Positions(ctx, t, it.ID)
	if err != nil {
		return nil, err
	}
	planning, err := u.roster.Planning(ctx, t, it.ID)
	if err != nil {
		return nil, err
	}
	p := u.cat.For(v.Lang)
	names := unitNames(units)
	titles := u.roster.Titles()
	titleName := func(code string) string {
		if tt, ok := titles.ByCode(code); ok {
			return tt.Name
		}
		return code
	}
	d := &cadreDetailData{Row: u.cadreRowOf(p, it, names, titles), Cadre: it,
		CanWrite: u.can(c, v, objCadre, actWrite) && it.Status != cadre.TransferredOut, CanSensitive: u.can(c, v, objCadre, actReadSensitive)}
	d.CanEnrol = d.CanWrite && u.programs != nil
	for _, ps := range positions {
		d.Positions = append(d.Positions, positionRow{Kind: p.Label("cadre.position.", ps.Kind), Unit: names[ps.UnitID],
			Title: titleName(ps.Title), From: ps.StartedOn.VN(), To: ps.EndedOn.VN(), Decision: ps.Decision, Note: ps.Note})
	}
	for _, pl := range planning {
		d.Planning = append(d.Planning, planningRow{Title: titleName(pl.Title), Since: pl.Since.VN(), Until: pl.Until.VN()})
	}
	enrolments, err := u.roster.Enrolments(ctx, t, it.ID)
	if err != nil {
		return nil, err
	}
	if d.Enrolments, err = u.enrolmentRows(ctx, p, t, enrolments); err != nil {
		return nil, err
	}
	if d.CanWrite {
		d.Kinds = choiceOptions(p, "cadre.position.", cadre.PositionKinds[:3])
		d.Units = u.unitChoices(units, it.UnitID)
		d.Titles, _ = titleOptions(titles)
	}
	v.Title = it.FullName
	return d, nil
}

// enrolmentRows formats a training history for the page; the tenants
// where trainings were earned are named as the registry names them today
// (by slug when the registry no longer has them).
func (u *UI) enrolmentRows(ctx context.Context, p i18n.Printer, tenant string, es []cadre.Enrolment) ([]enrolmentRow, error) {
	names := map[string]string{}
	out := make([]enrolmentRow, 0, len(es))
	for _, e := range es {
		r := enrolmentRow{Program: e.ProgramName, Year: strconv.Itoa(e.Year), Dates: e.StartOn.VN(),
			Result: p.Label("cadre.enrolment.result.", e.Result), Certificate: e.CertificateNo,
			Done: e.Result == cadre.EnrolmentCompleted}
		if e.ProgramCode != "" {
			r.Program = e.ProgramCode + " — " + e.ProgramName
		}
		if end := e.EndOn.VN(); end != "" && e.EndOn != e.StartOn {
			r.Dates += " – " + end
		}
		if e.Hours > 0 {
			r.Hours = i18n.Int(int64(e.Hours))
		}
		if e.OriginTenant != "" && e.OriginTenant != tenant {
			name, ok := names[e.OriginTenant]
			if !ok {
				name = e.OriginTenant
				tt, err := u.tenants.Get(ctx, e.OriginTenant)
				switch {
				case err == nil && tt.Name != "":
					name = tt.Name
				case err != nil && core.ErrorCode(err) != core.ENOTFOUND:
					return nil, err
				}
				names[e.OriginTenant] = name
			}
			r.EarnedIn = name
		}
		out = append(out, r)
	}
	return out, nil
}

// unitChoices are the first options of a unit picker: the current unit and
// the first units by name (the search fills in the rest).
func (u *UI) unitChoices(l *roster.UnitLookup, current string) []option {
	const first = 200
	var out []option
	for _, un := range l.Units {
		if un.ID == current {
			out = append(out, option{un.ID, un.Name})
		}
	}
	for _, un := range l.Units {
		if len(out) >= first {
			break
		}
		if un.ID != current && un.ActiveOn(cadre.Today()) {
			out = append(out, option{un.ID, un.Name})
		}
	}
	return out
}

type cadreFormData struct {
	ID         string // empty when creating
	Units      []option
	Titles     []option
	Genders    []option
	Employment []option
}

func (u *UI) cadreFormData(c *gin.Context, v *View, id, unit string) (cadreFormData, error) {
	p := u.cat.For(v.Lang)
	units, err := u.roster.UnitIndex(c.Request.Context(), v.Tenant.ID)
	if err != nil {
		return cadreFormData{}, err
	}
	d := cadreFormData{ID: id, Units: u.unitChoices(units, unit),
		Genders: choiceOptions(p, "cadre.gender.", cadre.Genders), Employment: choiceOptions(p, "cadre.employment.", cadre.Employments)}
	d.Titles, _ = titleOptions(u.roster.Titles())
	return d, nil
}

// cadreNew handles GET /t/:tenant/cadres/new.
func (u *UI) cadreNew(c *gin.Context) error {
	v := u.view(c, "cadre.new_title")
	d, err := u.cadreFormData(c, v, "", "")
	if err != nil {
		return err
	}
	v.Form = emptyForm(u.cat.For(v.Lang), url.Values{"position_since": {cadre.Today().VN()}})
	v.Data = d
	return u.html(c, "cadre_form", v)
}

// cadreCreate handles POST /t/:tenant/cadres.
func (u *UI) cadreCreate(c *gin.Context) error {
	v := u.view(c, "cadre.new_title")
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	v.Form = f
	in := cadreInput(f, true)
	if f.OK() {
		created, err := u.roster.CreateCadre(c.Request.Context(), v.Tenant.ID, in)
		if err == nil {
			return u.redirect(c, "/t/"+v.Tenant.ID+"/cadres/"+created.ID, "cadre.created")
		}
		if !f.Take(err, nil) {
			return err
		}
	}
	d, err := u.cadreFormData(c, v, "", f.Get("unit_id"))
	if err != nil {
		return err
	}
	v.Data, v.Status = d, http.StatusUnprocessableEntity
	return u.html(c, "cadre_form", v)
}

// cadreEdit handles GET /t/:tenant/cadres/:id/edit.
func (u *UI) cadreEdit(c *gin.Context) error {
	v := u.view(c, "cadre.edit_title")
	it, err := u.cadreFor(c)
	if err != nil {
		return err
	}
	d, err := u.cadreFormData(c, v, it.ID, it.UnitID)
	if err != nil {
		return err
	}
	v.Form = emptyForm(u.cat.For(v.Lang), url.Values{
		"full_name": {it.FullName}, "birth_date": {it.BirthDate.VN()}, "gender": {it.Gender},
		"phone": {it.Phone}, "email": {it.Email}, "unit_id": {it.UnitID}, "title": {it.Title},
		"employment": {it.Employment}})
	v.Data = d
	return u.html(c, "cadre_form", v)
}

// cadreUpdate handles POST /t/:tenant/cadres/:id.
func (u *UI) cadreUpdate(c *gin.Context) error {
	v := u.view(c, "cadre.edit_title")
	it, err := u.cadreFor(c)
	if err != nil {
		return err
	}
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	v.Form = f
	in := cadreInput(f, false)
	if f.OK() {
		_, err := u.roster.UpdateCadre(c.Request.Context(), v.Tenant.ID, it.ID, in)
		if err == nil {
			return u.redirect(c, "/t/"+v.Tenant.ID+"/cadres/"+it.ID, "form.saved")
		}
		if !f.Take(err, nil) {
			return err
		}
	}
	d, err := u.cadreFormData(c, v, it.ID, f.Get("unit_id"))
	if err != nil {
		return err
	}
	v.Data, v.Status = d, http.StatusUnprocessableEntity
	return u.html(c, "cadre_form", v)
}

// cadreAddPosition handles POST /t/:tenant/cadres/:id/positions.
func (u *UI) cadreAddPosition(c *gin.Context) error {
	v := u.view(c, "cadre.title")
	it, err := u.cadreFor(c)
	if err != nil {
		return err
	}
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	in := roster.PositionInput{Kind: f.Get("kind"), UnitID: f.Get("unit_id"), Title: f.Get("title"),
		On: formDate(f, "on"), Decision: f.Get("decision"), Note: f.Get("note")}
	f.Required("kind", "on")
	if f.OK() {
		_, err := u.roster.AddPosition(c.Request.Context(), v.Tenant.ID, it.ID, in)
		if err == nil {
			return u.redirect(c, "/t/"+v.Tenant.ID+"/cadres/"+it.ID, "cadre.position_added")
		}
		if !f.Take(err, map[string]string{"on": "on"}) {
			return err
		}
	}
	d, err := u.cadreDetail(c, v)
	if err != nil {
		return err
	}
	v.Form, v.Data, v.Status = f, d, http.StatusUnprocessableEntity
	return u.html(c, "cadre", v)
}

// cadreInput reads the cadre form. Sensitive fields left empty keep the
// stored value (they are never shown in the form).
func cadreInput(f *Form, create bool) cadre.CadreInput {
	in := cadre.CadreInput{FullName: f.Get("full_name"), BirthDate: formDate(f, "birth_date"), Gender: f.Get("gender"),
		Phone: f.Get("phone"), Email: f.Get("email"), UnitID: f.Get("unit_id"), Title: f.Get("title"),
		Employment: f.Get("employment")}
	for name, dst := range map[string]**string{"cccd": &in.CCCD, "ethnicity": &in.Ethnicity, "religion": &in.Religion} {
		if s := f.Get(name); s != "" {
			*dst = &s
		}
	}
	if create {
		in.PositionSince = formDate(f, "position_since")
	}
	return in
}

// formDate reads a dd/mm/yyyy field; a value that is not a date fails the
// field, an empty one is the zero date (the service says if it is required).
func formDate(f *Form, name string) cadre.Date {
	s := f.Get(name)
	if s == "" {
		return cadre.Date{}
	}
	t, err := i18n.ParseDate(s)
	if err != nil {
		f.Fail(name, "form.date_invalid")
		return cadre.Date{}
	}
	return cadre.DateOf(t)
}
