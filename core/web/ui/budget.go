package ui

import (
	"context"
	"net/http"
	"sort"
	"strconv"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/i18n"
	"doanbd/core/web"
	"doanbd/workflows/consolidation"
	"doanbd/workflows/engine"
)

// Estimates is the national budget estimate (workflows/consolidation.Service).
type Estimates interface {
	Get(ctx context.Context, tenant, id string) (*consolidation.Estimate, error)
	Recompute(ctx context.Context, id, actor string) (*consolidation.Estimate, error)
}

const budgetSubject = "budget"

func (u *UI) registerBudget(s *web.Server) {
	if u.estimates == nil {
		return
	}
	s.TenantPage(http.MethodGet, "/budget", objBudget, actRead, u.budgetPage)
	s.TenantPage(http.MethodPost, "/budget/recompute", objBudget, actConsolidate, u.budgetRecompute)
	s.TenantPage(http.MethodPost, "/budget/actions", objBudget, actRead, u.budgetAction)
	u.sections = append(u.sections, section{label: "nav.budget", path: "/budget", obj: objBudget, act: actRead})
}

type budgetRow struct {
	Tenant, Group, Source string
	Classes, Learners     int
	Amount                int64
}

type budgetData struct {
	Year, Years  []int
	Estimate     *consolidation.Estimate
	Missing      bool
	StatusLabel  string
	Rows         []budgetRow
	ByGroup      []budgetRow
	BySource     []sourceTotal
	ExportURL    string
	CanRecompute bool
	Actions      []engine.Action
	StateTitle   string
	History      []historyRow
	ActionURL    string
	YearValue    int
	Central      bool
	PlansCounted int
}

func (u *UI) budgetYear(c *gin.Context) int {
	y, err := strconv.Atoi(c.Query("year"))
	if err != nil || y < 2023 || y > 2030 {
		y = nextYear()
		if y > 2030 {
			y = 2030
		}
	}
	return y
}

// budgetPage handles GET /t/:tenant/budget?year=: for the central office the
// national estimate by tenant, programme group and funding source, with its
// workflow and the XLSX export; for another tenant its own share.
func (u *UI) budgetPage(c *gin.Context) error {
	v := u.view(c, "budget.title")
	d, err := u.budgetData(c, v, u.budgetYear(c))
	if err != nil {
		return err
	}
	v.Form = emptyForm(u.cat.For(v.Lang), nil)
	v.Data = d
	return u.html(c, "budget", v)
}

func (u *UI) budgetData(c *gin.Context, v *View, year int) (*budgetData, error) {
	ctx := c.Request.Context()
	t := v.Tenant.ID
	p := u.cat.For(v.Lang)
	id := strconv.Itoa(year)
	d := &budgetData{YearValue: year, Central: t == core.CentralTenant,
		CanRecompute: t == core.CentralTenant && u.can(c, v, objBudget, actConsolidate),
		ExportURL:    "/api/v1/t/" + t + "/budget-estimates/" + id + "/export",
		ActionURL:    "/t/" + t + "/budget/actions?year=" + id}
	for y := 2023; y <= 2030; y++ {
		d.Years = append(d.Years, y)
	}
	e, err := u.estimates.Get(ctx, t, id)
	if core.ErrorCode(err) == core.ENOTFOUND {
		d.Missing = true
		return d, nil
	} else if err != nil {
		return nil, err
	}
	d.Estimate, d.StatusLabel = e, p.Label("budget.status.", e.Status)
	groups, err := u.groupNames(c, v.Lang)
	if err != nil {
		return nil, err
	}
	tenantName := map[string]string{}
	name := func(slug string) string {
		if n, ok := tenantName[slug]; ok {
			return n
		}
		n := slug
		if tt, err := u.tenants.Get(ctx, slug); err == nil {
			n = tt.Name
		}
		tenantName[slug] = n
		return n
	}
	if e.Detail != nil {
		d.PlansCounted = len(e.Detail.Plans)
		bySource := map[string]int64{}
		for _, r := range e.Detail.Rows {
			d.Rows = append(d.Rows, budgetRow{Tenant: name(r.Tenant), Group: groupLabel(groups, r.Group),
				Source: p.Label("budget.source.", r.FundingSource), Classes: r.Classes, Learners: r.Learners, Amount: r.Amount})
			bySource[r.FundingSource] += r.Amount
		}
		sort.SliceStable(d.Rows, func(i, j int) bool { return d.Rows[i].Tenant < d.Rows[j].Tenant })
		for _, r := range e.Detail.ByGroup {
			d.ByGroup = append(d.ByGroup, budgetRow{Group: groupLabel(groups, r.Group),
				Source: p.Label("budget.source.", r.FundingSource), Classes: r.Classes, Learners: r.Learners, Amount: r.Amount})
		}
		for s, amt := range bySource {
			d.BySource = append(d.BySource, sourceTotal{Label: p.Label("budget.source.", s), Amount: amt})
		}
		sort.Slice(d.BySource, func(i, j int) bool { return d.BySource[i].Label < d.BySource[j].Label })
	}
	if d.Central && u.workflows != nil && v.User != nil {
		st, err := u.workflows.Status(ctx, *v.User, t, budgetSubject, id)
		switch core.ErrorCode(err) {
		case "":
			d.StateTitle, d.Actions = st.StateTitle, st.Actions
		case core.ENOTFOUND:
		default:
			return nil, err
		}
		hist, err := u.workflows.History(ctx, t, budgetSubject, id)
		if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
			return nil, err
		}
		for i := len(hist) - 1; i >= 0; i-- {
			h := hist[i]
			d.History = append(d.History, historyRow{When: i18n.DateTime(h.At), Who: h.ActorName,
				Action: p.Label("wf.action.", h.Action), To: p.Label("budget.status.", h.ToState), Comment: h.Comment,
				Fields: historyFields(p, t, h.Fields)})
		}
	}
	return d, nil
}

func groupLabel(names map[string]string, code string) string {
	if n, ok := names[code]; ok {
		return code + " — " + n
	}
	return code
}

// budgetRecompute handles POST /t/:tenant/budget/recompute?year=: compile
// the national estimate again from the approved plans.
func (u *UI) budgetRecompute(c *gin.Context) error {
	v := u.view(c, "budget.title")
	if v.Tenant.ID != core.CentralTenant {
		return core.Errorf(core.ENOTFOUND, "Không tìm thấy dự toán.")
	}
	year := u.budgetYear(c)
	if _, err := u.estimates.Recompute(c.Request.Context(), strconv.Itoa(year), v.User.UserID); err != nil {
		return err
	}
	return u.redirect(c, "/t/"+v.Tenant.ID+"/budget?year="+strconv.Itoa(year), "budget.recomputed")
}

// budgetAction handles POST /t/:tenant/budget/actions?year=: the national
// estimate's workflow (review, approve, record that it was sent).
func (u *UI) budgetAction(c *gin.Context) error {
	if u.workflows == nil {
		return core.Errorf(core.ENOTFOUND, "Không có quy trình xử lý.")
	}
	v := u.view(c, "budget.title")
	year := u.budgetYear(c)
	f, err := u.fire(c, v, budgetSubject, strconv.Itoa(year))
	if err != nil {
		return err
	}
	if f.OK() {
		return u.redirect(c, "/t/"+v.Tenant.ID+"/budget?year="+strconv.Itoa(year), "plan.action_done")
	}
	d, err := u.budgetData(c, v, year)
	if err != nil {
		return err
	}
	v.Form, v.Data, v.Status = f, d, http.StatusUnprocessableEntity
	return u.html(c, "budget", v)
}
