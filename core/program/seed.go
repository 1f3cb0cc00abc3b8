package program

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"

	"github.com/uptrace/bun"
	"gopkg.in/yaml.v3"

	"doanbd/core"
	"doanbd/core/sqldb"
)

// seedFile is the shape of configs/seed/programs.yaml.
type seedFile struct {
	Titles []struct {
		Code          string `yaml:"code"`
		Name          string `yaml:"name"`
		NameEN        string `yaml:"name_en"`
		Level         string `yaml:"level"`
		Key           bool   `yaml:"key"`
		MaxAgeFirst   *int   `yaml:"max_age_first"`
		MaxAgeServing *int   `yaml:"max_age_serving"`
	} `yaml:"titles"`
	Groups []struct {
		Code       string `yaml:"code"`
		OwnerLevel string `yaml:"owner_level"`
		Name       string `yaml:"name"`
		NameEN     string `yaml:"name_en"`
	} `yaml:"groups"`
	Programs []struct {
		Code       string   `yaml:"code"`
		Group      string   `yaml:"group"`
		Name       string   `yaml:"name"`
		NameEN     string   `yaml:"name_en"`
		Audience   Audience `yaml:"audience"`
		Modules    []Module `yaml:"modules"`
		Assessment string   `yaml:"assessment"`
		Version    int      `yaml:"version"`
		Status     string   `yaml:"status"`
	} `yaml:"programs"`
}

// SeedResult counts what a seed run did with the programmes.
type SeedResult struct {
	Groups, Titles              int
	Created, Updated, Unchanged int
}

// Seed loads the central catalogue (groups, titles, programmes of tenant tw)
// from src, the YAML of configs/seed/programs.yaml, in one transaction.
// Seeding twice changes nothing. A programme already stored keeps its id and
// its status (a programme the workflow retired stays retired); its content
// follows the file.
func (s *Service) Seed(ctx context.Context, src []byte) (SeedResult, error) {
	var f seedFile
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return SeedResult{}, fmt.Errorf("programs seed: %w", err)
	}
	groups := make([]Group, 0, len(f.Groups))
	for i, g := range f.Groups {
		groups = append(groups, Group{Code: g.Code, OwnerLevel: g.OwnerLevel, Name: g.Name, NameEN: g.NameEN, Sort: i + 1})
	}
	titles := make(map[string]Title, len(f.Titles))
	trows := make([]Title, 0, len(f.Titles))
	for i, t := range f.Titles {
		row := Title{Code: t.Code, Name: t.Name, NameEN: t.NameEN, Level: t.Level, Key: t.Key,
			MaxAgeFirst: t.MaxAgeFirst, MaxAgeServing: t.MaxAgeServing, Sort: i + 1}
		titles[t.Code] = row
		trows = append(trows, row)
	}
	known := map[string]bool{}
	for _, g := range groups {
		known[g.Code] = true
	}
	progs := make([]Program, 0, len(f.Programs))
	for _, sp := range f.Programs {
		p := Program{TenantID: core.CentralTenant, Code: sp.Code, Name: sp.Name, NameEN: sp.NameEN, Group: sp.Group,
			Audience: cloneAudience(sp.Audience), Modules: sp.Modules, TotalHours: hours(sp.Modules),
			Assessment: sp.Assessment, Version: sp.Version, Status: sp.Status, Changes: []Change{}}
		if !known[p.Group] {
			return SeedResult{}, fmt.Errorf("programs seed: %s: unknown group %q", p.Code, p.Group)
		}
		if p.Version < 1 {
			return SeedResult{}, fmt.Errorf("programs seed: %s: version must be at least 1", p.Code)
		}
		switch p.Status {
		case StatusDraft, StatusInAppraisal, StatusPublished, StatusRetired:
		default:
			return SeedResult{}, fmt.Errorf("programs seed: %s: unknown status %q", p.Code, p.Status)
		}
		if err := validate(&p, titles); err != nil {
			return SeedResult{}, fmt.Errorf("programs seed: %s: %w (%v)", p.Code, err, core.ErrorFields(err))
		}
		progs = append(progs, p)
	}
	res := SeedResult{Groups: len(groups), Titles: len(trows)}
	err := s.db.TenantTx(ctx, core.CentralTenant, func(ctx context.Context, tx bun.Tx) error {
		if len(groups) > 0 {
			if _, err := tx.NewInsert().Model(&groups).On("CONFLICT (code) DO UPDATE").
				Set("owner_level = EXCLUDED.owner_level, name = EXCLUDED.name, name_en = EXCLUDED.name_en, sort = EXCLUDED.sort").
				Exec(ctx); err != nil {
				return fmt.Errorf("seed program groups: %w", err)
			}
		}
		if len(trows) > 0 {
			if _, err := tx.NewInsert().Model(&trows).On("CONFLICT (code) DO UPDATE").
				Set("name = EXCLUDED.name, name_en = EXCLUDED.name_en, level = EXCLUDED.level, key_title = EXCLUDED.key_title").
				Set("max_age_first = EXCLUDED.max_age_first, max_age_serving = EXCLUDED.max_age_serving, sort = EXCLUDED.sort").
				Exec(ctx); err != nil {
				return fmt.Errorf("seed titles: %w", err)
			}
		}
		for i := range progs {
			changed, created, err := s.upsertCentral(ctx, tx, &progs[i])
			if err != nil {
				return err
			}
			switch {
			case created:
				res.Created++
			case changed:
				res.Updated++
			default:
				res.Unchanged++
			}
		}
		return nil
	})
	if err != nil {
		return SeedResult{}, err
	}
	return res, nil
}

func (s *Service) upsertCentral(ctx context.Context, tx bun.Tx, p *Program) (changed, created bool, err error) {
	var cur Program
	err = tx.NewSelect().Model(&cur).Where("p.tenant_id = ? AND p.code = ?", core.CentralTenant, p.Code).Scan(ctx)
	now := s.now()
	if errors.Is(err, sql.ErrNoRows) {
		p.ID, p.CreatedAt, p.UpdatedAt = sqldb.NewID(), now, now
		if _, err := tx.NewInsert().Model(p).Exec(ctx); err != nil {
			return false, false, fmt.Errorf("seed program %s: %w", p.Code, err)
		}
		return true, true, nil
	} else if err != nil {
		return false, false, fmt.Errorf("read program %s: %w", p.Code, err)
	}
	if cur.Name == p.Name && cur.NameEN == p.NameEN && cur.Group == p.Group && cur.Assessment == p.Assessment &&
		cur.Version == p.Version && reflect.DeepEqual(cur.Audience, p.Audience) && reflect.DeepEqual(cur.Modules, p.Modules) {
		return false, false, nil
	}
	p.ID, p.Status, p.UpdatedAt = cur.ID, cur.Status, now
	if _, err := tx.NewUpdate().Model(p).WherePK().
		Column("name", "name_en", "group_code", "audience", "modules", "total_hours", "assessment", "version", "updated_at").
		Exec(ctx); err != nil {
		return false, false, fmt.Errorf("update program %s: %w", p.Code, err)
	}
	return true, false, nil
}
