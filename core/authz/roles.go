package authz

import (
	"context"
	"slices"
	"sort"

	"github.com/uptrace/bun"

	"doanbd/core"
)

// Assignment is one role held by one user in one tenant.
type Assignment struct {
	UserID string `json:"user_id"`
	Role   string `json:"role"`
	Tenant string `json:"tenant"`
}

// checkGrant validates a role change. actorID "" is the system (the CLI,
// seeding), trusted; any other actor must be allowed role.grant_central in
// the centre to touch a central role. The route's guard has already checked
// role.manage in the tenant. Roles are granted only in active tenants; they
// can be revoked in ended ones too (their history stays readable to those
// who keep a role there).
func (s *Service) checkGrant(ctx context.Context, grant bool, actorID, userID, role, tenant string) error {
	if userID == "" {
		return core.Invalid("Thiếu người dùng.", core.FieldError{Field: "user_id", Message: "Bắt buộc."})
	}
	if !ValidRole(role) {
		return core.Invalid("Vai trò không hợp lệ.", core.FieldError{Field: "role",
			Message: "Vai trò phải là một trong: " + joinRoles() + "."})
	}
	if IsCentral(role) && tenant != core.CentralTenant {
		return core.Invalid("Vai trò không hợp lệ.", core.FieldError{Field: "role",
			Message: "Vai trò " + role + " chỉ dùng ở Trung ương Đoàn."})
	}
	t, err := s.tenants.Tenant(ctx, tenant)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return core.Invalid("Đơn vị không tồn tại.", core.FieldError{Field: "tenant", Message: "Không có đơn vị " + tenant + "."})
	} else if err != nil {
		return core.Internal(err, "tenant for role change")
	}
	if grant && t.Status != core.TenantActive {
		return core.Errorf(core.ECONFLICT, "Đơn vị %s đã ngừng hoạt động, không thể đổi vai trò.", tenant)
	}
	if IsCentral(role) && actorID != "" {
		ok, err := s.Enforce(ctx, actorID, core.CentralTenant, ObjRole, ActGrantCentral)
		if err != nil {
			return core.Internal(err, "check central grant")
		}
		if !ok {
			return core.Errorf(core.EFORBIDDEN, "Chỉ quản trị viên Trung ương Đoàn mới được cấp hoặc thu hồi vai trò %s.", role)
		}
	}
	return nil
}

func joinRoles() string {
	s := ""
	for i, r := range Roles {
		if i > 0 {
			s += ", "
		}
		s += r
	}
	return s
}

// AssignRole gives userID the role template in tenant. Assigning a role
// already held is not an error and changes nothing. The change and its
// audit entry commit together; other processes are told through the watcher.
func (s *Service) AssignRole(ctx context.Context, actorID, userID, role, tenant string) error {
	if err := s.checkGrant(ctx, true, actorID, userID, role, tenant); err != nil {
		return err
	}
	line := []string{userID, role, tenant}
	if held, err := s.e.HasNamedGroupingPolicy("g", line); err != nil {
		return core.Internal(err, "read assignment")
	} else if held {
		return nil
	}
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := s.ad.AddPoliciesTx(ctx, tx, "g", [][]string{line}); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, AuditEntry{Tenant: tenant, ActorID: actorID, Action: AuditGrant,
			Object: ObjRole, ObjectID: userID, Detail: map[string]string{"role": role}})
	})
	if err != nil {
		return core.Internal(err, "assign role")
	}
	if _, err := s.e.SelfAddPolicy("g", "g", line); err != nil {
		return core.Internal(err, "apply assignment")
	}
	s.notify()
	return nil
}

// RevokeRole takes the role template in tenant away from userID. A role not
// held is ENOTFOUND. The last central admin cannot be removed.
func (s *Service) RevokeRole(ctx context.Context, actorID, userID, role, tenant string) error {
	if err := s.checkGrant(ctx, false, actorID, userID, role, tenant); err != nil {
		return err
	}
	line := []string{userID, role, tenant}
	if held, err := s.e.HasNamedGroupingPolicy("g", line); err != nil {
		return core.Internal(err, "read assignment")
	} else if !held {
		return core.Errorf(core.ENOTFOUND, "Người dùng không giữ vai trò %s ở đơn vị này.", role)
	}
	if role == RoleCentralAdmin {
		lock := s.e.GetLock()
		lock.RLock()
		admins, _ := s.assign.GetUsers(RoleCentralAdmin, core.CentralTenant)
		lock.RUnlock()
		if len(admins) <= 1 {
			return core.Errorf(core.ECONFLICT, "Không thể thu hồi vai trò của quản trị viên Trung ương Đoàn cuối cùng.")
		}
	}
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := s.ad.RemovePoliciesTx(ctx, tx, "g", [][]string{line}); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, AuditEntry{Tenant: tenant, ActorID: actorID, Action: AuditRevoke,
			Object: ObjRole, ObjectID: userID, Detail: map[string]string{"role": role}})
	})
	if err != nil {
		return core.Internal(err, "revoke role")
	}
	if _, err := s.e.SelfRemovePolicy("g", "g", line); err != nil {
		return core.Internal(err, "apply revocation")
	}
	s.notify()
	return nil
}

// RolesOf returns tenant → sorted roles of userID.
func (s *Service) RolesOf(ctx context.Context, userID string) (map[string][]string, error) {
	lock := s.e.GetLock()
	lock.RLock()
	defer lock.RUnlock()
	out := map[string][]string{}
	doms, _ := s.assign.GetDomains(userID)
	for _, d := range doms {
		if rs, _ := s.assign.GetRoles(userID, d); len(rs) > 0 {
			out[d] = rs
		}
	}
	return out, nil
}

// UsersIn returns userID → sorted roles of every user with a role in tenant.
func (s *Service) UsersIn(ctx context.Context, tenant string) (map[string][]string, error) {
	lock := s.e.GetLock()
	lock.RLock()
	defer lock.RUnlock()
	s.assign.mu.RLock()
	defer s.assign.mu.RUnlock()
	out := map[string][]string{}
	for user, held := range s.assign.fwd[tenant] {
		if len(held) > 0 {
			out[user] = sorted(held)
		}
	}
	return out, nil
}

// Assignments lists the roles held in tenant, by user then role.
func (s *Service) Assignments(ctx context.Context, tenant string) ([]Assignment, error) {
	byUser, err := s.UsersIn(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := []Assignment{}
	for u, rs := range byUser {
		for _, r := range rs {
			out = append(out, Assignment{UserID: u, Role: r, Tenant: tenant})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].UserID != out[j].UserID {
			return out[i].UserID < out[j].UserID
		}
		return out[i].Role < out[j].Role
	})
	return out, nil
}

// TenantsWhere returns, sorted, every tenant where userID may do act on obj:
// tenants where the user holds a role, and — when a template the user holds
// in the centre has a child rule for obj.act — every active child tenant the
// rule reaches (aggregate-only tenants only through @any_child rules). For the
// cross-tenant inbox and the tenant switcher.
func (s *Service) TenantsWhere(ctx context.Context, userID, obj, act string) ([]string, error) {
	roles, err := s.RolesOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	found := map[string]bool{}
	for d := range roles {
		ok, err := s.Enforce(ctx, userID, d, obj, act)
		if err != nil {
			return nil, err
		}
		if ok {
			found[d] = true
		}
	}
	lock := s.e.GetLock()
	lock.RLock()
	reaches := slices.ContainsFunc(roles[core.CentralTenant], func(t string) bool {
		return s.reachesChildren(t, Perm(obj, act, ScopeOwn))
	})
	lock.RUnlock()
	if reaches {
		all, err := s.tenants.Tenants(ctx)
		if err != nil {
			return nil, core.Internal(err, "list tenants")
		}
		for _, t := range all {
			if t.ID == core.CentralTenant || t.Status != core.TenantActive || found[t.ID] {
				continue
			}
			ok, err := s.e.Enforce(userID, t.ID, Perm(obj, act, ScopeOwn), viewFor(t))
			if err != nil {
				return nil, core.Internal(err, "enforce")
			}
			if ok {
				found[t.ID] = true
			}
		}
	}
	out := make([]string, 0, len(found))
	for t := range found {
		out = append(out, t)
	}
	sort.Strings(out)
	return out, nil
}
