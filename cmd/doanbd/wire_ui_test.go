package main

// The web pages' rows of the isolation matrix. Tenant pages need no
// parameters (a cross-tenant call is refused by the guard before the page
// runs); the public and login-only pages say what keeps other tenants out.
func init() {
	for k, v := range map[string]isolationRow{
		"GET /":             {Why: "redirects to the caller's own first tenant, or to the login page"},
		"GET /login":        {Why: "the login form, no data"},
		"POST /login":       {Why: "starts a session for the credentials given; answers with a redirect or the form"},
		"POST /logout":      {Why: "ends only the caller's own session"},
		"GET /lang/:lang":   {Why: "sets the caller's language cookie, no data"},
		"GET /assets/:file": {Why: "embedded static files (CSS, JS, icons), no data"},
		"GET /t/:tenant/":   {},
	} {
		isolationMatrix[k] = v
	}
}
