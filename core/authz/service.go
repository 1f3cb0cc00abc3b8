package authz

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
)

// Request views (r.view in the model).
const (
	viewFull      = "full"
	viewAggregate = "aggregate"
)

// Audit actions written by the service.
const (
	AuditGrant  = "role.grant"
	AuditRevoke = "role.revoke"
)

// TenantDirectory is the slice of the tenant registry the service needs.
type TenantDirectory interface {
	// Tenant returns a tenant; an unknown slug is a core ENOTFOUND error.
	Tenant(ctx context.Context, slug string) (core.Tenant, error)
	// Tenants returns every tenant (central child rules expand to the
	// active ones).
	Tenants(ctx context.Context) ([]core.Tenant, error)
}

// AuditEntry is one role change for the audit log.
type AuditEntry struct {
	Tenant   string
	ActorID  string
	Action   string // AuditGrant, AuditRevoke
	Object   string // ObjRole
	ObjectID string // the user whose roles changed
	Detail   map[string]string
}

// Auditor appends to the audit log inside the caller's transaction, so the
// entry commits or rolls back with the change.
type Auditor interface {
	Append(ctx context.Context, tx bun.IDB, e AuditEntry) error
}

// Options configures the service.
type Options struct {
	Model  string // configs/casbin/model.conf
	Policy string // configs/casbin/policy.csv
	Log    *slog.Logger
}

// Service answers authorization questions and changes role assignments.
// It is safe for concurrent use; build one per process with New.
type Service struct {
	db      *sqldb.DB
	e       *casbin.SyncedEnforcer
	ad      *Adapter
	assign  *assignRM
	tmpl    *templateRM
	tenants TenantDirectory
	audit   Auditor
	log     *slog.Logger
	shipped [][]string

	watchMu sync.Mutex
	watcher persist.Watcher

	reloadMu sync.Mutex
	loaded   string // stamp of casbin_rule when the loaded policy was read
}

// New builds the enforcer on the model, writes the shipped templates into
// the database (idempotent) and loads the policy.
func New(ctx context.Context, db *sqldb.DB, tenants TenantDirectory, audit Auditor, opt Options) (*Service, error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	shipped, err := ParsePolicy(opt.Policy)
	if err != nil {
		return nil, err
	}
	s := &Service{db: db, ad: NewAdapter(db), tenants: tenants, audit: audit, log: opt.Log, shipped: shipped}
	if s.e, s.assign, s.tmpl, err = newEnforcer(opt.Model); err != nil {
		return nil, err
	}
	s.e.SetAdapter(s.ad)
	s.e.EnableAutoSave(false) // the service persists in its own transactions
	if _, err := s.Sync(ctx); err != nil {
		return nil, err
	}
	if err := s.reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// newEnforcer builds a synchronized enforcer with this package's role managers.
func newEnforcer(modelText string) (*casbin.SyncedEnforcer, *assignRM, *templateRM, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("casbin model: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("casbin enforcer: %w", err)
	}
	a, t := newRoleManagers()
	e.SetRoleManager(a)
	e.SetNamedRoleManager("g2", t)
	return e, a, t, nil
}

// ParsePolicy reads the shipped templates ("g2, template, permission" lines;
// # comments) and checks every template and permission.
func ParsePolicy(text string) ([][]string, error) {
	var out [][]string
	seen := map[string]bool{}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if len(f) != 3 || f[0] != "g2" {
			return nil, fmt.Errorf("policy line %d: want \"g2, template, obj.act[@scope]\", got %q", n+1, line)
		}
		if !ValidRole(f[1]) {
			return nil, fmt.Errorf("policy line %d: unknown role template %q", n+1, f[1])
		}
		_, _, scope, ok := ParsePerm(f[2])
		if !ok {
			return nil, fmt.Errorf("policy line %d: unknown permission %q", n+1, f[2])
		}
		if scope != ScopeOwn && !IsCentral(f[1]) {
			return nil, fmt.Errorf("policy line %d: only central templates act on child tenants (%s)", n+1, line)
		}
		if seen[line] {
			return nil, fmt.Errorf("policy line %d: duplicate %q", n+1, line)
		}
		seen[line] = true
		out = append(out, f[1:])
	}
	return out, nil
}

// Sync makes the stored templates (g2) equal to the shipped ones and reports
// whether anything changed. Assignments are not touched. Safe to run from
// several processes at once.
func (s *Service) Sync(ctx context.Context) (bool, error) {
	changed := false
	err := s.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rows []rule
		if err := tx.NewSelect().Model(&rows).Where("ptype = 'g2'").Scan(ctx); err != nil {
			return fmt.Errorf("read templates: %w", err)
		}
		want := map[[2]string]bool{}
		for _, r := range s.shipped {
			want[[2]string{r[0], r[1]}] = true
		}
		var stale [][]string
		for _, r := range rows {
			k := [2]string{r.V0, r.V1}
			if want[k] {
				delete(want, k)
			} else {
				stale = append(stale, r.values())
			}
		}
		var missing [][]string
		for _, r := range s.shipped {
			if want[[2]string{r[0], r[1]}] {
				missing = append(missing, r)
			}
		}
		changed = len(stale)+len(missing) > 0
		if err := s.ad.RemovePoliciesTx(ctx, tx, "g2", stale); err != nil {
			return err
		}
		if len(missing) > 0 {
			return s.ad.AddPoliciesTx(ctx, tx, "g2", missing)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("sync shipped policy: %w", err)
	}
	if changed {
		s.log.Info("authorization templates updated from the shipped policy")
		s.notify()
	}
	return changed, nil
}

// Reload reloads the whole policy from the database (the watcher calls it
// when another process changed the policy). Decisions keep using the old
// policy until the new one is read; the switch itself holds the enforcer's
// write lock only while the role links are rebuilt.
func (s *Service) Reload() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.ad.Timeout)
	defer cancel()
	return s.reload(ctx)
}

func (s *Service) reload(ctx context.Context) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	st, err := s.stamp(ctx)
	if err != nil {
		return err
	}
	if err := s.e.LoadPolicy(); err != nil {
		return fmt.Errorf("load casbin policy: %w", err)
	}
	s.loaded = st // read before loading: a change during the load shows up as a new stamp
	return nil
}

// stamp identifies the stored policy's state: ids only grow, so any insert
// raises max(id) and any delete lowers the count.
func (s *Service) stamp(ctx context.Context) (string, error) {
	var n, top int64
	if err := s.db.Read.NewRaw("SELECT count(*), coalesce(max(id), 0) FROM casbin_rule").Scan(ctx, &n, &top); err != nil {
		return "", fmt.Errorf("read policy stamp: %w", err)
	}
	return fmt.Sprintf("%d/%d", n, top), nil
}

// ReloadIfChanged reloads when the stored policy differs from the loaded
// one, and reports whether it did.
func (s *Service) ReloadIfChanged(ctx context.Context) (bool, error) {
	st, err := s.stamp(ctx)
	if err != nil {
		return false, err
	}
	s.reloadMu.Lock()
	same := st == s.loaded
	s.reloadMu.Unlock()
	if same {
		return false, nil
	}
	return true, s.reload(ctx)
}

// SetWatcher connects a watcher: changes made here are announced to other
// processes, and their announcements reload the policy here.
func (s *Service) SetWatcher(w persist.Watcher) error {
	err := w.SetUpdateCallback(func(string) {
		if err := s.Reload(); err != nil {
			s.log.Error("policy reload after a change elsewhere failed", "err", err)
		}
	})
	if err != nil {
		return fmt.Errorf("watcher callback: %w", err)
	}
	s.watchMu.Lock()
	s.watcher = w
	s.watchMu.Unlock()
	return nil
}

func (s *Service) notify() {
	s.watchMu.Lock()
	w := s.watcher
	s.watchMu.Unlock()
	if w == nil {
		return
	}
	if err := w.Update(); err != nil {
		// Other processes catch up at their next periodic reload.
		s.log.Warn("policy change not announced to other processes", "err", err)
	}
}

// viewOf returns r.view for tenant: aggregate for tenants marked
// aggregate-only, full otherwise.
func (s *Service) viewOf(ctx context.Context, tenant string) (string, error) {
	if tenant == core.CentralTenant {
		return viewFull, nil
	}
	t, err := s.tenants.Tenant(ctx, tenant)
	if err != nil {
		return "", err
	}
	return viewFor(t), nil
}

func viewFor(t core.Tenant) string {
	if t.AggregateOnly {
		return viewAggregate
	}
	return viewFull
}

// Enforce reports whether user may do act on obj in tenant.
func (s *Service) Enforce(ctx context.Context, user, tenant, obj, act string) (bool, error) {
	view, err := s.viewOf(ctx, tenant)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, err
	}
	ok, err := s.e.Enforce(user, tenant, Perm(obj, act, ScopeOwn), view)
	if err != nil {
		return false, fmt.Errorf("enforce: %w", err)
	}
	return ok, nil
}

var (
	errHidden    = core.Errorf(core.ENOTFOUND, "Không tìm thấy trang hoặc dữ liệu yêu cầu.")
	errForbidden = core.Errorf(core.EFORBIDDEN, "Bạn không có quyền thực hiện thao tác này.")
)

// ErrHidden is the answer for a tenant the caller may not see: the same as
// for a tenant or object that does not exist, so refusals reveal nothing.
func ErrHidden() error { return errHidden }

// Authorize decides for a request: nil when allowed; EFORBIDDEN when the
// user belongs to the tenant (holds a role there, or a central role that
// reaches it) but may not do this; ENOTFOUND otherwise, so a foreign tenant
// looks exactly like a missing one.
func (s *Service) Authorize(ctx context.Context, p core.Principal, tenant, obj, act string) error {
	if p.UserID == "" {
		return core.Errorf(core.EUNAUTHORIZED, "Vui lòng đăng nhập.")
	}
	view, err := s.viewOf(ctx, tenant)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return errHidden
	} else if err != nil {
		return core.Internal(err, "tenant for authorization")
	}
	lock := s.e.GetLock()
	lock.RLock()
	ok, err := s.e.Enforcer.Enforce(p.UserID, tenant, Perm(obj, act, ScopeOwn), view)
	visible := ok || s.visibleLocked(p.UserID, tenant)
	lock.RUnlock()
	switch {
	case err != nil:
		return core.Internal(err, "enforce")
	case ok:
		return nil
	case visible:
		return errForbidden
	}
	return errHidden
}

// visibleLocked reports whether user belongs to tenant: holds a role there,
// or holds in the centre a template with rules on child tenants. The caller
// holds the enforcer lock.
func (s *Service) visibleLocked(user, tenant string) bool {
	if held, _ := s.assign.GetRoles(user, tenant); len(held) > 0 {
		return true
	}
	if tenant == core.CentralTenant {
		return false
	}
	held, _ := s.assign.GetRoles(user, core.CentralTenant)
	for _, t := range held {
		if s.reachesChildren(t, "") {
			return true
		}
	}
	return false
}

// reachesChildren reports whether template grants perm (any permission when
// perm is "") on child tenants. The caller holds the enforcer lock.
func (s *Service) reachesChildren(template, perm string) bool {
	if perm != "" {
		a, _ := s.tmpl.HasLink(template, perm+ScopeChild)
		b, _ := s.tmpl.HasLink(template, perm+ScopeAnyChild)
		return a || b
	}
	perms, _ := s.tmpl.GetRoles(template)
	for _, p := range perms {
		if strings.Contains(p, "@") {
			return true
		}
	}
	return false
}
