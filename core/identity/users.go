package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
	"github.com/uptrace/bun"
	"golang.org/x/text/unicode/norm"

	"doanbd/core"
	"doanbd/core/sqldb"
)

// MinPasswordLength is the shortest password accepted, in characters.
const MinPasswordLength = 10

// maxPasswordLength bounds the work one login can cause.
const maxPasswordLength = 256

var errUserNotFound = core.Errorf(core.ENOTFOUND, "Không tìm thấy người dùng.")

// NormalizeEmail trims and lower-cases an email address and checks that it is
// a bare address (no display name) with a dotted domain.
func NormalizeEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	bad := core.Invalid("Email không hợp lệ.", core.FieldError{Field: "email", Message: "Email không hợp lệ, ví dụ: ten@donvi.vn."})
	if e == "" || len(e) > 254 {
		return "", bad
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" {
		return "", bad
	}
	at := strings.LastIndexByte(e, '@')
	if at < 1 || !strings.Contains(e[at+1:], ".") || strings.HasSuffix(e, ".") {
		return "", bad
	}
	return e, nil
}

// NormalizeName trims, collapses spaces and puts a full name in Unicode NFC,
// so "Nguyễn" typed with combining marks equals the precomposed form.
func NormalizeName(s string) (string, error) {
	n := strings.Join(strings.Fields(norm.NFC.String(s)), " ")
	if n == "" || utf8.RuneCountInString(n) > 200 || strings.IndexFunc(n, unicode.IsControl) >= 0 {
		return "", core.Invalid("Họ và tên không hợp lệ.", core.FieldError{Field: "name", Message: "Nhập họ và tên (tối đa 200 ký tự)."})
	}
	return n, nil
}

// CheckPassword enforces the password policy: 10 to 256 characters, not the
// email address itself.
func CheckPassword(password, email string) error {
	n := utf8.RuneCountInString(password)
	msg := ""
	switch {
	case n < MinPasswordLength:
		msg = fmt.Sprintf("Mật khẩu phải có ít nhất %d ký tự.", MinPasswordLength)
	case n > maxPasswordLength:
		msg = fmt.Sprintf("Mật khẩu dài quá %d ký tự.", maxPasswordLength)
	case strings.EqualFold(password, email) || (email != "" && strings.EqualFold(password, strings.Split(email, "@")[0])):
		msg = "Mật khẩu không được trùng với email."
	}
	if msg != "" {
		return core.Invalid("Mật khẩu chưa đủ mạnh.", core.FieldError{Field: "password", Message: msg})
	}
	return nil
}

// hashPassword computes an argon2id hash, bounded by the hashing semaphore.
func (s *Service) hashPassword(ctx context.Context, password string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer s.release()
	h, err := argon2id.CreateHash(password, s.opt.Argon)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// verifyPassword reports whether password matches hash. An empty hash (an
// unknown user) is checked against a dummy hash so the answer takes about as
// long as for a real user.
func (s *Service) verifyPassword(ctx context.Context, password, hash string) (bool, error) {
	unknown := hash == ""
	if unknown {
		s.dummyOnce.Do(func() { s.dummyHash, s.dummyErr = argon2id.CreateHash("dummy-password-for-timing", s.opt.Argon) })
		if s.dummyErr != nil {
			return false, fmt.Errorf("dummy hash: %w", s.dummyErr)
		}
		hash = s.dummyHash
	}
	if len(password) > 4*maxPasswordLength {
		password = password[:4*maxPasswordLength]
	}
	if err := s.acquire(ctx); err != nil {
		return false, err
	}
	defer s.release()
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	if err != nil {
		return false, fmt.Errorf("compare password: %w", err)
	}
	return ok && !unknown, nil
}

func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.hashing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for password hashing: %w", ctx.Err())
	}
}

func (s *Service) release() { <-s.hashing }

// UserByEmail finds a user by (normalized) email; ENOTFOUND when there is none.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	return s.userWhere(ctx, s.db.Read, "email = ?", strings.ToLower(strings.TrimSpace(email)))
}

// UserByID finds a user by id; ENOTFOUND when there is none.
func (s *Service) UserByID(ctx context.Context, id string) (User, error) {
	return s.userWhere(ctx, s.db.Read, "id = ?", id)
}

func (s *Service) userWhere(ctx context.Context, q bun.IDB, where string, arg any) (User, error) {
	var u User
	err := q.NewSelect().Model(&u).Where(where, arg).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errUserNotFound
	} else if err != nil {
		return User{}, core.Internal(err, "select user")
	}
	return u, nil
}

// usersByIDs loads the users with the given ids, ordered by email.
func (s *Service) usersByIDs(ctx context.Context, ids []string) ([]User, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var us []User
	if err := s.db.Read.NewSelect().Model(&us).Where("id IN (?)", bun.In(ids)).Order("email").Scan(ctx); err != nil {
		return nil, core.Internal(err, "select users")
	}
	return us, nil
}

// NewUser is the input to create a user.
type NewUser struct {
	Email    string
	Name     string
	Password string
}

// Actor is who performs an administrative change, for the audit log.
type Actor struct {
	ID    string
	Email string
	IP    string
}

// createUser validates and inserts a user, auditing it in tenant.
func (s *Service) createUser(ctx context.Context, actor Actor, tenant string, in NewUser) (User, error) {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return User{}, err
	}
	name, err := NormalizeName(in.Name)
	if err != nil {
		return User{}, err
	}
	if err := CheckPassword(in.Password, email); err != nil {
		return User{}, err
	}
	hash, err := s.hashPassword(ctx, in.Password)
	if err != nil {
		return User{}, core.Internal(err, "create user")
	}
	now := s.now()
	u := User{ID: sqldb.NewID(), Email: email, Name: name, PasswordHash: hash, Status: StatusActive, CreatedAt: now, UpdatedAt: now}
	err = s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&u).Exec(ctx); err != nil {
			return err
		}
		return s.record(ctx, tx, AuditEvent{Tenant: tenant, ActorID: actor.ID, ActorEmail: actor.Email, IP: actor.IP,
			Action: ActionUserCreate, Object: "user", ObjectID: u.ID, Detail: map[string]string{"email": email}})
	})
	if sqldb.IsUniqueViolation(err) {
		return User{}, core.Errorf(core.ECONFLICT, "Email %s đã được dùng cho một tài khoản khác.", email)
	} else if err != nil {
		return User{}, core.Internal(err, "insert user")
	}
	return u, nil
}

// SetPassword replaces a user's password and revokes their API tokens.
func (s *Service) SetPassword(ctx context.Context, actor Actor, userID, password string) error {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if err := CheckPassword(password, u.Email); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return core.Internal(err, "set password")
	}
	now := s.now()
	err = s.platformTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model((*User)(nil)).Set("password_hash = ?", hash).Set("updated_at = ?", now).
			Where("id = ?", userID).Exec(ctx); err != nil {
			return err
		}
		if err := revokeUserTokens(ctx, tx, userID, now); err != nil {
			return err
		}
		return s.record(ctx, tx, AuditEvent{ActorID: actor.ID, ActorEmail: actor.Email, IP: actor.IP,
			Action: ActionUserPassword, Object: "user", ObjectID: userID})
	})
	if err != nil {
		return core.Internal(err, "set password")
	}
	s.tokens.forgetUser(userID)
	return nil
}

// SetStatus enables or disables a user. Disabling revokes their API tokens;
// their browser sessions stop working at the next request (Authenticate
// checks the status every time).
func (s *Service) SetStatus(ctx context.Context, actor Actor, userID, status string) error {
	if status != StatusActive && status != StatusDisabled {
		return core.Invalid("Trạng thái không hợp lệ.", core.FieldError{Field: "status", Message: "active hoặc disabled"})
	}
	now := s.now()
	err := s.platformTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*User)(nil)).Set("status = ?", status).Set("updated_at = ?", now).
			Where("id = ?", userID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errUserNotFound
		}
		if status == StatusDisabled {
			if err := revokeUserTokens(ctx, tx, userID, now); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, AuditEvent{ActorID: actor.ID, ActorEmail: actor.Email, IP: actor.IP,
			Action: ActionUserStatus, Object: "user", ObjectID: userID, Detail: map[string]string{"status": status}})
	})
	if errors.Is(err, errUserNotFound) {
		return errUserNotFound
	} else if err != nil {
		return core.Internal(err, "set user status")
	}
	s.tokens.forgetUser(userID)
	return nil
}
