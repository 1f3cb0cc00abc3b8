package ui

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/i18n"
	"doanbd/core/web"
	"doanbd/workflows/engine"
)

// Member is a user holding roles in a tenant.
type Member struct {
	ID, Email, Name, Status string
	Roles                   []string
	LastLogin               *time.Time
}

// NewMember is a user to add to a tenant (or a role for an existing one).
type NewMember struct {
	Email, Name, Password, Role string
}

// Members is user and role administration within a tenant (the identity and
// authorization adapters, joined in cmd/doanbd).
type Members interface {
	Members(ctx context.Context, tenant string, limit, offset int) ([]Member, int, error)
	AddMember(ctx context.Context, actor core.Principal, tenant string, in NewMember) error
	Assign(ctx context.Context, actor core.Principal, tenant, userID, role string) error
	Revoke(ctx context.Context, actor core.Principal, tenant, userID, role string) error
	// RoleNames lists the role templates a tenant's users can be given.
	RoleNames(tenant string) []string
}

// AuditEntry is one row of a tenant's audit log.
type AuditEntry struct {
	Seq                                 int64
	At                                  time.Time
	Actor, Action, Object, ObjectID, IP string
	Detail                              string
}

// AuditLog reads a tenant's audit chain, newest first.
type AuditLog interface {
	Audit(ctx context.Context, tenant, action string, limit, offset int) ([]AuditEntry, int, error)
}

// Definitions are the workflow definitions of a tenant (workflows/engine).
type Definitions interface {
	Definitions(ctx context.Context, tenant string) ([]engine.DefinitionInfo, error)
	Override(ctx context.Context, tenant, actor string, src []byte) (engine.DefinitionInfo, error)
}

const auditPageSize = 50

func (u *UI) registerAdmin(s *web.Server) {
	if u.members != nil {
		s.TenantPage(http.MethodGet, "/admin/users", objUser, actRead, u.usersPage)
		s.TenantPage(http.MethodPost, "/admin/users", objUser, actManage, u.userAdd)
		s.TenantPage(http.MethodPost, "/admin/roles", objRole, actManage, u.roleChange)
		u.sections = append(u.sections, section{label: "nav.users", path: "/admin/users", obj: objUser, act: actRead})
	}
	// Registered even without an engine (the route table does not depend
	// on what is wired); the pages then say there is nothing.
	s.TenantPage(http.MethodGet, "/admin/workflows", objWorkflow, actRead, u.workflowsPage)
	s.TenantPage(http.MethodPost, "/admin/workflows", objWorkflow, actManage, u.workflowUpload)
	if u.defs != nil {
		u.sections = append(u.sections, section{label: "nav.workflows", path: "/admin/workflows", obj: objWorkflow, act: actManage})
	}
	if u.audit != nil {
		s.TenantPage(http.MethodGet, "/admin/audit", objAudit, actRead, u.auditPage)
		u.sections = append(u.sections, section{label: "nav.audit", path: "/admin/audit", obj: objAudit, act: actRead})
	}
}

type memberRow struct {
	Member
	RoleLabels []option // value: role, label: translated
	LastLogin  string
}

type usersData struct {
	Rows      []memberRow
	Pager     pager
	Roles     []option
	CanManage bool
	CanRoles  bool
}

// usersPage handles GET /t/:tenant/admin/users.
func (u *UI) usersPage(c *gin.Context) error {
	v := u.view(c, "users.title")
	d, err := u.usersData(c, v)
	if err != nil {
		return err
	}
	v.Form = emptyForm(u.cat.For(v.Lang), nil)
	v.Data = d
	return u.html(c, "users", v)
}

func (u *UI) usersData(c *gin.Context, v *View) (*usersData, error) {
	p := u.cat.For(v.Lang)
	offset := listWindow(c, auditPageSize)
	ms, total, err := u.members.Members(c.Request.Context(), v.Tenant.ID, auditPageSize, offset)
	if err != nil {
		return nil, err
	}
	d := &usersData{Pager: newPager(c, offset, auditPageSize, len(ms), total),
		CanManage: u.can(c, v, objUser, actManage), CanRoles: u.can(c, v, objRole, actManage)}
	for _, m := range ms {
		r := memberRow{Member: m}
		if m.LastLogin != nil {
			r.LastLogin = i18n.DateTime(*m.LastLogin)
		}
		for _, role := range m.Roles {
			r.RoleLabels = append(r.RoleLabels, option{role, p.Label("role.", role)})
		}
		d.Rows = append(d.Rows, r)
	}
	for _, role := range u.members.RoleNames(v.Tenant.ID) {
		d.Roles = append(d.Roles, option{role, p.Label("role.", role)})
	}
	return d, nil
}

// userAdd handles POST /t/:tenant/admin/users: a new user with a role, or a
// role for an existing e-mail.
func (u *UI) userAdd(c *gin.Context) error {
	v := u.view(c, "users.title")
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	f.Required("email", "role")
	if f.OK() {
		err := u.members.AddMember(c.Request.Context(), *v.User, v.Tenant.ID,
			NewMember{Email: f.Get("email"), Name: f.Get("name"), Password: f.Values.Get("password"), Role: f.Get("role")})
		if err == nil {
			return u.redirect(c, "/t/"+v.Tenant.ID+"/admin/users", "users.added")
		}
		if !f.Take(err, nil) {
			return err
		}
	}
	d, err := u.usersData(c, v)
	if err != nil {
		return err
	}
	v.Form, v.Data, v.Status = f, d, http.StatusUnprocessableEntity
	return u.html(c, "users", v)
}

// roleChange handles POST /t/:tenant/admin/roles: grant (op=assign) or
// revoke (op=revoke) one role of one user.
func (u *UI) roleChange(c *gin.Context) error {
	v := u.view(c, "users.title")
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	user, role := f.Get("user_id"), f.Get("role")
	if role == "" {
		f.Message = f.p.T("users.choose_role_first")
		err = core.Invalid(f.Message)
	} else if f.Get("op") == "revoke" {
		err = u.members.Revoke(ctx, *v.User, v.Tenant.ID, user, role)
	} else {
		err = u.members.Assign(ctx, *v.User, v.Tenant.ID, user, role)
	}
	if err == nil {
		return u.redirect(c, "/t/"+v.Tenant.ID+"/admin/users", "users.roles_saved")
	}
	if !f.Take(err, nil) {
		return err
	}
	d, derr := u.usersData(c, v)
	if derr != nil {
		return derr
	}
	v.Form, v.Data, v.Status = emptyForm(u.cat.For(v.Lang), nil), d, http.StatusUnprocessableEntity
	v.Form.Message, v.Form.Details = f.Message, f.Details
	return u.html(c, "users", v)
}

type workflowsData struct {
	Defs      []engine.DefinitionInfo
	CanManage bool
}

// workflowsPage handles GET /t/:tenant/admin/workflows: the shipped
// definitions and the tenant's own versions, with their source.
func (u *UI) workflowsPage(c *gin.Context) error {
	v := u.view(c, "workflows.title")
	return u.renderWorkflows(c, v, emptyForm(u.cat.For(v.Lang), nil), http.StatusOK)
}

func (u *UI) renderWorkflows(c *gin.Context, v *View, f *Form, status int) error {
	var defs []engine.DefinitionInfo
	if u.defs != nil {
		var err error
		if defs, err = u.defs.Definitions(c.Request.Context(), v.Tenant.ID); err != nil {
			return core.Internal(err, "list workflow definitions")
		}
	}
	v.Form, v.Status = f, status
	v.Data = workflowsData{Defs: defs, CanManage: u.can(c, v, objWorkflow, actManage)}
	return u.html(c, "workflows", v)
}

// workflowUpload handles POST /t/:tenant/admin/workflows (multipart "file"):
// the tenant's own version of a shipped definition; problems are listed by
// line.
func (u *UI) workflowUpload(c *gin.Context) error {
	if u.defs == nil {
		return core.Errorf(core.ENOTFOUND, "Không có quy trình xử lý.")
	}
	v := u.view(c, "workflows.title")
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	fh, ferr := c.FormFile("file")
	if ferr != nil {
		f.Fail("file", "workflows.file_required")
		return u.renderWorkflows(c, v, f, http.StatusUnprocessableEntity)
	}
	src, err := readUpload(fh, 1<<20)
	if err != nil {
		f.Fail("file", "import.file_unreadable")
		return u.renderWorkflows(c, v, f, http.StatusUnprocessableEntity)
	}
	if _, err := u.defs.Override(c.Request.Context(), v.Tenant.ID, v.User.UserID, src); err != nil {
		if !f.Take(err, nil) {
			return err
		}
		return u.renderWorkflows(c, v, f, http.StatusUnprocessableEntity)
	}
	return u.redirect(c, "/t/"+v.Tenant.ID+"/admin/workflows", "workflows.saved")
}

type auditData struct {
	Rows   []AuditEntry
	Pager  pager
	Action string
}

// auditPage handles GET /t/:tenant/admin/audit?action=: the tenant's audit
// chain, newest first.
func (u *UI) auditPage(c *gin.Context) error {
	v := u.view(c, "audit.title")
	offset := listWindow(c, auditPageSize)
	action := strings.TrimSpace(c.Query("action"))
	rows, total, err := u.audit.Audit(c.Request.Context(), v.Tenant.ID, action, auditPageSize, offset)
	if err != nil {
		return core.Internal(err, "list audit log")
	}
	v.Form = queryForm(c, emptyForm(u.cat.For(v.Lang), nil))
	v.Data = auditData{Rows: rows, Pager: newPager(c, offset, auditPageSize, len(rows), total), Action: action}
	return u.html(c, "audit", v)
}
