package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"doanbd/core/cadre"
	"doanbd/core/cadre/roster"
	"doanbd/core/i18n"
	"doanbd/core/web"
)

// Roster is what the roster pages need of the roster service
// (core/cadre/roster.Service).
type Roster interface {
	ListCadres(ctx context.Context, tenant string, f roster.Filter) ([]cadre.Cadre, int, error)
	// CountCadres counts exactly (a list's total stops at roster.CountCap).
	CountCadres(ctx context.Context, tenant string, f roster.Filter) (int, error)
	GetCadre(ctx context.Context, tenant, id string) (cadre.Cadre, error)
	CreateCadre(ctx context.Context, tenant string, in cadre.CadreInput) (cadre.Cadre, error)
	UpdateCadre(ctx context.Context, tenant, id string, in cadre.CadreInput) (cadre.Cadre, error)
	ReadSensitive(ctx context.Context, tenant, id string) (cadre.Sensitive, error)
	Positions(ctx context.Context, tenant, cadreID string) ([]cadre.Position, error)
	AddPosition(ctx context.Context, tenant, cadreID string, in roster.PositionInput) (cadre.Position, error)
	Planning(ctx context.Context, tenant, cadreID string) ([]cadre.Planning, error)
	Enrolments(ctx context.Context, tenant, cadreID string) ([]cadre.Enrolment, error)
	RecordEnrolment(ctx context.Context, tenant, cadreID string, in cadre.EnrolmentInput) (cadre.Enrolment, error)
	ListUnits(ctx context.Context, tenant string, f roster.UnitFilter) ([]cadre.Unit, int, error)
	UnitIndex(ctx context.Context, tenant string) (*roster.UnitLookup, error)
	Nominees(ctx context.Context, tenant string, ids []string) (map[string]roster.Nominee, error)
	Titles() *cadre.Titles
}

const cadrePageSize = 50

func (u *UI) registerRoster(s *web.Server) {
	if u.roster == nil {
		return
	}
	s.TenantPage(http.MethodGet, "/cadres", objCadre, actRead, u.cadreList)
	s.TenantPage(http.MethodGet, "/cadres/new", objCadre, actWrite, u.cadreNew)
	s.TenantPage(http.MethodPost, "/cadres", objCadre, actWrite, u.cadreCreate)
	s.TenantPage(http.MethodGet, "/cadres/:id", objCadre, actRead, u.cadreShow)
	s.TenantPage(http.MethodGet, "/cadres/:id/sensitive", objCadre, actReadSensitive, u.cadreSensitive)
	s.TenantPage(http.MethodGet, "/cadres/:id/edit", objCadre, actWrite, u.cadreEdit)
	s.TenantPage(http.MethodPost, "/cadres/:id", objCadre, actWrite, u.cadreUpdate)
	s.TenantPage(http.MethodPost, "/cadres/:id/positions", objCadre, actWrite, u.cadreAddPosition)
	if u.programs != nil { // the form picks the programme from the catalogue
		s.TenantPage(http.MethodGet, "/cadres/:id/enrolments/new", objCadre, actWrite, u.enrolmentNew)
		s.TenantPage(http.MethodPost, "/cadres/:id/enrolments", objCadre, actWrite, u.enrolmentCreate)
	}
	s.TenantPage(http.MethodGet, "/units/options", objUnit, actRead, u.unitOptions)
	s.TenantPage(http.MethodGet, "/cadres/pick", objCadre, actRead, u.cadrePick)
	u.sections = append(u.sections, section{label: "nav.roster", path: "/cadres", obj: objCadre, act: actRead})
	u.tileSources = append(u.tileSources, u.rosterTile)
}

// rosterTile is the roster size on the home page: the exact count (a list's
// total stops at roster.CountCap, and a large province has more cadres).
func (u *UI) rosterTile(c *gin.Context, v *View) (tile, bool, error) {
	if !u.can(c, v, objCadre, actRead) {
		return tile{}, false, nil
	}
	total, err := u.roster.CountCadres(c.Request.Context(), v.Tenant.ID, roster.Filter{})
	if err != nil {
		return tile{}, false, err
	}
	p := u.cat.For(v.Lang)
	return tile{Label: p.T("home.roster_size"), Value: i18n.Int(int64(total)),
		Href: "/t/" + v.Tenant.ID + "/cadres"}, true, nil
}

// can reports whether the user may do act on obj in the page's tenant.
func (u *UI) can(c *gin.Context, v *View, obj, act string) bool {
	if v.User == nil || v.Tenant.ID == "" {
		return false
	}
	return u.authz.Authorize(c.Request.Context(), *v.User, v.Tenant.ID, obj, act) == nil
}

// cadreRow is one line of the roster list.
type cadreRow struct {
	ID, Name, Birth, Gender, Unit, Title, Employment, Status string
	Active                                                   bool
}

type cadreListData struct {
	Rows       []cadreRow
	Pager      pager
	Units      []option
	Titles     []option
	KeyTitles  []option
	Employment []option
	Statuses   []option
	CanWrite   bool
	CanImport  bool
	CanExport  bool
	ExportURL  string
	ExportCSV  string
	// CanExportSensitive offers the export with CCCD, ethnicity and
	// religion (include=sensitive), audited by the API, to a user who may
	// both export and read sensitive data.
	CanExportSensitive bool
	SensitiveURL       string
	SensitiveCSV       string
}

// cadreList handles GET /t/:tenant/cadres: search and filters in the query.
func (u *UI) cadreList(c *gin.Context) error {
	v := u.view(c, "roster.title")
	p := u.cat.For(v.Lang)
	t := v.Tenant.ID
	offset := listWindow(c, cadrePageSize)
	f := roster.Filter{Q: c.Query("q"), UnitID: c.Query("unit"), Subtree: true, Title: c.Query("title"),
		Employment: c.Query("employment"), Planning: c.Query("planning"), Status: c.Query("status"),
		Limit: cadrePageSize, Offset: offset}
	v.Form = queryForm(c, emptyForm(p, nil))
	items, total, err := u.roster.ListCadres(c.Request.Context(), t, f)
	if err != nil {
		if !v.Form.Take(err, nil) {
			return err
		}
		v.Status = http.StatusUnprocessableEntity
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.UnitID
	}
	units, names, err := u.units.fresh(c.Request.Context(), t, ids)
	if err != nil {
		return err
	}
	d := cadreListData{Pager: newPager(c, offset, cadrePageSize, len(items), total),
		CanWrite: u.can(c, v, objCadre, actWrite), CanImport: u.importer != nil && u.can(c, v, objCadre, actImport),
		CanExport: u.can(c, v, objCadre, actExport)}
	if total > roster.CountCap {
		// The list counts no further: say "10.000+", not a false total.
		d.Pager.Total, d.Pager.More = roster.CountCap, true
	}
	titles := u.roster.Titles()
	for _, it := range items {
		d.Rows = append(d.Rows, u.cadreRowOf(p, it, names, titles))
	}
	d.Units = unitFilterChoices(units, f.UnitID)
	d.Titles, d.KeyTitles = titleOptions(titles)
	d.Employment = choiceOptions(p, "cadre.employment.", cadre.Employments)
	d.Statuses = append(choiceOptions(p, "cadre.status.", cadre.Statuses), option{"all", p.T("roster.status_all")})
	// The export is the roster API's (same filters), reached with the
	// session cookie; the page's unit filter always includes sub-units.
	q := c.Request.URL.Query()
	q.Del("offset")
	q.Set("subtree", "true")
	d.ExportURL = "/api/v1/t/" + t + "/cadres/export?" + q.Encode()
	q.Set("format", "csv")
	d.ExportCSV = "/api/v1/t/" + t + "/cadres/export?" + q.Encode()
	// The API authorizes include=sensitive itself (read_sensitive) and
	// audits the export; the page only hides the offer from others.
	if d.CanExport && u.can(c, v, objCadre, actReadSensitive) {
		d.CanExportSensitive = true
		q.Set("include", "sensitive")
		d.SensitiveCSV = "/api/v1/t/" + t + "/cadres/export?" + q.Encode()
		q.Del("format")
		d.SensitiveURL = "/api/v1/t/" + t + "/cadres/export?" + q.Encode()
	}
	v.Data = d
	return u.html(c, "cadres", v)
}

func (u *UI) cadreRowOf(p i18n.Printer, it cadre.Cadre, names map[string]string, titles *cadre.Titles) cadreRow {
	r := cadreRow{ID: it.ID, Name: it.FullName, Birth: it.BirthDate.VN(), Unit: names[it.UnitID],
		Gender:     p.Label("cadre.gender.", it.Gender),
		Employment: p.Label("cadre.employment.", it.Employment),
		Status:     p.Label("cadre.status.", it.Status), Active: it.Status == cadre.Active}
	if tt, ok := titles.ByCode(it.Title); ok {
		r.Title = tt.Name
	} else {
		r.Title = it.Title
	}
	return r
}

// unitFilterChoices are the first options of the list's unit filter: the
// chosen unit and the first units above chi đoàn level by name (a large
// province has thousands; the search in the filter finds the rest).
func unitFilterChoices(l *roster.UnitLookup, current string) []option {
	const first = 200
	var out []option
	for _, un := range l.Units {
		if un.ID == current {
			out = append(out, option{un.ID, un.Name})
		}
	}
	today := cadre.Today()
	for _, un := range l.Units {
		if len(out) >= first {
			break
		}
		if un.ID != current && un.Level != cadre.LevelChiDoan && un.ActiveOn(today) {
			out = append(out, option{un.ID, un.Name})
		}
	}
	return out
}

func unitNames(l *roster.UnitLookup) map[string]string {
	m := make(map[string]string, len(l.Units))
	for _, un := range l.Units {
		m[un.ID] = un.Name
	}
	return m
}

// titleOptions returns every title and the key titles (planning pools).
func titleOptions(ts *cadre.Titles) (all, key []option) {
	for _, t := range ts.All() {
		all = append(all, option{t.Code, t.Name})
		if t.Key {
			key = append(key, option{t.Code, t.Name})
		}
	}
	return all, key
}

// choiceOptions labels codes from the catalogue (prefix+code), falling back
// to the domain's Vietnamese label.
func choiceOptions(p i18n.Printer, prefix string, cs []cadre.Choice) []option {
	out := make([]option, len(cs))
	for i, ch := range cs {
		l := ch.Label
		if p.Has(prefix + ch.Code) {
			l = p.T(prefix + ch.Code)
		}
		out[i] = option{ch.Code, l}
	}
	return out
}

// unitOptions handles GET /t/:tenant/units/options?q=…&unit_id=…: the
// <option>s of a unit picker, for htmx (at most 100 matches). The roster
// list's filter asks with ?unit_q=…&unit=…&filter=1: no chi đoàn, and
// "all units" as the empty choice.
func (u *UI) unitOptions(c *gin.Context) error {
	v := u.frame(c, "roster.title")
	q, cur, filter := c.Query("q"), c.Query("unit_id"), c.Query("filter") != ""
	if filter {
		q, cur = c.Query("unit_q"), c.Query("unit")
	}
	units, _, err := u.roster.ListUnits(c.Request.Context(), web.TenantOf(c).ID,
		roster.UnitFilter{Q: q, ActiveOn: cadre.Today(), Limit: 100})
	if err != nil {
		return err
	}
	opts := make([]option, 0, len(units))
	for _, un := range units {
		if !filter || un.Level != cadre.LevelChiDoan {
			opts = append(opts, option{un.ID, un.Name})
		}
	}
	vals := url.Values{"unit_id": {cur}}
	if filter {
		vals.Set("empty", u.cat.For(v.Lang).T("roster.any"))
	}
	v.Form = emptyForm(u.cat.For(v.Lang), vals)
	v.Data = opts
	return u.fragment(c, "cadre_form", "unit-options", v)
}

// cadreFor reads a cadre of the page's tenant; a foreign or missing id is the
// same not-found.
func (u *UI) cadreFor(c *gin.Context) (cadre.Cadre, error) {
	return u.roster.GetCadre(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"))
}

// cadrePick handles GET /t/:tenant/cadres/pick?nq=…&nominees=…: up to 20
// active cadres matching a name, as checkboxes for the class form (htmx);
// cadres already chosen are left out.
func (u *UI) cadrePick(c *gin.Context) error {
	v := u.frame(c, "roster.title")
	q := strings.TrimSpace(c.Query("nq"))
	var opts []nomineeOption
	if q != "" {
		chosen := map[string]bool{}
		for _, id := range c.QueryArray("nominees") {
			chosen[id] = true
		}
		list, _, err := u.roster.ListCadres(c.Request.Context(), web.TenantOf(c).ID, roster.Filter{Q: q, Limit: 20})
		if err != nil {
			return err
		}
		for _, it := range list {
			if !chosen[it.ID] {
				opts = append(opts, nomineeOption{ID: it.ID, Label: it.FullName + " (" + it.BirthDate.VN() + ")"})
			}
		}
	}
	v.Data = opts
	return u.fragment(c, "class_form", "nominee-results", v)
}
