package identity

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
)

// tokenBytes is the entropy of an API token (256 bits).
const tokenBytes = 32

// touchEvery limits last_used_at writes to one per token per minute.
const touchEvery = time.Minute

type apiToken struct {
	bun.BaseModel `bun:"table:api_tokens"`

	ID         string     `bun:"id,pk"`
	UserID     string     `bun:"user_id"`
	Hash       string     `bun:"hash"`
	CreatedAt  time.Time  `bun:"created_at"`
	ExpiresAt  time.Time  `bun:"expires_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
	LastUsedAt *time.Time `bun:"last_used_at"`
}

// hashToken is what the database keeps of a token.
func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// insertToken creates a token for userID inside tx and returns it in clear;
// this is the only time the clear token exists on the server.
func (s *Service) insertToken(ctx context.Context, tx bun.Tx, userID string, now time.Time) (string, time.Time, error) {
	tok, err := randomToken(tokenBytes)
	if err != nil {
		return "", time.Time{}, err
	}
	t := apiToken{ID: sqldb.NewID(), UserID: userID, Hash: hashToken(tok), CreatedAt: now, ExpiresAt: now.Add(s.opt.TokenLifetime)}
	if _, err := tx.NewInsert().Model(&t).Exec(ctx); err != nil {
		return "", time.Time{}, fmt.Errorf("insert api token: %w", err)
	}
	return tok, t.ExpiresAt, nil
}

// tokenUser is a valid token joined with its (active) user.
type tokenUser struct {
	TokenID    string     `bun:"token_id"`
	ExpiresAt  time.Time  `bun:"expires_at"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	UserID     string     `bun:"user_id"`
	Email      string     `bun:"email"`
	Name       string     `bun:"name"`
}

// tokenPrincipal checks a bearer token: known, not revoked, not expired,
// user active (from the token cache when the database confirmed it lately).
// It returns the principal and the token id.
func (s *Service) tokenPrincipal(ctx context.Context, tok string) (core.Principal, string, error) {
	now := s.now()
	hash := hashToken(tok)
	e, ok, gen := s.tokens.get(hash, now)
	if !ok {
		var r tokenUser
		err := s.db.Read.NewSelect().TableExpr("api_tokens AS t").Join("JOIN users AS u ON u.id = t.user_id").
			ColumnExpr("t.id AS token_id, t.expires_at, t.last_used_at, u.id AS user_id, u.email, u.name").
			Where("t.hash = ?", hash).Where("t.revoked_at IS NULL").Where("t.expires_at > ?", now).
			Where("u.status = ?", StatusActive).Limit(1).Scan(ctx, &r)
		if errors.Is(err, sql.ErrNoRows) {
			return core.Principal{}, "", errLoginRequired
		} else if err != nil {
			return core.Principal{}, "", core.Internal(err, "check api token")
		}
		e = cachedToken{p: core.Principal{UserID: r.UserID, Email: r.Email, Name: r.Name, Via: "token"},
			tokenID: r.TokenID, expiresAt: r.ExpiresAt, checkedAt: now}
		if r.LastUsedAt != nil {
			e.usedAt = *r.LastUsedAt
		}
		s.tokens.put(hash, e, gen)
	}
	if (e.usedAt.IsZero() || now.Sub(e.usedAt) >= touchEvery) && s.tokens.touch(hash, now, touchEvery) {
		if _, err := s.db.DB.NewUpdate().Model((*apiToken)(nil)).Set("last_used_at = ?", now).
			Where("id = ?", e.tokenID).Where("last_used_at IS NULL OR last_used_at < ?", now.Add(-touchEvery)).
			Exec(ctx); err != nil {
			// The request is authenticated either way; the timestamp is bookkeeping.
			s.log.Warn("touch api token", "err", err)
		}
	}
	return e.p, e.tokenID, nil
}

// revokeToken marks one token revoked.
func (s *Service) revokeToken(ctx context.Context, tx bun.Tx, tokenID string, now time.Time) error {
	if _, err := tx.NewUpdate().Model((*apiToken)(nil)).Set("revoked_at = ?", now).
		Where("id = ?", tokenID).Where("revoked_at IS NULL").Exec(ctx); err != nil {
		return fmt.Errorf("revoke api token: %w", err)
	}
	return nil
}

// revokeUserTokens revokes every live token of a user (password change, disable).
func revokeUserTokens(ctx context.Context, tx bun.Tx, userID string, now time.Time) error {
	if _, err := tx.NewUpdate().Model((*apiToken)(nil)).Set("revoked_at = ?", now).
		Where("user_id = ?", userID).Where("revoked_at IS NULL").Where("expires_at > ?", now).Exec(ctx); err != nil {
		return fmt.Errorf("revoke api tokens: %w", err)
	}
	return nil
}

// purgeExpired removes tokens and sessions that expired more than a day ago
// and login failures older than a day. It runs inside successful logins, so
// the tables stay small without a separate job.
func purgeExpired(ctx context.Context, tx bun.Tx, now time.Time) error {
	cut := now.Add(-24 * time.Hour)
	if _, err := tx.NewDelete().Model((*apiToken)(nil)).Where("expires_at < ?", cut).Exec(ctx); err != nil {
		return fmt.Errorf("purge api tokens: %w", err)
	}
	if _, err := tx.NewDelete().Model((*sessionRow)(nil)).Where("expiry < ?", cut).Exec(ctx); err != nil {
		return fmt.Errorf("purge sessions: %w", err)
	}
	if _, err := tx.NewDelete().Model((*loginAttempt)(nil)).Where("at < ?", cut).Exec(ctx); err != nil {
		return fmt.Errorf("purge login attempts: %w", err)
	}
	return nil
}
