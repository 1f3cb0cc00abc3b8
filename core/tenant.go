package core

import (
	"context"
	"time"
)

// Tenant kinds.
const (
	TenantCentral    = "central"
	TenantProvince   = "province"
	TenantMinistry   = "ministry"
	TenantAffiliated = "affiliated"
)

// Tenant statuses.
const (
	TenantActive = "active"
	TenantEnded  = "ended"
)

// CentralTenant is the slug of the central office, the root of the tree.
const CentralTenant = "tw"

// Tenant is an organisation that owns data: the central office, a provincial
// union, a ministry unit or a directly affiliated union. ID is the slug
// (tw, p79, bca…), stable for the tenant's life and used in URLs.
type Tenant struct {
	ID        string     `json:"slug"`
	Name      string     `json:"name"` // name in force today
	Kind      string     `json:"kind"`
	Parent    string     `json:"parent"`
	Code      string     `json:"code"`
	ValidFrom *time.Time `json:"valid_from,omitempty"`
	ValidTo   *time.Time `json:"valid_to,omitempty"`
	Successor string     `json:"successor,omitempty"`
	Status    string     `json:"status"`
	// AggregateOnly marks a ministry whose data the centre sees only as aggregates.
	AggregateOnly bool `json:"aggregate_only"`
}

// TenantName is one name of a tenant and the date it took effect.
type TenantName struct {
	Name string     `json:"name"`
	From *time.Time `json:"from,omitempty"`
}

// Principal is the authenticated caller.
type Principal struct {
	UserID string
	Email  string
	Name   string
	// Via is "token" or "session".
	Via string
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller in ctx, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok && p.UserID != ""
}
