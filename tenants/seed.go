package tenants

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"gopkg.in/yaml.v3"

	"doanbd/core"
)

// seedFile is the shape of configs/seed/tenants.yaml.
type seedFile struct {
	Tenants []seedTenant `yaml:"tenants"`
}

type seedTenant struct {
	Slug      string     `yaml:"slug"`
	Kind      string     `yaml:"kind"`
	Code      string     `yaml:"code"`
	Parent    string     `yaml:"parent"`
	ValidFrom string     `yaml:"valid_from"`
	ValidTo   string     `yaml:"valid_to"`
	Successor string     `yaml:"successor"`
	Names     []seedName `yaml:"names"`
}

type seedName struct {
	Name string `yaml:"name"`
	From string `yaml:"from"`
}

// SeedResult counts what a seed run did.
type SeedResult struct {
	Created, Updated, Unchanged int
}

// Seed upserts the tenants described by src (the YAML of
// configs/seed/tenants.yaml) in one transaction. Seeding twice changes
// nothing: unchanged tenants keep their updated_at and names are not
// duplicated. Seed never revives a tenant: one that ended in the database
// (a merge done with the CLI) stays ended if the file lists it as active.
// Tenants not in the file are left alone.
func (s *Store) Seed(ctx context.Context, src []byte) (SeedResult, error) {
	want, err := parseSeed(src, s.today())
	if err != nil {
		return SeedResult{}, err
	}
	var res SeedResult
	err = s.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err = applySeed(ctx, tx, want, s.now().UTC())
		return err
	})
	if err != nil {
		return SeedResult{}, err
	}
	return res, s.Refresh(ctx)
}

// seedItem is one validated tenant of the seed file.
type seedItem struct {
	row   tenantRow
	names []nameRow
}

func parseSeed(src []byte, today time.Time) ([]seedItem, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	var f seedFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("tenants seed: %w", err)
	}
	seen := map[string]bool{}
	for _, t := range f.Tenants {
		seen[t.Slug] = true
	}
	items := make([]seedItem, 0, len(f.Tenants))
	dup := map[string]bool{}
	for i, t := range f.Tenants {
		it, err := t.item(today, seen)
		if err == nil && dup[t.Slug] {
			err = fmt.Errorf("listed twice")
		}
		if err != nil {
			return nil, fmt.Errorf("tenants seed: tenant %d (%q): %w", i+1, t.Slug, err)
		}
		dup[t.Slug] = true
		items = append(items, it)
	}
	return items, nil
}

func (t seedTenant) item(today time.Time, known map[string]bool) (seedItem, error) {
	if !ValidSlug(t.Slug) {
		return seedItem{}, fmt.Errorf("invalid slug")
	}
	if _, ok := kindRank[t.Kind]; !ok {
		return seedItem{}, fmt.Errorf("invalid kind %q", t.Kind)
	}
	if (t.Kind == core.TenantCentral) != (t.Parent == "") || (t.Parent != "" && !known[t.Parent]) {
		return seedItem{}, fmt.Errorf("parent %q: the central office has none, every other tenant has a listed one", t.Parent)
	}
	from, err := parseDate(t.ValidFrom)
	if err != nil {
		return seedItem{}, fmt.Errorf("valid_from: %w", err)
	}
	to, err := parseDate(t.ValidTo)
	if err != nil {
		return seedItem{}, fmt.Errorf("valid_to: %w", err)
	}
	if t.Successor != "" && to == nil {
		return seedItem{}, fmt.Errorf("a successor without valid_to")
	}
	if t.Successor != "" && (!known[t.Successor] || t.Successor == t.Slug) {
		return seedItem{}, fmt.Errorf("unknown successor %q", t.Successor)
	}
	status := core.TenantActive
	if to != nil && to.Before(today) {
		status = core.TenantEnded
	}
	it := seedItem{row: tenantRow{ID: t.Slug, Kind: t.Kind, Parent: t.Parent, Code: t.Code,
		ValidFrom: from, ValidTo: to, Successor: t.Successor, Status: status}}
	if len(t.Names) == 0 {
		return seedItem{}, fmt.Errorf("no name")
	}
	for _, n := range t.Names {
		d, err := parseDate(n.From)
		if err != nil || n.Name == "" {
			return seedItem{}, fmt.Errorf("name %q from %q: a name and a YYYY-MM-DD date (or \"\") are needed", n.Name, n.From)
		}
		nr := nameRow{TenantID: t.Slug, Name: n.Name}
		if d != nil {
			nr.ValidFrom = *d
		}
		it.names = append(it.names, nr)
	}
	return it, nil
}

func applySeed(ctx context.Context, tx bun.Tx, want []seedItem, now time.Time) (SeedResult, error) {
	var rows []tenantRow
	if err := tx.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return SeedResult{}, fmt.Errorf("tenants seed: read registry: %w", err)
	}
	have := make(map[string]*tenantRow, len(rows))
	for i := range rows {
		have[rows[i].ID] = &rows[i]
	}
	var names []nameRow
	if err := tx.NewSelect().Model(&names).Scan(ctx); err != nil {
		return SeedResult{}, fmt.Errorf("tenants seed: read names: %w", err)
	}
	haveName := make(map[string]map[time.Time]string)
	for _, n := range names {
		if haveName[n.TenantID] == nil {
			haveName[n.TenantID] = map[time.Time]string{}
		}
		haveName[n.TenantID][civil(n.ValidFrom.UTC())] = n.Name
	}
	var res SeedResult
	for _, it := range want {
		r := it.row
		old := have[r.ID]
		if old != nil && old.Status == core.TenantEnded && r.Status == core.TenantActive {
			r.ValidTo, r.Successor, r.Status = old.ValidTo, old.Successor, old.Status
		}
		if old != nil {
			r.AggregateOnly = old.AggregateOnly // a policy decision, not seed data
		}
		changed := false
		switch {
		case old == nil:
			r.CreatedAt, r.UpdatedAt = now, now
			if _, err := tx.NewInsert().Model(&r).Exec(ctx); err != nil {
				return res, fmt.Errorf("tenants seed: insert %s: %w", r.ID, err)
			}
		case !r.sameAs(old):
			changed = true
			r.CreatedAt, r.UpdatedAt = old.CreatedAt, now
			if _, err := tx.NewUpdate().Model(&r).WherePK().Exec(ctx); err != nil {
				return res, fmt.Errorf("tenants seed: update %s: %w", r.ID, err)
			}
		}
		for _, n := range it.names {
			cur, ok := haveName[r.ID][civil(n.ValidFrom)]
			if ok && cur == n.Name {
				continue
			}
			changed = true
			if _, err := tx.NewInsert().Model(&n).On("CONFLICT (tenant_id, valid_from) DO UPDATE").
				Set("name = EXCLUDED.name").Exec(ctx); err != nil {
				return res, fmt.Errorf("tenants seed: name of %s: %w", r.ID, err)
			}
		}
		switch {
		case old == nil:
			res.Created++
		case changed:
			res.Updated++
			if r.sameAs(old) { // only names changed: still a change of the tenant
				if _, err := tx.NewUpdate().Model(&r).Set("updated_at = ?", now).WherePK().Exec(ctx); err != nil {
					return res, fmt.Errorf("tenants seed: touch %s: %w", r.ID, err)
				}
			}
		default:
			res.Unchanged++
		}
	}
	return res, nil
}
