package tenants

import (
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
)

// tenantRow is a row of the tenants table.
type tenantRow struct {
	bun.BaseModel `bun:"table:tenants"`

	ID            string     `bun:"id,pk"`
	Kind          string     `bun:"kind,notnull"`
	Parent        string     `bun:"parent,notnull"`
	Code          string     `bun:"code,notnull"`
	ValidFrom     *time.Time `bun:"valid_from,type:date"`
	ValidTo       *time.Time `bun:"valid_to,type:date"`
	Successor     string     `bun:"successor,notnull"`
	Status        string     `bun:"status,notnull"`
	AggregateOnly bool       `bun:"aggregate_only,notnull"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
	UpdatedAt     time.Time  `bun:"updated_at,notnull"`
}

func (r *tenantRow) tenant() core.Tenant {
	return core.Tenant{
		ID: r.ID, Kind: r.Kind, Parent: r.Parent, Code: r.Code,
		ValidFrom: civilPtr(r.ValidFrom), ValidTo: civilPtr(r.ValidTo),
		Successor: r.Successor, Status: r.Status, AggregateOnly: r.AggregateOnly,
	}
}

// sameAs reports whether the registry fields (not the timestamps) are equal.
func (r *tenantRow) sameAs(o *tenantRow) bool {
	return r.ID == o.ID && r.Kind == o.Kind && r.Parent == o.Parent && r.Code == o.Code &&
		sameDate(r.ValidFrom, o.ValidFrom) && sameDate(r.ValidTo, o.ValidTo) &&
		r.Successor == o.Successor && r.Status == o.Status && r.AggregateOnly == o.AggregateOnly
}

// nameRow is a row of tenant_names. The first name of a tenant has the zero
// date (0001-01-01): "since the beginning".
type nameRow struct {
	bun.BaseModel `bun:"table:tenant_names"`

	TenantID  string    `bun:"tenant_id,pk"`
	ValidFrom time.Time `bun:"valid_from,pk,type:date"`
	Name      string    `bun:"name,notnull"`
}

func (n *nameRow) tenantName() core.TenantName {
	tn := core.TenantName{Name: n.Name}
	if d := civil(n.ValidFrom.UTC()); !d.IsZero() {
		tn.From = &d
	}
	return tn
}

// civilPtr normalises a date read from either database to midnight UTC.
func civilPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := civil(t.UTC())
	return &d
}

func sameDate(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return civil(a.UTC()).Equal(civil(b.UTC()))
}

// parseDate parses YYYY-MM-DD; "" is no date.
func parseDate(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// dateString formats a date as YYYY-MM-DD, "" for none.
func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}
