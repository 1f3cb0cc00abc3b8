package main

import (
	"testing"
)

// isolationRow tells the isolation tests how to exercise one route. Every
// route the server registers needs a row, keyed "METHOD /full/gin/path";
// TestIsolation fails on a route without one (and on a row without a route).
//
// Tenant-scoped routes are called by every role of every test tenant against
// the other tenants (and tw's central roles against children where no
// explicit rule reaches): each call must be refused (403/404) with nothing
// of the other tenant in the body, and a user with no standing in a tenant
// must get exactly what a missing tenant gets.
type isolationRow struct {
	// Params gives path parameters other than :tenant; a missing one gets a
	// value that names nothing. Placeholders: {tenant} (the tenant in the
	// URL), {learner} (the id of that tenant's learner).
	Params map[string]string
	// Query is appended to the path ("?status=active").
	Query string
	// Body is the JSON body of write routes; placeholders as in Params.
	Body string
	// Object creates an object owned by tenant (through the API, as that
	// tenant's users) and returns its id, for routes that take an object id
	// in ObjectParam. The tests then check that asking for a foreign object
	// from one's own tenant answers exactly like asking for a missing one,
	// and the matrix uses the real id in cross-tenant calls.
	Object      func(t *testing.T, e *isoEnv, tenant string) string
	ObjectParam string
	// CentreSees marks objects that tw's users legitimately read from tw
	// (the tenant registry): the foreign-object check skips tw.
	CentreSees bool
	// PerTenantIDs marks ids that name the same thing in every tenant (a
	// year: each tenant's own share of that year's estimate), so no id is
	// foreign: the foreign-object check does not apply; the matrix still
	// checks every cross-tenant call.
	PerTenantIDs bool
	// Why is required for routes that are not tenant-scoped (public and
	// login-only routes): what keeps them from showing another tenant's data.
	Why string
}

var isolationMatrix = map[string]isolationRow{
	// Platform.
	"GET /healthz": {Why: "liveness, no data"},
	"GET /readyz":  {Why: "readiness, no data"},
	"GET /metrics": {Why: "process metrics, no tenant data"},

	// Identity.
	"POST /api/v1/auth/login":     {Why: "answers only with the caller's own token"},
	"POST /api/v1/auth/logout":    {Why: "revokes only the caller's own token or session"},
	"GET /api/v1/me":              {Why: "the caller's own profile and roles"},
	"GET /api/v1/t/:tenant/users": {},
	"POST /api/v1/t/:tenant/users": {
		Body: `{"email":"iso-intruder@iso.test","name":"Kẻ xâm nhập","password":"Xâm-nhập-2026!","role":"tenant_admin"}`},

	// Tenant registry and audit log.
	"GET /api/v1/t/:tenant/tenants": {},
	"GET /api/v1/t/:tenant/tenants/:slug": {ObjectParam: "slug", CentreSees: true,
		Object: func(_ *testing.T, _ *isoEnv, tenant string) string { return tenant }},
	"POST /api/v1/t/:tenant/tenants": {Body: `{"slug":"xx1","name":"Đơn vị giả","kind":"affiliated"}`},
	"GET /api/v1/t/:tenant/audit":    {},

	// Policy administration.
	"GET /api/v1/t/:tenant/roles":    {},
	"POST /api/v1/t/:tenant/roles":   {Body: `{"user_id":"{learner}","role":"tenant_admin"}`},
	"DELETE /api/v1/t/:tenant/roles": {Body: `{"user_id":"{learner}","role":"learner"}`},

	// Plugins: per-tenant enablement and settings; the object is a tenant's choice about a plugin.
	"GET /api/v1/t/:tenant/plugins":              {},
	"GET /api/v1/t/:tenant/plugins/:name":        {ObjectParam: "name", Object: isoPlugin},
	"PUT /api/v1/t/:tenant/plugins/:name":        {ObjectParam: "name", Object: isoPlugin, Body: `{"enabled":false,"settings":{}}`},
	"POST /api/v1/t/:tenant/plugins/:name/reset": {ObjectParam: "name", Object: isoPlugin},
}
