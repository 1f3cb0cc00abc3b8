package ui

// Casbin objects and actions of the page routes, as in the authorization
// adapter's catalogue (core/authz); authz_test.go checks every page route
// against it. The UI does not import the adapter: adapters stay apart.
const (
	objTenant   = "tenant"
	objUser     = "user"
	objRole     = "role"
	objAudit    = "audit"
	objUnit     = "unit"
	objCadre    = "cadre"
	objProgram  = "program"
	objPlan     = "plan"
	objBudget   = "budget"
	objWorkflow = "workflow"
	objPlugin   = "plugin"
	objInbox    = "inbox"

	actRead          = "read"
	actCreate        = "create"
	actWrite         = "write"
	actManage        = "manage"
	actImport        = "import"
	actExport        = "export"
	actReadSensitive = "read_sensitive"
	actConsolidate   = "consolidate"
)
