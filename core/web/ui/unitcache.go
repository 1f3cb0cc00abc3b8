package ui

import (
	"context"
	"sync"
	"time"

	"doanbd/core/cadre/roster"
)

// unitCache keeps recently used tenants' unit indexes for the pages that
// name units (roster list, cadre detail, import preview). A large province
// has about 10,000 units: reading and indexing them took most of those
// pages' time at national scale (~150–300 ms of ~5 ms). Unit trees change
// rarely: an index older than unitTTL is still served while one background
// load replaces it, so only a tenant's first page waits; a page that meets
// a unit the index does not know asks for a fresh one (fresh).
type unitCache struct {
	Roster
	ttl time.Duration
	max int // tenants kept
	now func() time.Time

	mu sync.Mutex
	m  map[string]*unitEntry
}

type unitEntry struct {
	ready   chan struct{} // closed when the first load ends
	l       *roster.UnitLookup
	names   map[string]string // unit id → name, of l
	err     error
	loaded  time.Time
	used    time.Time
	loading bool
}

const (
	unitTTL     = 30 * time.Second
	unitTenants = 8
	// unitMissRefresh: an index younger than this is not reloaded for a
	// unit it lacks (pages arriving together reload it once).
	unitMissRefresh = 100 * time.Millisecond
	// unitLoadTimeout bounds a background load (it outlives its request).
	unitLoadTimeout = 30 * time.Second
)

func newUnitCache(r Roster) *unitCache {
	return &unitCache{Roster: r, ttl: unitTTL, max: unitTenants, now: time.Now, m: map[string]*unitEntry{}}
}

// UnitIndex returns the tenant's index: cached, or loaded now on first use
// (concurrent first pages share one load).
func (c *unitCache) UnitIndex(ctx context.Context, tenant string) (*roster.UnitLookup, error) {
	l, _, err := c.index(ctx, tenant)
	return l, err
}

func (c *unitCache) index(ctx context.Context, tenant string) (*roster.UnitLookup, map[string]string, error) {
	c.mu.Lock()
	e, ok := c.m[tenant]
	now := c.now()
	if !ok {
		e = &unitEntry{ready: make(chan struct{}), loading: true}
		c.m[tenant] = e
		c.evict(tenant)
	}
	e.used = now
	stale := ok && !e.loading && e.err == nil && now.Sub(e.loaded) > c.ttl
	if stale {
		e.loading = true
	}
	c.mu.Unlock()
	if !ok {
		c.load(ctx, tenant, e)
	}
	if stale {
		// A job of the cache, not of this request: its own deadline, and
		// not counted in the request's queries.
		go func() {
			bg, cancel := context.WithTimeout(context.Background(), unitLoadTimeout)
			defer cancel()
			c.load(bg, tenant, e)
		}()
	}
	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.err != nil && c.m[tenant] == e {
		delete(c.m, tenant) // the next page tries again
	}
	return e.l, e.names, e.err
}

// load reads the index into e. A failed reload keeps the previous index.
func (c *unitCache) load(ctx context.Context, tenant string, e *unitEntry) {
	l, err := c.Roster.UnitIndex(ctx, tenant)
	c.mu.Lock()
	defer c.mu.Unlock()
	first := e.l == nil && e.err == nil
	if err == nil {
		e.l, e.names, e.err = l, unitNames(l), nil
	} else if first {
		e.err = err
	}
	e.loaded, e.loading = c.now(), false
	if first {
		close(e.ready)
	}
}

// fresh returns the index and its names, reloaded once if they miss a unit
// of ids (a unit created since the index was read).
func (c *unitCache) fresh(ctx context.Context, tenant string, ids []string) (*roster.UnitLookup, map[string]string, error) {
	l, names, err := c.index(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		if _, ok := names[id]; id != "" && !ok {
			c.mu.Lock()
			e := c.m[tenant]
			drop := e != nil && e.l == l && c.now().Sub(e.loaded) > unitMissRefresh
			if drop {
				delete(c.m, tenant)
			}
			c.mu.Unlock()
			if !drop {
				return l, names, nil // just read: the unit is not there
			}
			return c.index(ctx, tenant)
		}
	}
	return l, names, nil
}

// evict drops the least recently used tenants beyond max (not keep).
// Called with mu held.
func (c *unitCache) evict(keep string) {
	for len(c.m) > c.max {
		var oldest string
		for t, e := range c.m {
			if t != keep && (oldest == "" || e.used.Before(c.m[oldest].used)) {
				oldest = t
			}
		}
		if oldest == "" {
			return
		}
		delete(c.m, oldest)
	}
}
