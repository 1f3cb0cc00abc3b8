package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/i18n"
	"doanbd/core/plan"
	"doanbd/core/program"
)

// Lecturer ranks of the rate tables (hạng giảng viên, Thông tư 36/2018).
var lecturerRanks = []string{"hang1", "hang2", "hang3", "hang4"}

var programGroupKeys = map[string]string{
	"central": "class.programs_central", "variant": "class.programs_variant", "plugin": "class.programs_plugin",
}

var classFormats = []string{budget.FormatInPerson, budget.FormatOnline, budget.FormatBlended, budget.FormatFieldTrip}

type classFormData struct {
	Plan      *plan.View
	Nominees  []nomineeOption
	CanPick   bool
	ClassID   string
	Programs  []optGroup
	Formats   []option
	Venues    []option
	Ranks     []option
	Sources   []option
	CanDelete bool
}

// optGroup is a labelled group of options.
type optGroup struct {
	Label   string
	Options []option
}

// programValue is how a programme is chosen in the class form: a catalogue
// id, or "plugin:<name>|<code>" for a plugin's local programme.
func programValue(p program.Program) string {
	if p.ID != "" {
		return p.ID
	}
	return p.Source + "|" + p.Code
}

func (u *UI) classFormData(c *gin.Context, v *View, pv *plan.View, classID string) (classFormData, error) {
	p := u.cat.For(v.Lang)
	res, err := u.programs.List(c.Request.Context(), v.Tenant.ID, program.Filter{Status: program.StatusPublished})
	if err != nil {
		return classFormData{}, err
	}
	groups := map[string]*optGroup{}
	var order []string
	for _, pr := range res.Items {
		key := "central"
		switch {
		case strings.HasPrefix(pr.Source, "plugin:"):
			key = "plugin"
		case pr.IsVariant():
			key = "variant"
		}
		g, ok := groups[key]
		if !ok {
			g = &optGroup{Label: p.T(programGroupKeys[key])}
			groups[key] = g
			order = append(order, key)
		}
		g.Options = append(g.Options, option{programValue(pr), pr.Code + " — " + pr.Name})
	}
	d := classFormData{Plan: pv, ClassID: classID, CanDelete: classID != "", CanPick: u.roster != nil && u.can(c, v, objCadre, actRead)}
	for _, k := range []string{"central", "variant", "plugin"} {
		if g, ok := groups[k]; ok {
			d.Programs = append(d.Programs, *g)
		}
	}
	for _, f := range classFormats {
		d.Formats = append(d.Formats, option{f, p.Label("class.format.", f)})
	}
	for _, vk := range []string{core.VenueInternal, core.VenueExternal} {
		d.Venues = append(d.Venues, option{vk, p.Label("class.venue.", vk)})
	}
	for _, r := range lecturerRanks {
		d.Ranks = append(d.Ranks, option{r, p.Label("class.rank.", r)})
	}
	for _, s := range budget.FundingSources {
		d.Sources = append(d.Sources, option{s, p.Label("budget.source.", s)})
	}
	return d, nil
}

// editablePlan loads the plan of the URL and refuses changes once it is
// submitted.
func (u *UI) editablePlan(c *gin.Context, v *View) (*plan.View, error) {
	pv, err := u.plans.Get(c.Request.Context(), v.Tenant.ID, c.Param("id"))
	if err != nil {
		return nil, err
	}
	if !plan.Editable(pv.Status) {
		return nil, core.Errorf(core.ECONFLICT, "Kế hoạch đã gửi duyệt, không sửa được nữa.")
	}
	return pv, nil
}

// classForm handles GET /t/:tenant/plans/:id/classes/form[?class=…]: the
// form for a new class, or for editing the class named in the query.
func (u *UI) classForm(c *gin.Context) error {
	cid := c.Query("class")
	if cid == "" {
		return u.classNew(c)
	}
	v := u.view(c, "class.edit_title")
	pv, err := u.editablePlan(c, v)
	if err != nil {
		return err
	}
	var cls *plan.ClassView
	for i := range pv.Classes {
		if pv.Classes[i].ID == cid {
			cls = &pv.Classes[i]
		}
	}
	if cls == nil {
		return core.Errorf(core.ENOTFOUND, "Không tìm thấy lớp.")
	}
	d, err := u.classFormData(c, v, pv, cls.ID)
	if err != nil {
		return err
	}
	prog := cls.ProgramID
	if prog == "" {
		prog = cls.ProgramSource + "|" + cls.ProgramCode
	}
	vals := url.Values{"program": {prog}, "learners": {strconv.Itoa(cls.Learners)},
		"start_date": {cls.StartDate.Time().Format("02/01/2006")}, "end_date": {cls.EndDate.Time().Format("02/01/2006")},
		"place": {cls.Place}, "venue_kind": {cls.VenueKind}, "format": {cls.Format}, "lecturer_rank": {cls.LecturerRank},
		"funding_source": {cls.FundingSource}, "note": {cls.Note}}
	if cls.PriorityArea {
		vals.Set("priority_area", "1")
	}
	vals["nominees"] = cls.Nominees
	if d.Nominees, err = u.nomineeOptions(c, v.Tenant.ID, cls.Nominees); err != nil {
		return err
	}
	v.Form = emptyForm(u.cat.For(v.Lang), vals)
	v.Data = d
	return u.html(c, "class_form", v)
}

func (u *UI) classNew(c *gin.Context) error {
	v := u.view(c, "class.new_title")
	pv, err := u.editablePlan(c, v)
	if err != nil {
		return err
	}
	d, err := u.classFormData(c, v, pv, "")
	if err != nil {
		return err
	}
	v.Form = emptyForm(u.cat.For(v.Lang), url.Values{"format": {budget.FormatInPerson}, "venue_kind": {core.VenueInternal},
		"lecturer_rank": {"hang3"}})
	v.Data = d
	return u.html(c, "class_form", v)
}

// classCreate handles POST /t/:tenant/plans/:id/classes.
func (u *UI) classCreate(c *gin.Context) error { return u.classSave(c, "") }

// classUpdate handles POST /t/:tenant/plans/:id/classes/:cid.
func (u *UI) classUpdate(c *gin.Context) error { return u.classSave(c, c.Param("cid")) }

func (u *UI) classSave(c *gin.Context, classID string) error {
	v := u.view(c, "class.new_title")
	if classID != "" {
		v.Title = u.cat.For(v.Lang).T("class.edit_title")
	}
	pv, err := u.editablePlan(c, v)
	if err != nil {
		return err
	}
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	in := classInput(f)
	if f.OK() {
		ctx := c.Request.Context()
		if classID == "" {
			_, err = u.plans.AddClass(ctx, v.Tenant.ID, pv.ID, in)
		} else {
			_, err = u.plans.UpdateClass(ctx, v.Tenant.ID, pv.ID, classID, in)
		}
		if err == nil {
			return u.redirect(c, "/t/"+v.Tenant.ID+"/plans/"+pv.ID, "class.saved")
		}
		if !f.Take(err, map[string]string{"program_id": "program", "program_code": "program", "program_source": "program"}) {
			return err
		}
	}
	d, err := u.classFormData(c, v, pv, classID)
	if err != nil {
		return err
	}
	if d.Nominees, err = u.nomineeOptions(c, v.Tenant.ID, in.Nominees); err != nil {
		return err
	}
	v.Form, v.Data, v.Status = f, d, http.StatusUnprocessableEntity
	return u.html(c, "class_form", v)
}

// nomineeOption is a cadre shown as a checkbox in the class form.
type nomineeOption struct {
	ID, Label string
}

// nomineeOptions names the chosen nominees (one query for all of them).
func (u *UI) nomineeOptions(c *gin.Context, tenant string, ids []string) ([]nomineeOption, error) {
	if u.roster == nil || len(ids) == 0 {
		return nil, nil
	}
	found, err := u.roster.Nominees(c.Request.Context(), tenant, ids)
	if err != nil {
		return nil, err
	}
	var out []nomineeOption
	for _, id := range ids {
		if n, ok := found[id]; ok {
			out = append(out, nomineeOption{ID: id, Label: n.Name + " (" + n.BirthDate.VN() + ")"})
		}
	}
	return out, nil
}

// classDelete handles POST /t/:tenant/plans/:id/classes/:cid/delete.
func (u *UI) classDelete(c *gin.Context) error {
	v := u.view(c, "plans.title")
	pv, err := u.editablePlan(c, v)
	if err != nil {
		return err
	}
	if err := u.plans.DeleteClass(c.Request.Context(), v.Tenant.ID, pv.ID, c.Param("cid")); err != nil {
		return err
	}
	return u.redirect(c, "/t/"+v.Tenant.ID+"/plans/"+pv.ID, "class.deleted")
}

// classInput reads the class form.
func classInput(f *Form) plan.ClassInput {
	in := plan.ClassInput{Place: f.Get("place"), VenueKind: f.Get("venue_kind"), Format: f.Get("format"),
		PriorityArea: f.Get("priority_area") != "", LecturerRank: f.Get("lecturer_rank"),
		FundingSource: f.Get("funding_source"), Note: f.Get("note")}
	prog := f.Get("program")
	if src, code, ok := strings.Cut(prog, "|"); ok {
		in.ProgramSource, in.ProgramCode = src, code
	} else {
		in.ProgramID = prog
	}
	f.Required("program", "learners", "start_date", "end_date")
	if s := f.Get("learners"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			f.Fail("learners", "class.learners_invalid")
		}
		in.Learners = n
	}
	seen := map[string]bool{}
	for _, id := range f.List("nominees") {
		if id = strings.TrimSpace(id); id != "" && !seen[id] {
			seen[id] = true
			in.Nominees = append(in.Nominees, id)
		}
	}
	in.StartDate = budgetDate(f, "start_date")
	in.EndDate = budgetDate(f, "end_date")
	return in
}

func budgetDate(f *Form, name string) budget.Date {
	s := f.Get(name)
	if s == "" {
		return budget.Date{}
	}
	t, err := i18n.ParseDate(s)
	if err != nil {
		f.Fail(name, "form.date_invalid")
		return budget.Date{}
	}
	return budget.DateOf(t)
}
