// Package authz is the Casbin adapter: who may do what in which tenant.
//
// The tenant is the Casbin domain. Users hold role templates in tenants
// (assignments, many: `g, user, template, tenant`); templates grant
// permissions (rules, few and domain-independent: `g2, template, obj.act`).
// Central templates held in the central office (tw) reach child tenants
// only through explicit child rules (`obj.act@child`, `obj.act@any_child`),
// never by skipping the tenant check. configs/casbin/model.conf documents
// the model; configs/casbin/policy.csv is the shipped set of templates.
//
// Routes name their object and action with the constants below, e.g.
//
//	s.TenantAPI(http.MethodPost, "/plans/:id/approve", authz.ObjPlan, authz.ActApprove, h)
package authz

import (
	"sort"
	"strings"
)

// Objects: what a route acts on. Keep in step with Catalog.
const (
	ObjTenant   = "tenant"   // the tenant registry entry (name, kind, flags)
	ObjUser     = "user"     // user accounts of a tenant
	ObjRole     = "role"     // role assignments of a tenant
	ObjPolicy   = "policy"   // the tenant's authorization view (assignments, templates)
	ObjAudit    = "audit"    // the hash-chained audit log
	ObjUnit     = "unit"     // organisational units of a tenant
	ObjCadre    = "cadre"    // the cadre roster (personal data)
	ObjProgram  = "program"  // training programmes and modules
	ObjPlan     = "plan"     // annual training plans
	ObjBudget   = "budget"   // budget estimates and their consolidation
	ObjRate     = "rate"     // cost norms / rate tables
	ObjWorkflow = "workflow" // workflow definitions and instances
	ObjPlugin   = "plugin"   // the tenant's enabled plugins
	ObjInbox    = "inbox"    // tasks waiting for the user
	ObjReport   = "report"   // aggregate reports and KPIs
	ObjClass    = "class"    // classes (courses) run under a plan
)

// Actions.
const (
	ActRead           = "read"
	ActCreate         = "create"
	ActUpdate         = "update"
	ActManage         = "manage"
	ActVerify         = "verify"
	ActWrite          = "write"
	ActImport         = "import"
	ActExport         = "export"
	ActReadSensitive  = "read_sensitive" // decrypted personal data (CCCD…); access is logged
	ActSubmit         = "submit"
	ActReview         = "review"
	ActAppraise       = "appraise"
	ActPublish        = "publish"
	ActApprove        = "approve"
	ActRecordDecision = "record_decision" // records the People's Committee decision
	ActReturn         = "return"          // return for revision with a comment
	ActReject         = "reject"
	ActConsolidate    = "consolidate"
	ActGrantCentral   = "grant_central" // role: assign or revoke central_* templates
)

// Catalog lists every object and its actions. The shipped policy may only
// name these; the route tests check every registered route against it.
var Catalog = map[string][]string{
	ObjTenant:   {ActRead, ActCreate, ActUpdate},
	ObjUser:     {ActRead, ActManage},
	ObjRole:     {ActManage, ActGrantCentral},
	ObjPolicy:   {ActRead, ActManage},
	ObjAudit:    {ActRead, ActVerify},
	ObjUnit:     {ActRead, ActWrite},
	ObjCadre:    {ActRead, ActWrite, ActImport, ActExport, ActReadSensitive},
	ObjProgram:  {ActRead, ActWrite, ActSubmit, ActReview, ActAppraise, ActPublish},
	ObjPlan:     {ActRead, ActWrite, ActSubmit, ActApprove, ActRecordDecision, ActReview, ActReturn, ActReject},
	ObjBudget:   {ActRead, ActWrite, ActConsolidate, ActApprove},
	ObjRate:     {ActRead, ActWrite},
	ObjWorkflow: {ActRead, ActManage},
	ObjPlugin:   {ActRead, ActManage},
	ObjInbox:    {ActRead},
	ObjReport:   {ActRead},
	ObjClass:    {ActRead, ActWrite},
}

// Known reports whether obj/act is in the Catalog.
func Known(obj, act string) bool {
	for _, a := range Catalog[obj] {
		if a == act {
			return true
		}
	}
	return false
}

// Role templates.
const (
	RoleCentralAdmin      = "central_admin"      // runs the platform and the central office
	RoleCentralReviewer   = "central_reviewer"   // reviews tenants' plans and budgets
	RoleCentralViewer     = "central_viewer"     // watches the national picture, read only
	RoleTenantAdmin       = "tenant_admin"       // runs one tenant's users and settings
	RolePlanner           = "planner"            // keeps the roster, drafts plans and budgets
	RoleApprover          = "approver"           // tenant leadership: approves or returns plans
	RoleCommitteeRecorder = "committee_recorder" // records the People's Committee decision
	RoleLecturer          = "lecturer"
	RoleLearner           = "learner"
	RoleAuditor           = "auditor" // reads everything of a tenant and verifies the audit log
)

// Roles lists every role template.
var Roles = []string{
	RoleCentralAdmin, RoleCentralReviewer, RoleCentralViewer, RoleTenantAdmin, RolePlanner,
	RoleApprover, RoleCommitteeRecorder, RoleLecturer, RoleLearner, RoleAuditor,
}

// ValidRole reports whether role is a role template.
func ValidRole(role string) bool {
	for _, r := range Roles {
		if r == role {
			return true
		}
	}
	return false
}

// IsCentral reports whether role is a central template: it can only be held
// in the central office, and only a central admin may grant it.
func IsCentral(role string) bool { return strings.HasPrefix(role, "central_") }

// Scopes of a permission, written as a suffix of the permission name.
const (
	// ScopeOwn (no suffix): in a tenant where the template is held.
	ScopeOwn = ""
	// ScopeChild (@child): held in tw, acting on detail data of any other
	// tenant, except tenants marked aggregate-only.
	ScopeChild = "@child"
	// ScopeAnyChild (@any_child): held in tw, acting on any other tenant,
	// aggregate-only ones included (aggregates, tenant administration).
	ScopeAnyChild = "@any_child"
)

// Perm is the permission name of obj/act in a scope, as written in the
// policy: "plan.review", "plan.review@child".
func Perm(obj, act, scope string) string { return obj + "." + act + scope }

// ParsePerm splits a permission name into object, action and scope.
func ParsePerm(p string) (obj, act, scope string, ok bool) {
	base := p
	if i := strings.IndexByte(p, '@'); i >= 0 {
		base, scope = p[:i], p[i:]
		if scope != ScopeChild && scope != ScopeAnyChild {
			return "", "", "", false
		}
	}
	obj, act, ok = strings.Cut(base, ".")
	if !ok || !Known(obj, act) {
		return "", "", "", false
	}
	return obj, act, scope, true
}

// Objects returns the catalog's objects, sorted.
func Objects() []string {
	out := make([]string, 0, len(Catalog))
	for o := range Catalog {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}
