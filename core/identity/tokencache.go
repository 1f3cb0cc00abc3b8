package identity

import (
	"sync"
	"time"

	"doanbd/core"
)

// tokenCache remembers bearer tokens the database confirmed recently, so an
// API client's requests do not each pay a token query (a statement PostgreSQL
// parses and plans anew every time, as it holds the current time).
//
// Why it is safe with several instances: an entry is trusted for at most
// ttl after the database last confirmed it (and never past the token's own
// expiry). This instance forgets a token as soon as it revokes it (logout)
// and every token of a user whose password changes or who is disabled; an
// instance that did not make the change, or a `doanbd user` command in
// another process, is obeyed within ttl. Only valid tokens are kept (an
// unknown token costs a query each time, so guessing cannot fill memory),
// and only their SHA-256, never the token itself.
type tokenCache struct {
	ttl time.Duration
	max int

	mu sync.Mutex
	m  map[string]*cachedToken // by token hash
	// gen counts forgets: a database answer read before a forget is not
	// cached after it (it may predate the revocation).
	gen uint64
}

type cachedToken struct {
	p         core.Principal
	tokenID   string
	expiresAt time.Time // the token's expiry
	checkedAt time.Time // when the database last confirmed it
	usedAt    time.Time // last_used_at as written (zero: never)
}

func newTokenCache(ttl time.Duration, max int) *tokenCache {
	return &tokenCache{ttl: ttl, max: max, m: map[string]*cachedToken{}}
}

// get returns a copy of the entry for hash if it may still be trusted at
// now, and the generation to pass to put after asking the database.
func (c *tokenCache) get(hash string, now time.Time) (cachedToken, bool, uint64) {
	if c.ttl <= 0 {
		return cachedToken{}, false, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[hash]
	if e == nil || now.Sub(e.checkedAt) >= c.ttl || !now.Before(e.expiresAt) {
		return cachedToken{}, false, c.gen
	}
	return *e, true, c.gen
}

// put stores what the database said, unless a forget happened since gen.
func (c *tokenCache) put(hash string, e cachedToken, gen uint64) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= c.max {
		for h, old := range c.m {
			if e.checkedAt.Sub(old.checkedAt) >= c.ttl {
				delete(c.m, h)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[hash] = &e
}

// touch records that last_used_at was written at now for hash; it reports
// false if another request already did so within every (then this one
// need not write).
func (c *tokenCache) touch(hash string, now time.Time, every time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[hash]
	if e == nil {
		return true
	}
	if !e.usedAt.IsZero() && now.Sub(e.usedAt) < every {
		return false
	}
	e.usedAt = now
	return true
}

// forget drops the entries for which drop is true.
func (c *tokenCache) forget(drop func(*cachedToken) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for h, e := range c.m {
		if drop(e) {
			delete(c.m, h)
		}
	}
}

func (c *tokenCache) forgetToken(id string) {
	c.forget(func(e *cachedToken) bool { return e.tokenID == id })
}

func (c *tokenCache) forgetUser(userID string) {
	c.forget(func(e *cachedToken) bool { return e.p.UserID == userID })
}
