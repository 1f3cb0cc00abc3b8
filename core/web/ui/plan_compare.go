package ui

import (
	"encoding/json"
	"strconv"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/plan"
)

// classDiff is one class compared between two versions of a plan.
type classDiff struct {
	Name                 string
	Change               string // added, removed, changed, same
	Before, After        string // learners, dates, place
	AmountBefore, Amount int64
}

type compareData struct {
	Plan        *plan.View
	Versions    []plan.Version
	A, B        int
	Classes     []classDiff
	TotalBefore int64
	Total       int64
}

// planCompare handles GET /t/:tenant/plans/:id/compare?a=1&b=2: what changed
// between two submitted versions (by default the last two), class by class.
func (u *UI) planCompare(c *gin.Context) error {
	v := u.view(c, "compare.title")
	ctx := c.Request.Context()
	t := v.Tenant.ID
	pv, err := u.plans.Get(ctx, t, c.Param("id"))
	if err != nil {
		return err
	}
	vs, err := u.plans.Versions(ctx, t, pv.ID)
	if err != nil {
		return err
	}
	d := compareData{Plan: pv, Versions: vs}
	if len(vs) >= 2 {
		d.A, d.B = vs[len(vs)-2].Version, vs[len(vs)-1].Version
	}
	if a, err := strconv.Atoi(c.Query("a")); err == nil {
		d.A = a
	}
	if b, err := strconv.Atoi(c.Query("b")); err == nil {
		d.B = b
	}
	if d.A > 0 && d.B > 0 {
		before, err := u.snapshot(c, t, pv.ID, d.A)
		if err != nil {
			return err
		}
		after, err := u.snapshot(c, t, pv.ID, d.B)
		if err != nil {
			return err
		}
		d.Classes = diffClasses(before, after)
		d.TotalBefore, d.Total = before.Totals.Budget.Amount, after.Totals.Budget.Amount
	}
	v.Data = d
	return u.html(c, "plan_compare", v)
}

func (u *UI) snapshot(c *gin.Context, tenant, id string, version int) (*plan.View, error) {
	ver, err := u.plans.GetVersion(c.Request.Context(), tenant, id, version)
	if err != nil {
		return nil, err
	}
	var pv plan.View
	if err := json.Unmarshal(ver.Snapshot, &pv); err != nil {
		return nil, core.Internal(err, "decode plan version")
	}
	return &pv, nil
}

func classSummary(cv plan.ClassView) string {
	return strconv.Itoa(cv.Learners) + " · " + cv.StartDate.Time().Format("02/01/2006") + "–" +
		cv.EndDate.Time().Format("02/01/2006") + " · " + cv.Place + " · " + cv.Format
}

// diffClasses pairs classes by id: a revision keeps the ids of classes it
// edits.
func diffClasses(a, b *plan.View) []classDiff {
	byID := map[string]plan.ClassView{}
	for _, cv := range a.Classes {
		byID[cv.ID] = cv
	}
	var out []classDiff
	seen := map[string]bool{}
	for _, cv := range b.Classes {
		seen[cv.ID] = true
		d := classDiff{Name: cv.ProgramCode + " — " + cv.ProgramName, After: classSummary(cv), Amount: cv.Totals.Amount}
		old, ok := byID[cv.ID]
		switch {
		case !ok:
			d.Change = "added"
		default:
			d.Before, d.AmountBefore = classSummary(old), old.Totals.Amount
			d.Change = "same"
			if d.Before != d.After || d.AmountBefore != d.Amount || old.ProgramCode != cv.ProgramCode {
				d.Change = "changed"
			}
		}
		out = append(out, d)
	}
	for _, cv := range a.Classes {
		if !seen[cv.ID] {
			out = append(out, classDiff{Name: cv.ProgramCode + " — " + cv.ProgramName, Change: "removed",
				Before: classSummary(cv), AmountBefore: cv.Totals.Amount})
		}
	}
	return out
}
