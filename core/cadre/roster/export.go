package roster

import (
	"context"

	"github.com/uptrace/bun"

	"doanbd/core/cadre"
)

// EachCadreSensitive is EachCadre with each cadre's CCCD, ethnicity and
// religion decrypted, for an export by a user allowed to read them. The
// audit row (who, which filter) is committed before the first cadre is
// read: an export whose audit cannot be written does not start, and one
// broken off midway is still on record.
func (s *Service) EachCadreSensitive(ctx context.Context, tenant string, f Filter, fn func(cadre.Cadre, cadre.Sensitive) error) error {
	if err := f.Validate(s.titles); err != nil {
		return err
	}
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return s.record(ctx, tx, AuditEvent{Tenant: tenant, Action: "cadre.export_sensitive", Object: "cadre",
			Detail: map[string]any{"fields": []string{fieldCCCD, fieldEthnicity, fieldReligion}, "filter": f}})
	})
	if err != nil {
		return err
	}
	return s.eachRow(ctx, tenant, f, func(r *cadreRow) error {
		sens, err := s.open(r)
		if err != nil {
			return err
		}
		return fn(r.cadre(), sens)
	})
}
