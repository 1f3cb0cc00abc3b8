package identity

import (
	"context"
	"slices"
	"sort"
	"strings"

	"doanbd/core"
)

// Role templates (the Casbin roles). Central roles exist only in the
// central tenant; the others in every tenant.
var (
	CentralRoles = []string{"central_admin", "central_reviewer", "central_viewer"}
	TenantRoles  = []string{"tenant_admin", "planner", "approver", "committee_recorder", "lecturer", "learner", "auditor"}
)

// DefaultRoles is every role template, for Options.Roles.
func DefaultRoles() []string { return append(slices.Clone(CentralRoles), TenantRoles...) }

// IsCentralRole reports a role that exists only in the central tenant.
func IsCentralRole(role string) bool { return strings.HasPrefix(role, "central_") }

// AddUserInput asks for a user to hold Role in Tenant, creating the user if
// the email is new.
type AddUserInput struct {
	Tenant   string
	Email    string
	Name     string // required for a new user
	Password string // required for a new user
	Role     string
	// ResetPassword replaces an existing user's password with Password.
	// Without it an existing user's password is never touched, so granting a
	// role cannot be used to take over someone's account.
	ResetPassword bool
}

// AddUserResult says what AddUser changed.
type AddUserResult struct {
	User        User     `json:"user"`
	Created     bool     `json:"created"`
	RoleAdded   bool     `json:"role_added"`
	PasswordSet bool     `json:"password_set"`
	Roles       []string `json:"roles"` // the user's roles in the tenant afterwards
}

// Tenant resolves a tenant slug through the tenant directory (ENOTFOUND
// when unknown), for callers that name a tenant outside a guarded route.
func (s *Service) Tenant(ctx context.Context, slug string) (core.Tenant, error) {
	return s.tenants.Tenant(ctx, slug)
}

// checkRole validates a role for a tenant and returns the tenant.
func (s *Service) checkRole(ctx context.Context, slug, role string) (core.Tenant, error) {
	t, err := s.tenants.Tenant(ctx, slug)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return core.Tenant{}, core.Invalid("Đơn vị không tồn tại.", core.FieldError{Field: "tenant", Message: "Không có đơn vị " + slug + "."})
	} else if err != nil {
		return core.Tenant{}, err
	}
	if t.Status != core.TenantActive {
		return core.Tenant{}, core.Errorf(core.ECONFLICT, "Đơn vị %s đã ngừng hoạt động, không thể thêm người dùng.", slug)
	}
	if !s.roleSet[role] {
		known := slices.Sorted(func(yield func(string) bool) {
			for r := range s.roleSet {
				if !yield(r) {
					return
				}
			}
		})
		return core.Tenant{}, core.Invalid("Vai trò không hợp lệ.", core.FieldError{Field: "role",
			Message: "Vai trò phải là một trong: " + strings.Join(known, ", ") + "."})
	}
	if IsCentralRole(role) && t.Kind != core.TenantCentral {
		return core.Tenant{}, core.Invalid("Vai trò không hợp lệ.", core.FieldError{Field: "role",
			Message: "Vai trò " + role + " chỉ dùng ở Trung ương Đoàn."})
	}
	return t, nil
}

// CheckAdd validates the tenant, role and email of an AddUser request
// without changing anything, so a command can refuse before asking for a
// password.
func (s *Service) CheckAdd(ctx context.Context, in AddUserInput) error {
	if _, err := s.checkRole(ctx, in.Tenant, in.Role); err != nil {
		return err
	}
	_, err := NormalizeEmail(in.Email)
	return err
}

// AddUser gives a user a role in a tenant, creating the user when the email
// is new (then Name and Password are required). It is idempotent: a role
// already held is not an error. The role is granted after the user is
// committed (the role store writes on its own); a failure there leaves the
// user without the role, and running AddUser again completes it.
func (s *Service) AddUser(ctx context.Context, actor Actor, in AddUserInput) (AddUserResult, error) {
	t, err := s.checkRole(ctx, in.Tenant, in.Role)
	if err != nil {
		return AddUserResult{}, err
	}
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return AddUserResult{}, err
	}
	var res AddUserResult
	u, err := s.UserByEmail(ctx, email)
	switch core.ErrorCode(err) {
	case "":
		if in.ResetPassword {
			if err := s.SetPassword(ctx, actor, u.ID, in.Password); err != nil {
				return AddUserResult{}, err
			}
			res.PasswordSet = true
		}
	case core.ENOTFOUND:
		if u, err = s.createUser(ctx, actor, t.ID, NewUser{Email: email, Name: in.Name, Password: in.Password}); err != nil {
			return AddUserResult{}, err
		}
		res.Created, res.PasswordSet = true, true
	default:
		return AddUserResult{}, err
	}
	res.User = u
	roles, err := s.roles.RolesOf(ctx, u.ID)
	if err != nil {
		return AddUserResult{}, core.Internal(err, "read roles")
	}
	if !slices.Contains(roles[t.ID], in.Role) {
		if err := s.roles.AssignRole(ctx, actor.ID, u.ID, in.Role, t.ID); err != nil {
			return AddUserResult{}, err
		}
		res.RoleAdded = true
		roles[t.ID] = append(roles[t.ID], in.Role)
	}
	res.Roles = slices.Sorted(slices.Values(roles[t.ID]))
	return res, nil
}

// Member is a user as seen from one tenant: with their roles there.
type Member struct {
	User
	Roles []string `json:"roles"`
}

// Members lists the users holding a role in tenant, ordered by email, one
// page at a time; total counts them all.
func (s *Service) Members(ctx context.Context, tenant string, limit, offset int) ([]Member, int, error) {
	byUser, err := s.roles.UsersIn(ctx, tenant)
	if err != nil {
		return nil, 0, core.Internal(err, "read tenant users")
	}
	ids := make([]string, 0, len(byUser))
	for id, rs := range byUser {
		if len(rs) > 0 {
			ids = append(ids, id)
		}
	}
	us, err := s.usersByIDs(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	total := len(us)
	if offset > total {
		offset = total
	}
	if limit <= 0 || offset+limit > total {
		limit = total - offset
	}
	out := make([]Member, 0, limit)
	for _, u := range us[offset : offset+limit] {
		rs := slices.Clone(byUser[u.ID])
		sort.Strings(rs)
		out = append(out, Member{User: u, Roles: rs})
	}
	return out, total, nil
}
