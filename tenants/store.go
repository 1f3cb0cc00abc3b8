// Package tenants is the tenant registry: who exists (the central office,
// provinces, ministry units, directly affiliated unions), their names over
// time, the tree under tw, and their lifecycle — created, merged into a
// successor, ended. It resolves the tenant named in every URL, so reads come
// from an in-memory snapshot of the (small) registry, refreshed after every
// change made here and periodically to pick up changes made by other
// processes (the CLI, other replicas).
package tenants

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"doanbd/core"
	"doanbd/core/sqldb"
)

// Options tune a Store.
type Options struct {
	// TTL is how old the snapshot may get before a request refreshes it
	// (default 30s): the longest another process's change stays unseen.
	TTL time.Duration
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// Store is the tenant registry.
type Store struct {
	db   *sqldb.DB
	log  *slog.Logger
	now  func() time.Time
	ttl  time.Duration
	snap atomic.Pointer[snapshot]
	// refreshMu serializes reloads; refreshing lets requests that find the
	// snapshot stale skip the reload another request is already doing.
	refreshMu  sync.Mutex
	refreshing atomic.Bool
}

// missRefresh is how old the snapshot must be before an unknown slug causes
// a reload (a tenant created by another process resolves at once; a flood of
// unknown slugs cannot turn into a flood of queries).
const missRefresh = time.Second

// NewStore returns the registry on db. Nothing is read until first use.
func NewStore(db *sqldb.DB, o Options) *Store {
	if o.TTL <= 0 {
		o.TTL = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Store{db: db, log: o.Log, now: o.Now, ttl: o.TTL}
}

var validSlug = regexp.MustCompile(`^[a-z][a-z0-9-]{1,30}$`)

// ValidSlug reports whether s has the shape of a tenant slug.
func ValidSlug(s string) bool { return validSlug.MatchString(s) }

// vietnam is the zone of the civil dates in the registry (no daylight saving).
var vietnam = time.FixedZone("ICT", 7*3600)

// today is the current civil date in Vietnam, as midnight UTC.
func (s *Store) today() time.Time { return civil(s.now().In(vietnam)) }

// civil returns the calendar date of t (in t's own zone) as midnight UTC, the
// form every date of the registry takes.
func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// snapshot is an immutable copy of the registry.
type snapshot struct {
	loaded time.Time
	byID   map[string]*entry
	order  []string // display order: tw, then by kind, then slug
}

type entry struct {
	t     core.Tenant // Name left empty: it depends on the date
	names []core.TenantName
}

// nameAt is the name in force on date d (a civil date): the latest name that
// took effect on or before d, or the first name for dates before it.
func (e *entry) nameAt(d time.Time) string {
	name := ""
	for _, n := range e.names {
		if n.From != nil && n.From.After(d) {
			if name == "" {
				name = n.Name
			}
			break
		}
		name = n.Name
	}
	return name
}

func (e *entry) at(d time.Time) core.Tenant {
	t := e.t
	t.Name = e.nameAt(d)
	return t
}

var kindRank = map[string]int{core.TenantCentral: 0, core.TenantMinistry: 1, core.TenantProvince: 2, core.TenantAffiliated: 3}

// Refresh reloads the snapshot from the database.
func (s *Store) Refresh(ctx context.Context) error {
	_, err := s.reload(ctx)
	return err
}

func (s *Store) reload(ctx context.Context) (*snapshot, error) {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	var rows []tenantRow
	if err := s.db.Read.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, fmt.Errorf("tenants: load registry: %w", err)
	}
	var names []nameRow
	if err := s.db.Read.NewSelect().Model(&names).Order("tenant_id", "valid_from").Scan(ctx); err != nil {
		return nil, fmt.Errorf("tenants: load names: %w", err)
	}
	sn := &snapshot{loaded: s.now(), byID: make(map[string]*entry, len(rows))}
	for i := range rows {
		sn.byID[rows[i].ID] = &entry{t: rows[i].tenant()}
		sn.order = append(sn.order, rows[i].ID)
	}
	for _, n := range names {
		if e := sn.byID[n.TenantID]; e != nil {
			e.names = append(e.names, n.tenantName())
		}
	}
	sort.Slice(sn.order, func(i, j int) bool {
		a, b := sn.byID[sn.order[i]].t, sn.byID[sn.order[j]].t
		if kindRank[a.Kind] != kindRank[b.Kind] {
			return kindRank[a.Kind] < kindRank[b.Kind]
		}
		return a.ID < b.ID
	})
	s.snap.Store(sn)
	return sn, nil
}

// current returns the snapshot, loading it on first use and reloading it
// when older than the TTL (one request reloads; the others keep using the
// previous snapshot meanwhile).
func (s *Store) current(ctx context.Context) (*snapshot, error) {
	sn := s.snap.Load()
	if sn == nil {
		return s.reload(ctx)
	}
	if s.now().Sub(sn.loaded) > s.ttl && s.refreshing.CompareAndSwap(false, true) {
		defer s.refreshing.Store(false)
		fresh, err := s.reload(ctx)
		if err != nil {
			// Serving a slightly old registry beats failing every request
			// while the database hiccups; the next request retries.
			s.log.Warn("tenant registry refresh failed; using the previous snapshot", "err", err)
			return sn, nil
		}
		return fresh, nil
	}
	return sn, nil
}

// lookup finds slug, reloading once if it is unknown and the snapshot is not
// brand new (a tenant just created by another process).
func (s *Store) lookup(ctx context.Context, slug string) (*entry, *snapshot, error) {
	sn, err := s.current(ctx)
	if err != nil {
		return nil, nil, err
	}
	if e := sn.byID[slug]; e != nil {
		return e, sn, nil
	}
	if !ValidSlug(slug) || s.now().Sub(sn.loaded) < missRefresh {
		return nil, sn, nil
	}
	if sn, err = s.reload(ctx); err != nil {
		return nil, nil, err
	}
	return sn.byID[slug], sn, nil
}

func notFound() error { return core.Errorf(core.ENOTFOUND, "Không tìm thấy đơn vị") }

// Get returns the tenant with its name in force today.
func (s *Store) Get(ctx context.Context, slug string) (core.Tenant, error) {
	e, _, err := s.lookup(ctx, slug)
	if err != nil {
		return core.Tenant{}, err
	}
	if e == nil {
		return core.Tenant{}, notFound()
	}
	return e.at(s.today()), nil
}

// ListFilter narrows List; empty fields match everything.
type ListFilter struct {
	Kind   string
	Status string
}

// List returns the tenants matching f: tw first, then ministry units,
// provinces and affiliated unions, each by slug.
func (s *Store) List(ctx context.Context, f ListFilter) ([]core.Tenant, error) {
	sn, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	today := s.today()
	out := make([]core.Tenant, 0, len(sn.order))
	for _, id := range sn.order {
		e := sn.byID[id]
		if (f.Kind == "" || e.t.Kind == f.Kind) && (f.Status == "" || e.t.Status == f.Status) {
			out = append(out, e.at(today))
		}
	}
	return out, nil
}

// Names returns every name of the tenant, oldest first (From nil: the first name).
func (s *Store) Names(ctx context.Context, slug string) ([]core.TenantName, error) {
	e, _, err := s.lookup(ctx, slug)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, notFound()
	}
	return append([]core.TenantName(nil), e.names...), nil
}

// NameAt returns the name the tenant had on date (its calendar date counts),
// so old records show the name of their time: p80 is "Tỉnh Đoàn Long An" on
// 2025-06-30 and "Tỉnh Đoàn Tây Ninh" from 2025-07-01.
func (s *Store) NameAt(ctx context.Context, slug string, date time.Time) (string, error) {
	e, _, err := s.lookup(ctx, slug)
	if err != nil {
		return "", err
	}
	if e == nil {
		return "", notFound()
	}
	return e.nameAt(civil(date)), nil
}

// Resolve finds the tenant named in a URL. Unknown tenants are ENOTFOUND;
// an ended tenant is ENOTFOUND for writes and readable otherwise (its
// history stays available to those allowed to see it).
func (s *Store) Resolve(ctx context.Context, slug string, write bool) (core.Tenant, error) {
	e, _, err := s.lookup(ctx, slug)
	if err != nil {
		return core.Tenant{}, core.Internal(err, "resolve tenant")
	}
	if e == nil || (write && e.t.Status == core.TenantEnded) {
		return core.Tenant{}, notFound()
	}
	return e.at(s.today()), nil
}

// Live follows the successors of slug to the tenant that carries its work
// today (slug itself when it is active).
func (s *Store) Live(ctx context.Context, slug string) (core.Tenant, error) {
	e, sn, err := s.lookup(ctx, slug)
	if err != nil {
		return core.Tenant{}, err
	}
	for seen := map[string]bool{}; e != nil && e.t.Successor != "" && !seen[e.t.ID]; {
		seen[e.t.ID] = true
		e = sn.byID[e.t.Successor]
	}
	if e == nil {
		return core.Tenant{}, notFound()
	}
	return e.at(s.today()), nil
}

// Predecessors returns the tenants merged into slug, directly or through
// other merges (for KPIs recomputed on the merged tenant), by slug.
func (s *Store) Predecessors(ctx context.Context, slug string) ([]core.Tenant, error) {
	sn, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	today := s.today()
	var out []core.Tenant
	want := map[string]bool{slug: true}
	for grew := true; grew; {
		grew = false
		for _, id := range sn.order {
			e := sn.byID[id]
			if want[e.t.Successor] && !want[id] {
				want[id] = true
				grew = true
				out = append(out, e.at(today))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
