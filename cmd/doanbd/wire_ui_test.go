package main

// The web pages' rows of the isolation matrix. Tenant pages need no
// parameters (a cross-tenant call is refused by the guard before the page
// runs); the public and login-only pages say what keeps other tenants out.
func init() {
	cadre := isolationRow{Object: isoCadre, ObjectParam: "id"}
	imp := isolationRow{Object: isoImport, ObjectParam: "id"}
	pl := isolationRow{Object: isoPlan, ObjectParam: "id"}
	prog := isolationRow{Object: isoProgram, ObjectParam: "id"}
	for k, v := range map[string]isolationRow{
		"GET /":             {Why: "redirects to the caller's own first tenant, or to the login page"},
		"GET /login":        {Why: "the login form, no data"},
		"POST /login":       {Why: "starts a session for the credentials given; answers with a redirect or the form"},
		"POST /logout":      {Why: "ends only the caller's own session"},
		"GET /lang/:lang":   {Why: "sets the caller's language cookie, no data"},
		"GET /assets/:file": {Why: "embedded static files (CSS, JS, icons), no data"},
		"GET /inbox":        {Why: "the workflow engine lists only items the caller (or whoever delegated to them) may act on"},
		"GET /t/:tenant/":   {},

		// Roster.
		"GET /t/:tenant/cadres":                    {},
		"GET /t/:tenant/cadres/new":                {},
		"POST /t/:tenant/cadres":                   {},
		"GET /t/:tenant/cadres/:id":                cadre,
		"GET /t/:tenant/cadres/:id/sensitive":      cadre,
		"GET /t/:tenant/cadres/:id/edit":           cadre,
		"POST /t/:tenant/cadres/:id":               cadre,
		"POST /t/:tenant/cadres/:id/positions":     cadre,
		"GET /t/:tenant/cadres/:id/enrolments/new": cadre,
		"POST /t/:tenant/cadres/:id/enrolments":    cadre,
		"GET /t/:tenant/units/options":             {},
		"GET /t/:tenant/cadres/pick":               {Query: "?nq=nguyen"},
		"GET /t/:tenant/imports/new":               {},
		"GET /t/:tenant/imports/template":          {},
		"POST /t/:tenant/imports":                  {},
		"GET /t/:tenant/imports/:id":               imp,
		"GET /t/:tenant/imports/:id/progress":      imp,
		"POST /t/:tenant/imports/:id/commit":       imp,

		// Plans.
		"GET /t/:tenant/plans":                          {},
		"POST /t/:tenant/plans":                         {},
		"GET /t/:tenant/plans/:id":                      pl,
		"GET /t/:tenant/plans/:id/classes/form":         pl,
		"POST /t/:tenant/plans/:id/classes":             pl,
		"POST /t/:tenant/plans/:id/classes/:cid":        pl,
		"POST /t/:tenant/plans/:id/classes/:cid/delete": pl,
		"POST /t/:tenant/plans/:id/lines/:lid":          pl,
		"GET /t/:tenant/plans/:id/compare":              pl,
		"POST /t/:tenant/plans/:id/actions":             pl,

		// Administration.
		"GET /t/:tenant/admin/plugins":              {},
		"POST /t/:tenant/admin/plugins/:name":       {Object: isoPlugin, ObjectParam: "name"},
		"POST /t/:tenant/admin/plugins/:name/reset": {Object: isoPlugin, ObjectParam: "name"},
		"GET /t/:tenant/tenants":                    {},
		"POST /t/:tenant/tenants":                   {Body: "slug=xx2&name=x&kind=affiliated"},
		"GET /t/:tenant/admin/users":                {},
		"POST /t/:tenant/admin/users":               {},
		"POST /t/:tenant/admin/roles":               {},
		"GET /t/:tenant/admin/audit":                {},
		"GET /t/:tenant/admin/workflows":            {},
		"POST /t/:tenant/admin/workflows":           {},

		// Budget estimate.
		"GET /t/:tenant/budget":            {},
		"POST /t/:tenant/budget/recompute": {},
		"POST /t/:tenant/budget/actions":   {},

		// Programme catalogue.
		"GET /t/:tenant/programs":               {},
		"GET /t/:tenant/programs/:id":           prog,
		"POST /t/:tenant/programs/:id/variants": prog,
		"POST /t/:tenant/programs/:id":          prog,
		"POST /t/:tenant/programs/:id/actions":  prog,
	} {
		isolationMatrix[k] = v
	}
}
