package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"
	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
)

// Session keys.
const (
	sessUserID = "uid"
	sessCSRF   = "csrf"
)

// Cookie names: the __Host- prefix (only over HTTPS) pins the cookie to this
// host and path /, so a sibling subdomain cannot plant one.
const (
	cookieName       = "doanbd_session"
	secureCookieName = "__Host-doanbd_session"
)

// sessionRow is one scs session in the database.
type sessionRow struct {
	bun.BaseModel `bun:"table:sessions"`

	Token  string    `bun:"token,pk"`
	Data   []byte    `bun:"data"`
	Expiry time.Time `bun:"expiry"`
}

// sessionStore is an scs.CtxStore on bun, the same SQL on SQLite and
// PostgreSQL (scs's own stores each bind one database driver).
type sessionStore struct {
	db  *sqldb.DB
	now func() time.Time
}

var _ scs.CtxStore = (*sessionStore)(nil)

func (st *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var r sessionRow
	err := st.db.Read.NewSelect().Model(&r).Where("token = ?", token).Where("expiry > ?", st.now().UTC()).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("find session: %w", err)
	}
	return r.Data, true, nil
}

func (st *sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	r := sessionRow{Token: token, Data: b, Expiry: expiry.UTC()}
	if _, err := st.db.DB.NewInsert().Model(&r).On("CONFLICT (token) DO UPDATE").
		Set("data = EXCLUDED.data").Set("expiry = EXCLUDED.expiry").Exec(ctx); err != nil {
		return fmt.Errorf("commit session: %w", err)
	}
	return nil
}

func (st *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	if _, err := st.db.DB.NewDelete().Model((*sessionRow)(nil)).Where("token = ?", token).Exec(ctx); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func (st *sessionStore) Find(token string) ([]byte, bool, error) {
	return st.FindCtx(context.Background(), token)
}

func (st *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return st.CommitCtx(context.Background(), token, b, expiry)
}

func (st *sessionStore) Delete(token string) error { return st.DeleteCtx(context.Background(), token) }

func newSessionManager(db *sqldb.DB, opt Options) *scs.SessionManager {
	m := scs.New()
	m.Store = &sessionStore{db: db, now: opt.Now}
	m.HashTokenInStore = true
	m.Lifetime = opt.SessionLifetime
	m.Cookie.Name = cookieName
	if opt.SecureCookies {
		m.Cookie.Name = secureCookieName
	}
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Secure = opt.SecureCookies
	m.Cookie.Path = "/"
	m.Cookie.Persist = true
	return m
}

// CookieName is the name of the session cookie.
func (s *Service) CookieName() string { return s.sessions.Cookie.Name }

// reqSession is the session of one request, loaded on first use. It is kept
// in the gin context (not only in the request context) so that every
// identity.Service of the process, and every handler after the loader, sees
// the same loaded session.
type reqSession struct {
	m   *scs.SessionManager
	ctx context.Context
	// hadCookie: the request sent a session cookie (a session may be in use).
	hadCookie bool
}

const reqSessionKey = "identity.session"

// session loads the request's session once. Without a cookie it is a new,
// empty session that is stored only if something is put in it.
func (s *Service) session(c *gin.Context) (*reqSession, error) {
	if v, ok := c.Get(reqSessionKey); ok {
		return v.(*reqSession), nil
	}
	token := ""
	had := false
	if ck, err := c.Request.Cookie(s.sessions.Cookie.Name); err == nil && ck.Value != "" {
		token, had = ck.Value, true
	}
	ctx, err := s.sessions.Load(c.Request.Context(), token)
	if err != nil {
		return nil, core.Internal(err, "load session")
	}
	rs := &reqSession{m: s.sessions, ctx: ctx, hadCookie: had}
	c.Set(reqSessionKey, rs)
	c.Writer.Header().Add("Vary", "Cookie")
	return rs, nil
}

// commit stores the session now and sets (or clears) the cookie. Every
// change identity makes to a session is committed at once, so handlers can
// redirect or write as they like afterwards and errors surface to the caller.
func (rs *reqSession) commit(c *gin.Context, destroyed bool) error {
	if c.Writer.Written() {
		return fmt.Errorf("session changed after the response was written: call identity before rendering")
	}
	h := c.Writer.Header()
	// Drop a cookie set earlier in this request: only the last state counts.
	var keep []string
	for _, v := range h.Values("Set-Cookie") {
		if !strings.HasPrefix(v, rs.m.Cookie.Name+"=") {
			keep = append(keep, v)
		}
	}
	h.Del("Set-Cookie")
	for _, v := range keep {
		h.Add("Set-Cookie", v)
	}
	if destroyed {
		rs.m.WriteSessionCookie(rs.ctx, c.Writer, "", time.Time{})
		return nil
	}
	token, expiry, err := rs.m.Commit(rs.ctx)
	if err != nil {
		return fmt.Errorf("commit session: %w", err)
	}
	rs.m.WriteSessionCookie(rs.ctx, c.Writer, token, expiry)
	return nil
}

// LoginSession logs a browser in: the CSRF check (cross-site posts refused;
// with a session cookie the form's csrf_token must match), then credentials
// and throttle exactly as the API login, then it rotates the session token
// (no fixation), stores the user and a fresh CSRF token and sets the cookie.
// Call it from the form handler before writing the response. Errors:
// EUNAUTHORIZED (one message), ETOOMANY (RetryAfter), EFORBIDDEN (CSRF).
func (s *Service) LoginSession(c *gin.Context, email, password string) (core.Principal, error) {
	rs, err := s.session(c)
	if err != nil {
		return core.Principal{}, err
	}
	if err := s.checkCSRF(c); err != nil {
		return core.Principal{}, err
	}
	u, err := s.checkCredentials(c.Request.Context(), email, password, c.ClientIP())
	if err != nil {
		return core.Principal{}, err
	}
	now := s.now()
	if err := s.platformTx(c.Request.Context(), func(ctx context.Context, tx bun.Tx) error {
		return s.completeLogin(ctx, tx, &u, c.ClientIP(), "session", now)
	}); err != nil {
		return core.Principal{}, core.Internal(err, "session login")
	}
	if err := rs.m.RenewToken(rs.ctx); err != nil {
		return core.Principal{}, core.Internal(err, "renew session token")
	}
	csrf, err := randomToken(32)
	if err != nil {
		return core.Principal{}, core.Internal(err, "csrf token")
	}
	rs.m.Put(rs.ctx, sessUserID, u.ID)
	rs.m.Put(rs.ctx, sessCSRF, csrf)
	if err := rs.commit(c, false); err != nil {
		return core.Principal{}, core.Internal(err, "session login")
	}
	return u.Principal("session"), nil
}

// LogoutSession ends the browser session: deleted from the store, cookie
// cleared. Without a session it does nothing. The CSRF check applies (a
// forged logout is refused).
func (s *Service) LogoutSession(c *gin.Context) error {
	rs, err := s.session(c)
	if err != nil {
		return err
	}
	if !rs.hadCookie {
		return nil
	}
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	uid := rs.m.GetString(rs.ctx, sessUserID)
	if uid != "" {
		email := ""
		if p, ok := core.PrincipalFrom(c.Request.Context()); ok {
			email = p.Email
		}
		if err := s.platformTx(c.Request.Context(), func(ctx context.Context, tx bun.Tx) error {
			return s.record(ctx, tx, AuditEvent{ActorID: uid, ActorEmail: email, IP: c.ClientIP(), Action: ActionLogout,
				Object: "user", ObjectID: uid, Detail: map[string]string{"via": "session"}})
		}); err != nil {
			return core.Internal(err, "audit logout")
		}
	}
	if err := rs.m.Destroy(rs.ctx); err != nil {
		return core.Internal(err, "destroy session")
	}
	if err := rs.commit(c, true); err != nil {
		return core.Internal(err, "logout")
	}
	return nil
}

// sessionPrincipal returns the logged-in user of the session, if any.
func (s *Service) sessionPrincipal(c *gin.Context) (core.Principal, error) {
	if ck, err := c.Request.Cookie(s.sessions.Cookie.Name); err != nil || ck.Value == "" {
		return core.Principal{}, errLoginRequired
	}
	rs, err := s.session(c)
	if err != nil {
		return core.Principal{}, err
	}
	uid := rs.m.GetString(rs.ctx, sessUserID)
	if uid == "" {
		return core.Principal{}, errLoginRequired
	}
	u, err := s.UserByID(c.Request.Context(), uid)
	if core.ErrorCode(err) == core.ENOTFOUND || (err == nil && u.Status != StatusActive) {
		return core.Principal{}, errLoginRequired
	} else if err != nil {
		return core.Principal{}, err
	}
	return u.Principal("session"), nil
}
