package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/i18n"
	"doanbd/core/plan"
	"doanbd/core/program"
	"doanbd/core/web"
	"doanbd/workflows/engine"
)

// Plans is what the plan pages need of the plan service (core/plan.Service).
type Plans interface {
	List(ctx context.Context, tenant string, f plan.ListFilter) ([]plan.Summary, int, error)
	Create(ctx context.Context, tenant string, in plan.CreateInput) (*plan.Plan, error)
	Get(ctx context.Context, tenant, id string) (*plan.View, error)
	AddClass(ctx context.Context, tenant, planID string, in plan.ClassInput) (*plan.ClassView, error)
	UpdateClass(ctx context.Context, tenant, planID, classID string, in plan.ClassInput) (*plan.ClassView, error)
	DeleteClass(ctx context.Context, tenant, planID, classID string) error
	OverrideLine(ctx context.Context, tenant, planID, lineID string, amount int64, reason string) (*budget.Line, error)
	ClearOverride(ctx context.Context, tenant, planID, lineID string) (*budget.Line, error)
	Versions(ctx context.Context, tenant, id string) ([]plan.Version, error)
	GetVersion(ctx context.Context, tenant, id string, version int) (*plan.Version, error)
}

// Programs is the programme catalogue (core/program.Service).
type Programs interface {
	List(ctx context.Context, tenant string, f program.Filter) (program.ListResult, error)
	Get(ctx context.Context, tenant, id string) (*program.Program, error)
	Groups(ctx context.Context) ([]program.Group, error)
	CreateVariant(ctx context.Context, tenant, baseID string, in program.VariantInput) (*program.Program, error)
	UpdateVariant(ctx context.Context, tenant, id string, patch program.VariantPatch) (*program.Program, error)
}

// Workflows is the workflow engine (workflows/engine.Engine).
type Workflows interface {
	Status(ctx context.Context, p core.Principal, tenant, typ, id string) (*engine.State, error)
	Fire(ctx context.Context, p core.Principal, tenant, typ, id string, in engine.FireInput) (*engine.Instance, error)
	History(ctx context.Context, tenant, typ, id string) ([]engine.HistoryEntry, error)
	Inbox(ctx context.Context, p core.Principal) ([]engine.InboxItem, error)
	Upload(ctx context.Context, p core.Principal, tenant, name string, data []byte) (*engine.File, error)
}

const planSubject = "plan"

func (u *UI) registerPlans(s *web.Server) {
	if u.plans == nil || u.programs == nil {
		return
	}
	s.TenantPage(http.MethodGet, "/plans", objPlan, actRead, u.planList)
	s.TenantPage(http.MethodPost, "/plans", objPlan, actWrite, u.planCreate)
	s.TenantPage(http.MethodGet, "/plans/:id", objPlan, actRead, u.planShow)
	s.TenantPage(http.MethodGet, "/plans/:id/classes/form", objPlan, actWrite, u.classForm)
	s.TenantPage(http.MethodPost, "/plans/:id/classes", objPlan, actWrite, u.classCreate)
	s.TenantPage(http.MethodPost, "/plans/:id/classes/:cid", objPlan, actWrite, u.classUpdate)
	s.TenantPage(http.MethodPost, "/plans/:id/classes/:cid/delete", objPlan, actWrite, u.classDelete)
	s.TenantPage(http.MethodPost, "/plans/:id/lines/:lid", objBudget, actWrite, u.lineOverride)
	s.TenantPage(http.MethodGet, "/plans/:id/compare", objPlan, actRead, u.planCompare)
	// The engine checks the action's own permission; the route needs only
	// sight of the plan. Without an engine there is no action to take.
	s.TenantPage(http.MethodPost, "/plans/:id/actions", objPlan, actRead, u.planAction)
	u.sections = append(u.sections, section{label: "nav.plans", path: "/plans", obj: objPlan, act: actRead})
	u.tileSources = append(u.tileSources, u.planTile)
}

// nextYear is the year plans are being made for: next calendar year in
// Vietnam.
func nextYear() int { return i18n.Local(timeNow()).Year() + 1 }

// planTile shows the status of next year's annual plan on the home page.
func (u *UI) planTile(c *gin.Context, v *View) (tile, bool, error) {
	if !u.can(c, v, objPlan, actRead) {
		return tile{}, false, nil
	}
	p := u.cat.For(v.Lang)
	y := nextYear()
	list, _, err := u.plans.List(c.Request.Context(), v.Tenant.ID, plan.ListFilter{Kind: plan.KindAnnual, Year: y, Top: true, Limit: 1})
	if err != nil {
		return tile{}, false, err
	}
	t := tile{Label: p.T("home.plan_status", y), Href: "/t/" + v.Tenant.ID + "/plans"}
	if len(list) == 0 {
		t.Value, t.Alert = p.T("home.plan_none"), true
		return t, true, nil
	}
	t.Value = p.Label("plan.status.", list[0].Status)
	t.Href = "/t/" + v.Tenant.ID + "/plans/" + list[0].ID
	t.Alert = list[0].Status == plan.StatusReturned
	if t.Alert {
		t.Note = p.T("home.plan_returned")
	}
	return t, true, nil
}

type planRow struct {
	plan.Summary
	StatusLabel, KindLabel string
	Returned               bool
}

type planListData struct {
	Rows     []planRow
	CanWrite bool
	Years    []option
}

// planList handles GET /t/:tenant/plans.
func (u *UI) planList(c *gin.Context) error {
	v := u.view(c, "plans.title")
	d, err := u.planListData(c, v)
	if err != nil {
		return err
	}
	v.Form = emptyForm(u.cat.For(v.Lang), url.Values{"year": {strconv.Itoa(nextYear())}})
	v.Data = d
	return u.html(c, "plans", v)
}

func (u *UI) planListData(c *gin.Context, v *View) (planListData, error) {
	p := u.cat.For(v.Lang)
	list, _, err := u.plans.List(c.Request.Context(), v.Tenant.ID, plan.ListFilter{Top: true, Limit: 200})
	if err != nil {
		return planListData{}, err
	}
	d := planListData{CanWrite: u.can(c, v, objPlan, actWrite)}
	for _, s := range list {
		d.Rows = append(d.Rows, planRow{Summary: s, StatusLabel: p.Label("plan.status.", s.Status),
			KindLabel: p.T(kindKey(s.Kind)), Returned: s.Status == plan.StatusReturned})
	}
	for y := nextYear() - 1; y <= nextYear()+1; y++ {
		d.Years = append(d.Years, option{strconv.Itoa(y), strconv.Itoa(y)})
	}
	return d, nil
}

func kindKey(k string) string {
	if k == plan.KindPeriod {
		return "plans.kind.period"
	}
	return "plans.kind.annual"
}

// planCreate handles POST /t/:tenant/plans: a draft annual plan.
func (u *UI) planCreate(c *gin.Context) error {
	v := u.view(c, "plans.title")
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	v.Form = f
	year, err := strconv.Atoi(f.Get("year"))
	if err != nil {
		f.Fail("year", "plans.year_invalid")
	}
	if f.OK() {
		p, err := u.plans.Create(c.Request.Context(), v.Tenant.ID, plan.CreateInput{Kind: plan.KindAnnual, Year: year,
			Title: f.Get("title")})
		if err == nil {
			return u.redirect(c, "/t/"+v.Tenant.ID+"/plans/"+p.ID, "plans.created")
		}
		if !f.Take(err, nil) {
			return err
		}
	}
	d, err := u.planListData(c, v)
	if err != nil {
		return err
	}
	v.Data, v.Status = d, http.StatusUnprocessableEntity
	return u.html(c, "plans", v)
}

// lineRow is one budget line as the plan page shows it.
type lineRow struct {
	budget.Line
	Label, UnitLabel, SourceLabel string
	Overridden                    bool
}

type classBlock struct {
	plan.ClassView
	FormatLabel, SourceLabel, Dates string
	Lines                           []lineRow
	Warnings                        []plan.Warning
}

type sourceTotal struct {
	Label  string
	Amount int64
}

type historyRow struct {
	When, Who, Action, To, Comment string
	Returned                       bool
	Fields                         []historyField
}

// historyField is a value recorded with a transition (a decision's number,
// date or PDF, which links to the stored file).
type historyField struct {
	Label, Value, Href string
}

// historyFields reads the fields a transition recorded, in a stable order.
func historyFields(p i18n.Printer, tenant, raw string) []historyField {
	var m map[string]string
	if raw == "" || json.Unmarshal([]byte(raw), &m) != nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []historyField
	for _, k := range keys {
		f := historyField{Label: p.Label("wf.field.", k), Value: m[k]}
		if strings.HasSuffix(k, "_pdf") && m[k] != "" {
			f.Value, f.Href = p.T("plan.open_file"), "/api/v1/t/"+tenant+"/files/"+url.PathEscape(m[k])
		}
		out = append(out, f)
	}
	return out
}

type planPageData struct {
	Plan        *plan.View
	StatusLabel string
	Editable    bool
	CanOverride bool
	Classes     []classBlock
	BySource    []sourceTotal
	Warnings    []plan.Warning
	StateTitle  string
	Actions     []engine.Action
	History     []historyRow
	Versions    []plan.Version
	ActionURL   string
}

// planShow handles GET /t/:tenant/plans/:id.
func (u *UI) planShow(c *gin.Context) error {
	v := u.view(c, "plans.title")
	d, err := u.planPage(c, v)
	if err != nil {
		return err
	}
	v.Data = d
	v.Form = emptyForm(u.cat.For(v.Lang), nil)
	return u.html(c, "plan", v)
}

func (u *UI) planPage(c *gin.Context, v *View) (*planPageData, error) {
	ctx := c.Request.Context()
	t := v.Tenant.ID
	pv, err := u.plans.Get(ctx, t, c.Param("id"))
	if err != nil {
		return nil, err
	}
	p := u.cat.For(v.Lang)
	v.Title = pv.Title
	d := &planPageData{Plan: pv, StatusLabel: p.Label("plan.status.", pv.Status),
		Editable:    plan.Editable(pv.Status) && pv.Kind == plan.KindAnnual && u.can(c, v, objPlan, actWrite),
		CanOverride: plan.Editable(pv.Status) && u.can(c, v, objBudget, actWrite),
		ActionURL:   "/t/" + t + "/plans/" + pv.ID + "/actions"}
	for _, cv := range pv.Classes {
		d.Classes = append(d.Classes, u.classBlockOf(p, cv))
	}
	d.BySource = sourceTotals(p, pv.Totals.Budget)
	for _, w := range pv.Warnings {
		if w.ClassID == "" {
			d.Warnings = append(d.Warnings, w)
		}
	}
	if d.Versions, err = u.plans.Versions(ctx, t, pv.ID); err != nil {
		return nil, err
	}
	if u.workflows != nil && v.User != nil {
		st, err := u.workflows.Status(ctx, *v.User, t, planSubject, pv.ID)
		switch core.ErrorCode(err) {
		case "":
			d.StateTitle, d.Actions = st.StateTitle, st.Actions
		case core.ENOTFOUND:
		default:
			return nil, err
		}
		hist, err := u.workflows.History(ctx, t, planSubject, pv.ID)
		if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
			return nil, err
		}
		for i := len(hist) - 1; i >= 0; i-- {
			h := hist[i]
			d.History = append(d.History, historyRow{When: i18n.DateTime(h.At), Who: h.ActorName,
				Action: p.Label("wf.action.", h.Action), To: p.Label("plan.status.", h.ToState), Comment: h.Comment,
				Returned: h.ToState == plan.StatusReturned, Fields: historyFields(p, t, h.Fields)})
		}
	}
	return d, nil
}

func (u *UI) classBlockOf(p i18n.Printer, cv plan.ClassView) classBlock {
	b := classBlock{ClassView: cv, FormatLabel: p.Label("class.format.", cv.Format),
		SourceLabel: p.Label("budget.source.", cv.FundingSource), Warnings: cv.Warnings}
	b.Dates = cv.StartDate.Time().Format("02/01/2006") + " – " + cv.EndDate.Time().Format("02/01/2006")
	for _, l := range cv.Lines {
		b.Lines = append(b.Lines, lineRow{Line: l, Label: p.Label("budget.item.", l.Item), UnitLabel: p.Label("budget.unit.", l.Unit),
			SourceLabel: p.Label("budget.source.", l.FundingSource), Overridden: l.OverrideAmount != nil})
	}
	return b
}

func sourceTotals(p i18n.Printer, t budget.Totals) []sourceTotal {
	var out []sourceTotal
	for _, s := range budget.FundingSources {
		out = append(out, sourceTotal{Label: p.Label("budget.source.", s), Amount: t.BySource[s]})
	}
	keys := make([]string, 0, len(t.BySource))
	for k := range t.BySource {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		known := false
		for _, s := range budget.FundingSources {
			known = known || s == k
		}
		if !known {
			out = append(out, sourceTotal{Label: k, Amount: t.BySource[k]})
		}
	}
	return out
}

// lineOverride handles POST /t/:tenant/plans/:id/lines/:lid: set an amount
// with a reason, or clear the override. With htmx it answers the class's
// lines and the plan totals (live totals); otherwise it redirects back.
func (u *UI) lineOverride(c *gin.Context) error {
	v := u.view(c, "plans.title")
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	t, id, lid := v.Tenant.ID, c.Param("id"), c.Param("lid")
	if f.Get("clear") != "" {
		_, err = u.plans.ClearOverride(ctx, t, id, lid)
	} else {
		amount, perr := i18n.ParseMoney(f.Get("amount"))
		if perr != nil || amount < 0 {
			f.Fail("amount", "plan.amount_invalid")
		}
		if f.Get("reason") == "" {
			f.Fail("reason", "plan.reason_required")
		}
		if f.OK() {
			_, err = u.plans.OverrideLine(ctx, t, id, lid, amount, f.Get("reason"))
		}
	}
	if err != nil && !f.Take(err, nil) {
		return err
	}
	if c.GetHeader("HX-Request") == "" {
		if f.OK() {
			return u.redirect(c, "/t/"+t+"/plans/"+id, "plan.line_saved")
		}
		d, err := u.planPage(c, v)
		if err != nil {
			return err
		}
		v.Form, v.Data, v.Status = f, d, http.StatusUnprocessableEntity
		return u.html(c, "plan", v)
	}
	d, err := u.planPage(c, v)
	if err != nil {
		return err
	}
	v.Form, v.Data = f, d
	if !f.OK() {
		v.Form.Values.Set("line", lid)
	}
	return u.fragment(c, "plan", "budget", v)
}
