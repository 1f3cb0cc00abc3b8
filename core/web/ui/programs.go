package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/i18n"
	"doanbd/core/program"
	"doanbd/core/web"
	"doanbd/workflows/engine"
)

const programSubject = "program"

func (u *UI) registerPrograms(s *web.Server) {
	if u.programs == nil {
		return
	}
	s.TenantPage(http.MethodGet, "/programs", objProgram, actRead, u.programList)
	s.TenantPage(http.MethodGet, "/programs/:id", objProgram, actRead, u.programShow)
	s.TenantPage(http.MethodPost, "/programs/:id/variants", objProgram, actWrite, u.programVariant)
	s.TenantPage(http.MethodPost, "/programs/:id", objProgram, actWrite, u.programSave)
	// The engine checks each action's own permission.
	s.TenantPage(http.MethodPost, "/programs/:id/actions", objProgram, actRead, u.programAction)
	u.sections = append(u.sections, section{label: "nav.programs", path: "/programs", obj: objProgram, act: actRead})
}

type programRow struct {
	program.Program
	Kind, GroupName, StatusLabel string
}

type programListData struct {
	Rows   []programRow
	Source string
	Stale  bool
}

// programKind is central, variant or plugin.
func programKind(p program.Program) string {
	switch {
	case strings.HasPrefix(p.Source, program.SourcePluginPrefix):
		return "plugin"
	case p.IsVariant():
		return "variant"
	}
	return "central"
}

var programKindKeys = map[string]string{
	"central": "programs.kind_central", "variant": "programs.kind_variant", "plugin": "programs.kind_plugin",
}

// programList handles GET /t/:tenant/programs?source=&q=: the catalogue the
// tenant sees — central programmes, its variants, its plugins' programmes.
func (u *UI) programList(c *gin.Context) error {
	v := u.view(c, "programs.title")
	p := u.cat.For(v.Lang)
	src := c.Query("source")
	if src != "central" && src != "variant" && src != "plugin" {
		src = ""
	}
	res, err := u.programs.List(c.Request.Context(), v.Tenant.ID, program.Filter{Source: src, Search: c.Query("q")})
	if err != nil {
		return err
	}
	names, err := u.groupNames(c, v.Lang)
	if err != nil {
		return err
	}
	d := programListData{Source: src, Stale: res.Stale}
	for _, pr := range res.Items {
		d.Rows = append(d.Rows, programRow{Program: pr, Kind: p.T(programKindKeys[programKind(pr)]),
			GroupName: names[pr.Group], StatusLabel: p.Label("program.status.", pr.Status)})
	}
	v.Form = queryForm(c, emptyForm(p, nil))
	v.Data = d
	return u.html(c, "programs", v)
}

func (u *UI) groupNames(c *gin.Context, lang i18n.Lang) (map[string]string, error) {
	gs, err := u.programs.Groups(c.Request.Context())
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(gs))
	for _, g := range gs {
		m[g.Code] = g.Name
		if lang == i18n.EN && g.NameEN != "" {
			m[g.Code] = g.NameEN
		}
	}
	return m, nil
}

type programPageData struct {
	Program     *program.Program
	Kind        string
	GroupName   string
	StatusLabel string
	Audience    []string
	Changes     []string
	CanVariant  bool
	CanEdit     bool
	// Workflow (variants).
	Actions    []engine.Action
	StateTitle string
	History    []historyRow
	ActionURL  string
}

// programShow handles GET /t/:tenant/programs/:id, and with ?edit=1 the
// editor of the tenant's own draft variant.
func (u *UI) programShow(c *gin.Context) error {
	if c.Query("edit") != "" {
		return u.programEdit(c)
	}
	v := u.view(c, "programs.title")
	d, err := u.programPage(c, v)
	if err != nil {
		return err
	}
	v.Form = emptyForm(u.cat.For(v.Lang), nil)
	v.Data = d
	return u.html(c, "program", v)
}

func (u *UI) programPage(c *gin.Context, v *View) (*programPageData, error) {
	ctx := c.Request.Context()
	t := v.Tenant.ID
	pr, err := u.programs.Get(ctx, t, c.Param("id"))
	if err != nil {
		return nil, err
	}
	p := u.cat.For(v.Lang)
	names, err := u.groupNames(c, v.Lang)
	if err != nil {
		return nil, err
	}
	v.Title = pr.Name
	kind := programKind(*pr)
	d := &programPageData{Program: pr, Kind: p.T(programKindKeys[kind]), GroupName: names[pr.Group],
		StatusLabel: p.Label("program.status.", pr.Status), ActionURL: "/t/" + t + "/programs/" + pr.ID + "/actions",
		CanVariant: kind == "central" && pr.Status == program.StatusPublished && t != core.CentralTenant && u.can(c, v, objProgram, actWrite),
		CanEdit:    kind == "variant" && pr.TenantID == t && program.Editable(pr.Status) && u.can(c, v, objProgram, actWrite)}
	d.Audience = audienceText(p, pr.Audience)
	for _, ch := range pr.Changes {
		d.Changes = append(d.Changes, changeText(p, ch))
	}
	if kind == "variant" && u.workflows != nil && v.User != nil {
		st, err := u.workflows.Status(ctx, *v.User, t, programSubject, pr.ID)
		switch core.ErrorCode(err) {
		case "":
			d.StateTitle, d.Actions = st.StateTitle, st.Actions
		case core.ENOTFOUND:
		default:
			return nil, err
		}
		hist, err := u.workflows.History(ctx, t, programSubject, pr.ID)
		if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
			return nil, err
		}
		for i := len(hist) - 1; i >= 0; i-- {
			h := hist[i]
			d.History = append(d.History, historyRow{When: i18n.DateTime(h.At), Who: h.ActorName,
				Action: p.Label("wf.action.", h.Action), To: p.Label("program.status.", h.ToState), Comment: h.Comment,
				Fields: historyFields(p, t, h.Fields)})
		}
	}
	return d, nil
}

func audienceText(p i18n.Printer, a program.Audience) []string {
	var out []string
	if len(a.Levels) > 0 {
		out = append(out, p.T("program.levels")+" "+strings.Join(a.Levels, ", "))
	}
	if len(a.Titles) > 0 {
		out = append(out, p.T("program.titles")+" "+strings.Join(a.Titles, ", "))
	}
	if len(a.Employment) > 0 {
		var es []string
		for _, e := range a.Employment {
			es = append(es, p.Label("cadre.employment.", e))
		}
		out = append(out, p.T("program.employment")+" "+strings.Join(es, ", "))
	}
	if a.PlanningPool {
		out = append(out, p.T("program.planning_pool"))
	}
	return out
}

func changeText(p i18n.Printer, ch program.Change) string {
	s := p.Label("program.change.", ch.Kind)
	if ch.Module != "" {
		s += " " + ch.Module
	}
	if ch.Name != "" {
		s += " «" + ch.Name + "»"
	}
	if ch.HoursBefore != 0 || ch.HoursAfter != 0 {
		s += " (" + strconv.Itoa(ch.HoursBefore) + " → " + strconv.Itoa(ch.HoursAfter) + " " + p.T("program.hours_unit") + ")"
	}
	if ch.Detail != "" {
		s += ": " + ch.Detail
	}
	return s
}

// programVariant handles POST /t/:tenant/programs/:id/variants: copy a
// central programme into the tenant's catalogue as a draft and open it.
func (u *UI) programVariant(c *gin.Context) error {
	v := u.view(c, "programs.title")
	vp, err := u.programs.CreateVariant(c.Request.Context(), v.Tenant.ID, c.Param("id"), program.VariantInput{})
	if err != nil {
		return err
	}
	return u.redirect(c, "/t/"+v.Tenant.ID+"/programs/"+vp.ID+"?edit=1", "program.variant_created")
}

type variantFormData struct {
	Program *program.Program
	Rows    []int // indexes of module rows in the form
}

// extraModuleRows are the empty rows the editor offers for new modules.
const extraModuleRows = 3

// programEdit is the variant editor (GET /t/:tenant/programs/:id?edit=1).
func (u *UI) programEdit(c *gin.Context) error {
	v := u.view(c, "program.edit_title")
	pr, err := u.editableVariant(c, v)
	if err != nil {
		return err
	}
	vals := url.Values{"name": {pr.Name}, "assessment": {pr.Assessment}}
	for i, m := range pr.Modules {
		k := strconv.Itoa(i)
		vals.Set("m"+k+"_code", m.Code)
		vals.Set("m"+k+"_name", m.Name)
		vals.Set("m"+k+"_hours", strconv.Itoa(m.Hours))
	}
	v.Form = emptyForm(u.cat.For(v.Lang), vals)
	v.Data = variantFormData{Program: pr, Rows: moduleRows(len(pr.Modules))}
	return u.html(c, "program_form", v)
}

func moduleRows(n int) []int {
	out := make([]int, n+extraModuleRows)
	for i := range out {
		out[i] = i
	}
	return out
}

func (u *UI) editableVariant(c *gin.Context, v *View) (*program.Program, error) {
	pr, err := u.programs.Get(c.Request.Context(), v.Tenant.ID, c.Param("id"))
	if err != nil {
		return nil, err
	}
	if !pr.IsVariant() || pr.TenantID != v.Tenant.ID {
		return nil, core.Errorf(core.ENOTFOUND, "Không tìm thấy chương trình.")
	}
	if !program.Editable(pr.Status) {
		return nil, core.Errorf(core.ECONFLICT, "Chương trình đã gửi duyệt, không sửa được nữa.")
	}
	return pr, nil
}

// programSave handles POST /t/:tenant/programs/:id: the variant's name,
// modules (rows with a code; "remove" drops one) and assessment.
func (u *UI) programSave(c *gin.Context) error {
	v := u.view(c, "program.edit_title")
	pr, err := u.editableVariant(c, v)
	if err != nil {
		return err
	}
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	var mods []program.Module
	n := 0
	for i := 0; ; i++ {
		k := "m" + strconv.Itoa(i)
		if _, ok := f.Values[k+"_code"]; !ok {
			break
		}
		n = i + 1
		code, name, hrs := f.Get(k+"_code"), f.Get(k+"_name"), f.Get(k+"_hours")
		if f.Get(k+"_remove") != "" || (code == "" && name == "" && hrs == "") {
			continue
		}
		h, herr := strconv.Atoi(hrs)
		if herr != nil || h <= 0 {
			f.Fail(k+"_hours", "program.hours_invalid")
		}
		if code == "" || name == "" {
			f.Fail(k+"_name", "program.module_incomplete")
		}
		mods = append(mods, program.Module{Code: code, Name: name, Hours: h})
	}
	name, assess := f.Get("name"), f.Get("assessment")
	f.Required("name")
	if f.OK() {
		_, err := u.programs.UpdateVariant(c.Request.Context(), v.Tenant.ID, pr.ID,
			program.VariantPatch{Name: &name, Modules: &mods, Assessment: &assess})
		if err == nil {
			return u.redirect(c, "/t/"+v.Tenant.ID+"/programs/"+pr.ID, "form.saved")
		}
		if !f.Take(err, nil) {
			return err
		}
	}
	v.Form, v.Status = f, http.StatusUnprocessableEntity
	v.Data = variantFormData{Program: pr, Rows: moduleRows(max(n-extraModuleRows, len(mods)))}
	return u.html(c, "program_form", v)
}

// programAction handles POST /t/:tenant/programs/:id/actions (submit a
// variant, central approval, appraisal, return, reject).
func (u *UI) programAction(c *gin.Context) error {
	if u.workflows == nil {
		return core.Errorf(core.ENOTFOUND, "Không có quy trình xử lý.")
	}
	v := u.view(c, "programs.title")
	id := c.Param("id")
	f, err := u.fire(c, v, programSubject, id)
	if err != nil {
		return err
	}
	if f.OK() {
		return u.redirect(c, "/t/"+v.Tenant.ID+"/programs/"+id, "plan.action_done")
	}
	d, err := u.programPage(c, v)
	if err != nil {
		return err
	}
	v.Form, v.Data, v.Status = f, d, http.StatusUnprocessableEntity
	return u.html(c, "program", v)
}
