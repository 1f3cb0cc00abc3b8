package ui

// Casbin objects and actions of the page routes, as in the authorization
// adapter's catalogue (core/authz); authz_test.go checks every page route
// against it. The UI does not import the adapter: adapters stay apart.
const (
	objTenant   = "tenant"
	objUser     = "user"
	objRole     = "role"
	objPolicy   = "policy"
	objAudit    = "audit"
	objUnit     = "unit"
	objCadre    = "cadre"
	objProgram  = "program"
	objPlan     = "plan"
	objBudget   = "budget"
	objRate     = "rate"
	objWorkflow = "workflow"
	objPlugin   = "plugin"
	objInbox    = "inbox"
	objReport   = "report"

	actRead           = "read"
	actCreate         = "create"
	actWrite          = "write"
	actManage         = "manage"
	actImport         = "import"
	actExport         = "export"
	actReadSensitive  = "read_sensitive"
	actSubmit         = "submit"
	actReview         = "review"
	actApprove        = "approve"
	actRecordDecision = "record_decision"
	actReturn         = "return"
	actReject         = "reject"
	actConsolidate    = "consolidate"
	actVerify         = "verify"
	actPublish        = "publish"
	actAppraise       = "appraise"
)
