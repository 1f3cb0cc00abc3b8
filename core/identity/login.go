package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
)

// errBadCredentials is the one answer to every failed login: it does not say
// whether the email, the password or the account status was wrong.
var errBadCredentials = core.Errorf(core.EUNAUTHORIZED, "Email hoặc mật khẩu không đúng.")

var errLoginRequired = core.Errorf(core.EUNAUTHORIZED, "Vui lòng đăng nhập.")

type loginAttempt struct {
	bun.BaseModel `bun:"table:login_attempts"`

	ID      string    `bun:"id,pk"`
	Account string    `bun:"account"`
	IP      string    `bun:"ip"`
	At      time.Time `bun:"at"`
}

// Throttled is the cause carried by an ETOOMANY login refusal: how long until
// a login may be tried again (for the Retry-After header).
type Throttled struct{ Wait time.Duration }

func (t *Throttled) Error() string { return fmt.Sprintf("login throttled for %s", t.Wait) }

// RetryAfter returns the wait of a throttled login, if err is one.
func RetryAfter(err error) (time.Duration, bool) {
	var t *Throttled
	if errors.As(err, &t) {
		return t.Wait, true
	}
	return 0, false
}

// accountKey is how failures are counted per account: the address as typed,
// trimmed and lower-cased, whether or not such a user exists.
func accountKey(email string) string {
	k := strings.ToLower(strings.TrimSpace(email))
	if len(k) > 320 {
		k = k[:320]
	}
	return k
}

// throttle refuses a login while the account or the client address has too
// many recent failures. The wait is until enough failures leave the window.
func (s *Service) throttle(ctx context.Context, account, ip string, now time.Time) error {
	var wait time.Duration
	for _, c := range []struct {
		col, key string
		limit    int
	}{{"account", account, s.opt.AccountLimit}, {"ip", ip, s.opt.IPLimit}} {
		if c.key == "" {
			continue
		}
		var ats []time.Time
		if err := s.db.Read.NewSelect().Model((*loginAttempt)(nil)).Column("at").
			Where("? = ?", bun.Ident(c.col), c.key).Where("at > ?", now.Add(-s.opt.Window)).
			Order("at DESC").Limit(int64(c.limit)).Scan(ctx, &ats); err != nil {
			return core.Internal(err, "count login failures")
		}
		if len(ats) < c.limit {
			continue
		}
		// The limit-th most recent failure must leave the window.
		if w := ats[c.limit-1].Add(s.opt.Window).Sub(now); w > wait {
			wait = w
		}
	}
	if wait <= 0 {
		return nil
	}
	minutes := int((wait + time.Minute - 1) / time.Minute)
	return &core.Error{Code: core.ETOOMANY, Err: &Throttled{Wait: wait},
		Message: fmt.Sprintf("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %d phút.", minutes)}
}

// checkCredentials is the shared core of token and session logins: throttle,
// find the user, verify the password (against a dummy hash for unknown
// users), record a failure or return the active user.
func (s *Service) checkCredentials(ctx context.Context, email, password, ip string) (User, error) {
	now := s.now()
	account := accountKey(email)
	if err := s.throttle(ctx, account, ip, now); err != nil {
		return User{}, err
	}
	u, err := s.UserByEmail(ctx, account)
	if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
		return User{}, err
	}
	ok, err := s.verifyPassword(ctx, password, u.PasswordHash)
	if err != nil {
		return User{}, core.Internal(err, "verify password")
	}
	reason := ""
	switch {
	case u.ID == "":
		reason = "unknown_email"
	case !ok:
		reason = "wrong_password"
	case u.Status != StatusActive:
		reason = "disabled"
	}
	if reason == "" {
		return u, nil
	}
	err = s.platformTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		a := loginAttempt{ID: sqldb.NewID(), Account: account, IP: ip, At: now}
		if _, err := tx.NewInsert().Model(&a).Exec(ctx); err != nil {
			return fmt.Errorf("record login failure: %w", err)
		}
		return s.record(ctx, tx, AuditEvent{ActorID: u.ID, ActorEmail: account, IP: ip, Action: ActionLoginFailed,
			Object: "user", ObjectID: u.ID, Detail: map[string]string{"reason": reason}})
	})
	if err != nil {
		return User{}, core.Internal(err, "record login failure")
	}
	return User{}, errBadCredentials
}

// completeLogin records a successful login inside tx: last login time, the
// account's failures cleared, expired rows purged, the audit entry.
func (s *Service) completeLogin(ctx context.Context, tx bun.Tx, u *User, ip, via string, now time.Time) error {
	if _, err := tx.NewUpdate().Model((*User)(nil)).Set("last_login_at = ?", now).Where("id = ?", u.ID).Exec(ctx); err != nil {
		return fmt.Errorf("update last login: %w", err)
	}
	u.LastLoginAt = &now
	if _, err := tx.NewDelete().Model((*loginAttempt)(nil)).Where("account = ?", u.Email).Exec(ctx); err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	if err := purgeExpired(ctx, tx, now); err != nil {
		return err
	}
	return s.record(ctx, tx, AuditEvent{ActorID: u.ID, ActorEmail: u.Email, IP: ip, Action: ActionLogin,
		Object: "user", ObjectID: u.ID, Detail: map[string]string{"via": via}})
}

// TokenLogin is the result of a successful API login.
type TokenLogin struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      User      `json:"user"`
}

// LoginToken checks credentials and issues an API token. Failures are
// EUNAUTHORIZED with one message, or ETOOMANY (see RetryAfter) when throttled.
func (s *Service) LoginToken(ctx context.Context, email, password, ip string) (TokenLogin, error) {
	u, err := s.checkCredentials(ctx, email, password, ip)
	if err != nil {
		return TokenLogin{}, err
	}
	now := s.now()
	var out TokenLogin
	err = s.platformTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		tok, exp, err := s.insertToken(ctx, tx, u.ID, now)
		if err != nil {
			return err
		}
		if err := s.completeLogin(ctx, tx, &u, ip, "token", now); err != nil {
			return err
		}
		out = TokenLogin{Token: tok, ExpiresAt: exp, User: u}
		return nil
	})
	if err != nil {
		return TokenLogin{}, core.Internal(err, "issue api token")
	}
	return out, nil
}

// LogoutToken revokes the token with tokenID (the caller's own).
func (s *Service) LogoutToken(ctx context.Context, p core.Principal, tokenID, ip string) error {
	now := s.now()
	err := s.platformTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.revokeToken(ctx, tx, tokenID, now); err != nil {
			return err
		}
		return s.record(ctx, tx, AuditEvent{ActorID: p.UserID, ActorEmail: p.Email, IP: ip, Action: ActionLogout,
			Object: "user", ObjectID: p.UserID, Detail: map[string]string{"via": "token"}})
	})
	if err != nil {
		return core.Internal(err, "logout")
	}
	s.tokens.forgetToken(tokenID)
	return nil
}
