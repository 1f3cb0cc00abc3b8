// Package identity knows who the caller is: users with argon2id passwords,
// opaque API tokens, browser sessions (alexedwards/scs, stored in the
// database), CSRF protection for those sessions and login throttling. What a
// user may do is not its business: roles live in Casbin, reached through the
// RoleAssigner interface that cmd/doanbd wires to the authorization adapter.
package identity

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/alexedwards/scs/v2"
	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
)

// User statuses.
const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
)

// User is a person who can log in. Users are global: roles per tenant are
// held by the authorization adapter.
type User struct {
	bun.BaseModel `bun:"table:users" json:"-"`

	ID           string     `bun:"id,pk" json:"id"`
	Email        string     `bun:"email" json:"email"`
	Name         string     `bun:"name" json:"name"`
	PasswordHash string     `bun:"password_hash" json:"-"`
	Status       string     `bun:"status" json:"status"`
	CreatedAt    time.Time  `bun:"created_at" json:"created_at"`
	UpdatedAt    time.Time  `bun:"updated_at" json:"updated_at"`
	LastLoginAt  *time.Time `bun:"last_login_at" json:"last_login_at,omitempty"`
}

// Principal is the authenticated view of u.
func (u User) Principal(via string) core.Principal {
	return core.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, Via: via}
}

// RoleAssigner is the slice of the authorization adapter identity needs:
// granting a role in a tenant (Casbin domain) and reading a user's roles.
// AssignRole must be idempotent (assigning a held role is not an error).
// Implementations write outside any transaction of ours, so identity never
// calls them while it holds one (SQLite has a single writer).
type RoleAssigner interface {
	AssignRole(ctx context.Context, actorID, userID, role, tenant string) error
	// RolesOf returns tenant → roles of userID.
	RolesOf(ctx context.Context, userID string) (map[string][]string, error)
	// UsersIn returns userID → roles of every user with a role in tenant.
	UsersIn(ctx context.Context, tenant string) (map[string][]string, error)
}

// TenantDirectory resolves tenant slugs (the tenant registry). Unknown slugs
// are core ENOTFOUND errors.
type TenantDirectory interface {
	Tenant(ctx context.Context, slug string) (core.Tenant, error)
}

// AuditEvent is one entry for the audit log. Tenant is the chain: the tenant
// the change belongs to, or Options.AuditPlatform for platform events
// (logins, logouts, password and status changes of global users).
type AuditEvent struct {
	Tenant     string
	ActorID    string
	ActorEmail string
	Action     string // auth.login, auth.login_failed, auth.logout, user.create, user.password
	Object     string
	ObjectID   string
	IP         string
	Detail     map[string]string
}

// Audit actions written by identity.
const (
	ActionLogin        = "auth.login"
	ActionLoginFailed  = "auth.login_failed"
	ActionLogout       = "auth.logout"
	ActionUserCreate   = "user.create"
	ActionUserPassword = "user.password"
	ActionUserStatus   = "user.status"
)

// Auditor appends to the audit log inside the caller's transaction, so the
// entry commits or rolls back with the change it describes. The transaction
// is scoped (sqldb.TenantTx) to the event's Tenant.
type Auditor interface {
	Record(ctx context.Context, tx bun.Tx, e AuditEvent) error
}

// Options tunes the service; zero values take the defaults in brackets.
type Options struct {
	TokenLifetime   time.Duration // API token lifetime [24h]
	SessionLifetime time.Duration // browser session lifetime, absolute [12h]
	SecureCookies   bool          // Secure cookie (HTTPS) and the __Host- cookie name
	// TokenCacheTTL is how long a bearer token the database confirmed is
	// trusted without asking again [10s]; revocations made by another
	// instance take effect within it (see tokenCache). Negative: no cache.
	TokenCacheTTL time.Duration
	// TrustedOrigins are extra origins allowed to post forms (the public
	// base URL when a proxy rewrites Host).
	TrustedOrigins []string
	// Roles are the role templates a user can be given [DefaultRoles()].
	// Roles prefixed "central_" exist only in the central tenant.
	Roles []string
	// Throttling: failures allowed per account and per client address within
	// Window before logins are refused [5, 20, 15m].
	AccountLimit int
	IPLimit      int
	Window       time.Duration
	// Argon2 parameters for new hashes [argon2id.DefaultParams]; tests use cheap ones.
	Argon *argon2id.Params
	// AuditPlatform is the audit chain (and transaction scope) of platform
	// events ["-", audit.Platform].
	AuditPlatform string
	// Now is the clock [time.Now]; tests move it.
	Now func() time.Time
	Log *slog.Logger
}

// Service is the identity adapter. It is safe for concurrent use; build one
// per process with New.
type Service struct {
	db       *sqldb.DB
	roles    RoleAssigner
	tenants  TenantDirectory
	audit    Auditor
	opt      Options
	log      *slog.Logger
	sessions *scs.SessionManager
	tokens   *tokenCache
	origins  *http.CrossOriginProtection
	roleSet  map[string]bool
	// hashing bounds concurrent argon2id computations (64 MiB each by default)
	// so a burst of logins cannot exhaust memory.
	hashing   chan struct{}
	dummyOnce sync.Once
	dummyHash string
	dummyErr  error
}

// New builds the service. roles, tenants and audit are required.
func New(db *sqldb.DB, roles RoleAssigner, tenants TenantDirectory, audit Auditor, opt Options) (*Service, error) {
	if db == nil || roles == nil || tenants == nil || audit == nil {
		return nil, fmt.Errorf("identity: database, role assigner, tenant directory and auditor are required")
	}
	if opt.TokenLifetime <= 0 {
		opt.TokenLifetime = 24 * time.Hour
	}
	if opt.SessionLifetime <= 0 {
		opt.SessionLifetime = 12 * time.Hour
	}
	if opt.TokenCacheTTL == 0 {
		opt.TokenCacheTTL = 10 * time.Second
	}
	if opt.AccountLimit <= 0 {
		opt.AccountLimit = 5
	}
	if opt.IPLimit <= 0 {
		opt.IPLimit = 20
	}
	if opt.Window <= 0 {
		opt.Window = 15 * time.Minute
	}
	if opt.Argon == nil {
		p := *argon2id.DefaultParams
		opt.Argon = &p
	}
	if len(opt.Roles) == 0 {
		opt.Roles = DefaultRoles()
	}
	if opt.AuditPlatform == "" {
		opt.AuditPlatform = "-"
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	s := &Service{db: db, roles: roles, tenants: tenants, audit: audit, opt: opt, log: opt.Log,
		roleSet: map[string]bool{}, hashing: make(chan struct{}, max(2, runtime.NumCPU())),
		tokens: newTokenCache(opt.TokenCacheTTL, tokenCacheMax)}
	for _, r := range opt.Roles {
		s.roleSet[r] = true
	}
	s.origins = http.NewCrossOriginProtection()
	for _, o := range opt.TrustedOrigins {
		if err := s.origins.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("identity: trusted origin %q: %w", o, err)
		}
	}
	s.sessions = newSessionManager(db, opt)
	return s, nil
}

// tokenCacheMax bounds the token cache (entries of about 300 bytes).
const tokenCacheMax = 10_000

func (s *Service) now() time.Time { return s.opt.Now().UTC() }

// platformTx runs fn in a transaction scoped to the platform audit chain:
// identity's own tables are not tenant data, but the audit row it writes
// must pass the audit log's row-level security.
func (s *Service) platformTx(ctx context.Context, fn sqldb.TxFunc) error {
	return s.db.TenantTx(ctx, s.opt.AuditPlatform, fn)
}

// record appends e to the audit log in tx; an empty Tenant is the platform chain.
func (s *Service) record(ctx context.Context, tx bun.Tx, e AuditEvent) error {
	if e.Tenant == "" {
		e.Tenant = s.opt.AuditPlatform
	}
	if err := s.audit.Record(ctx, tx, e); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// randomToken returns n random bytes in unpadded base64url.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
