package host

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
)

// DBStore keeps plugin enablement, settings, the catalogue cache and
// reported statuses in the database.
type DBStore struct {
	db       *sqldb.DB
	reporter string // who reports statuses: host name and pid
}

// NewDBStore returns the database store.
func NewDBStore(db *sqldb.DB) *DBStore {
	hn, _ := os.Hostname()
	return &DBStore{db: db, reporter: hn + ":" + strconv.Itoa(os.Getpid())}
}

var _ Store = (*DBStore)(nil)

type tenantRow struct {
	bun.BaseModel `bun:"table:plugin_tenants"`
	TenantID      string    `bun:"tenant_id,pk"`
	Plugin        string    `bun:"plugin,pk"`
	Enabled       bool      `bun:"enabled"`
	Settings      string    `bun:"settings"`
	UpdatedAt     time.Time `bun:"updated_at"`
	UpdatedBy     string    `bun:"updated_by"`
	Capabilities  string    `bun:"capabilities"`
}

func (r tenantRow) plugin() (TenantPlugin, error) {
	tp := TenantPlugin{Plugin: r.Plugin, Enabled: r.Enabled, UpdatedAt: r.UpdatedAt.UTC(), UpdatedBy: r.UpdatedBy}
	if r.Capabilities != "" {
		tp.Capabilities = strings.Split(r.Capabilities, ",")
	}
	if err := json.Unmarshal([]byte(r.Settings), &tp.Settings); err != nil {
		return tp, fmt.Errorf("settings of plugin %s: %w", r.Plugin, err)
	}
	if tp.Settings == nil {
		tp.Settings = map[string]string{}
	}
	return tp, nil
}

func (s *DBStore) list(ctx context.Context, tenant string, onlyEnabled bool) ([]TenantPlugin, error) {
	var rows []tenantRow
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Model(&rows).Where("tenant_id = ?", tenant).Order("plugin")
		if onlyEnabled {
			sel = sel.Where("enabled = ?", true)
		}
		return sel.Scan(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("list plugins of %s: %w", tenant, err)
	}
	out := make([]TenantPlugin, 0, len(rows))
	for _, r := range rows {
		tp, err := r.plugin()
		if err != nil {
			return nil, err
		}
		out = append(out, tp)
	}
	return out, nil
}

// Enabled implements Store.
func (s *DBStore) Enabled(ctx context.Context, tenant string) ([]TenantPlugin, error) {
	return s.list(ctx, tenant, true)
}

// TenantPlugins lists every choice tenant made, enabled or not.
func (s *DBStore) TenantPlugins(ctx context.Context, tenant string) ([]TenantPlugin, error) {
	return s.list(ctx, tenant, false)
}

// Put records tenant's choice about a plugin.
func (s *DBStore) Put(ctx context.Context, tenant string, tp TenantPlugin) error {
	if tp.Settings == nil {
		tp.Settings = map[string]string{}
	}
	b, err := json.Marshal(tp.Settings)
	if err != nil {
		return fmt.Errorf("encode settings: %w", err)
	}
	row := tenantRow{TenantID: tenant, Plugin: tp.Plugin, Enabled: tp.Enabled, Settings: string(b),
		UpdatedAt: time.Now().UTC(), UpdatedBy: tp.UpdatedBy, Capabilities: strings.Join(tp.Capabilities, ",")}
	return s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&row).
			On("CONFLICT (tenant_id, plugin) DO UPDATE").
			Set("enabled = EXCLUDED.enabled").Set("settings = EXCLUDED.settings").
			Set("updated_at = EXCLUDED.updated_at").Set("updated_by = EXCLUDED.updated_by").
			Set("capabilities = EXCLUDED.capabilities").Exec(ctx)
		if err != nil {
			return fmt.Errorf("save plugin %s for %s: %w", tp.Plugin, tenant, err)
		}
		return nil
	})
}

// Usage maps each plugin to the tenants that have it enabled. It is the one
// read across tenants of this package (for `doanbd plugin list`), opened on
// PostgreSQL by its own read-only policy.
func (s *DBStore) Usage(ctx context.Context) (map[string][]string, error) {
	var rows []tenantRow
	read := func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&rows).Column("tenant_id", "plugin").
			Where("enabled = ?", true).Order("plugin", "tenant_id").Scan(ctx)
	}
	var err error
	if s.db.Dialect == sqldb.Postgres {
		err = s.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "SELECT set_config('app.plugin_usage', 'on', true)"); err != nil {
				return err
			}
			return read(ctx, tx)
		})
	} else {
		err = read(ctx, s.db.Read)
	}
	if err != nil {
		return nil, fmt.Errorf("plugin usage: %w", err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.Plugin] = append(out[r.Plugin], r.TenantID)
	}
	return out, nil
}

type catalogRow struct {
	bun.BaseModel `bun:"table:plugin_catalog_cache"`
	TenantID      string    `bun:"tenant_id,pk"`
	Plugin        string    `bun:"plugin,pk"`
	Programs      string    `bun:"programs"`
	FetchedAt     time.Time `bun:"fetched_at"`
}

// SaveCatalog implements Store.
func (s *DBStore) SaveCatalog(ctx context.Context, tenant, plugin string, ps []core.LocalProgram) error {
	b, err := json.Marshal(ps)
	if err != nil {
		return fmt.Errorf("encode programmes: %w", err)
	}
	row := catalogRow{TenantID: tenant, Plugin: plugin, Programs: string(b), FetchedAt: time.Now().UTC()}
	return s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&row).On("CONFLICT (tenant_id, plugin) DO UPDATE").
			Set("programs = EXCLUDED.programs").Set("fetched_at = EXCLUDED.fetched_at").Exec(ctx)
		if err != nil {
			return fmt.Errorf("save programme list of %s for %s: %w", plugin, tenant, err)
		}
		return nil
	})
}

// LoadCatalog implements Store.
func (s *DBStore) LoadCatalog(ctx context.Context, tenant, plugin string) ([]core.LocalProgram, bool, error) {
	var rows []catalogRow
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&rows).Where("tenant_id = ?", tenant).Where("plugin = ?", plugin).Scan(ctx)
	})
	if err != nil {
		return nil, false, fmt.Errorf("load programme list of %s for %s: %w", plugin, tenant, err)
	}
	if len(rows) == 0 {
		return nil, false, nil
	}
	var ps []core.LocalProgram
	if err := json.Unmarshal([]byte(rows[0].Programs), &ps); err != nil {
		return nil, false, fmt.Errorf("decode programme list of %s for %s: %w", plugin, tenant, err)
	}
	return ps, true, nil
}

// Status is a status a server reported for a plugin.
type Status struct {
	bun.BaseModel `bun:"table:plugin_status"`
	Plugin        string    `bun:"plugin,pk"`
	Status        string    `bun:"status"`
	Reason        string    `bun:"reason"`
	Reporter      string    `bun:"reporter"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

// SetStatus implements Store.
func (s *DBStore) SetStatus(ctx context.Context, plugin, status, reason string) error {
	row := Status{Plugin: plugin, Status: status, Reason: truncate(reason, 1000), Reporter: s.reporter, UpdatedAt: time.Now().UTC()}
	return s.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&row).On("CONFLICT (plugin) DO UPDATE").
			Set("status = EXCLUDED.status").Set("reason = EXCLUDED.reason").
			Set("reporter = EXCLUDED.reporter").Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
		if err != nil {
			return fmt.Errorf("save status of plugin %s: %w", plugin, err)
		}
		return nil
	})
}

// Statuses returns the last reported status of every plugin.
func (s *DBStore) Statuses(ctx context.Context) (map[string]Status, error) {
	var rows []Status
	if err := s.db.Read.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, fmt.Errorf("plugin statuses: %w", err)
	}
	out := make(map[string]Status, len(rows))
	for _, r := range rows {
		r.UpdatedAt = r.UpdatedAt.UTC()
		out[r.Plugin] = r
	}
	return out, nil
}
