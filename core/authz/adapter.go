package authz

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
)

// rule is one row of casbin_rule: a policy line, its fields in v0…v5.
type rule struct {
	bun.BaseModel `bun:"table:casbin_rule"`

	ID    int64  `bun:"id,pk,autoincrement"`
	PType string `bun:"ptype"`
	V0    string `bun:"v0"`
	V1    string `bun:"v1"`
	V2    string `bun:"v2"`
	V3    string `bun:"v3"`
	V4    string `bun:"v4"`
	V5    string `bun:"v5"`
}

func newRule(ptype string, vals []string) (rule, error) {
	if len(vals) > 6 {
		return rule{}, fmt.Errorf("casbin rule %s has %d fields, at most 6", ptype, len(vals))
	}
	r := rule{PType: ptype}
	for i, p := range []*string{&r.V0, &r.V1, &r.V2, &r.V3, &r.V4, &r.V5} {
		if i < len(vals) {
			*p = vals[i]
		}
	}
	return r, nil
}

// values returns the fields without trailing empty ones.
func (r rule) values() []string {
	v := []string{r.V0, r.V1, r.V2, r.V3, r.V4, r.V5}
	for len(v) > 0 && v[len(v)-1] == "" {
		v = v[:len(v)-1]
	}
	return v
}

// Filter selects what LoadFilteredPolicy loads: every template rule (g2),
// and the assignments (g) of the listed tenants only.
type Filter struct {
	Tenants []string
}

// Adapter stores the Casbin policy in casbin_rule through bun, on SQLite and
// PostgreSQL. Besides Casbin's interfaces (without a context, bounded by
// Timeout) it offers *Tx variants that write inside the caller's
// transaction, so a policy change commits together with its audit entry.
type Adapter struct {
	db       *sqldb.DB
	Timeout  time.Duration
	filtered atomic.Bool
}

var (
	_ persist.Adapter          = (*Adapter)(nil)
	_ persist.BatchAdapter     = (*Adapter)(nil)
	_ persist.UpdatableAdapter = (*Adapter)(nil)
	_ persist.FilteredAdapter  = (*Adapter)(nil)
)

// NewAdapter returns an adapter on db.
func NewAdapter(db *sqldb.DB) *Adapter { return &Adapter{db: db, Timeout: 30 * time.Second} }

func (a *Adapter) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), a.Timeout)
}

// LoadPolicy loads every rule.
func (a *Adapter) LoadPolicy(m model.Model) error {
	ctx, cancel := a.ctx()
	defer cancel()
	if err := a.load(ctx, m, nil); err != nil {
		return err
	}
	a.filtered.Store(false)
	return nil
}

// LoadFilteredPolicy loads the template rules and the assignments of the
// tenants in filter (a Filter or *Filter).
func (a *Adapter) LoadFilteredPolicy(m model.Model, filter interface{}) error {
	var f Filter
	switch v := filter.(type) {
	case Filter:
		f = v
	case *Filter:
		if v == nil {
			return a.LoadPolicy(m)
		}
		f = *v
	default:
		return fmt.Errorf("casbin filter: want authz.Filter, got %T", filter)
	}
	ctx, cancel := a.ctx()
	defer cancel()
	if err := a.load(ctx, m, &f); err != nil {
		return err
	}
	a.filtered.Store(true)
	return nil
}

// IsFiltered reports whether the last load was filtered (Casbin then refuses
// SavePolicy, which would drop the rules not loaded).
func (a *Adapter) IsFiltered() bool { return a.filtered.Load() }

func (a *Adapter) load(ctx context.Context, m model.Model, f *Filter) error {
	var rows []rule
	q := a.db.Read.NewSelect().Model(&rows).OrderExpr("id")
	if f != nil {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			q = q.Where("ptype <> 'g'")
			if len(f.Tenants) > 0 {
				q = q.WhereOr("ptype = 'g' AND v2 IN (?)", bun.In(f.Tenants))
			}
			return q
		})
	}
	if err := q.Scan(ctx); err != nil {
		return fmt.Errorf("load casbin policy: %w", err)
	}
	for _, r := range rows {
		line := append([]string{r.PType}, r.values()...)
		if err := persist.LoadPolicyArray(line, m); err != nil {
			return fmt.Errorf("load casbin rule %d: %w", r.ID, err)
		}
	}
	return nil
}

// SavePolicy replaces every stored rule with the model's.
func (a *Adapter) SavePolicy(m model.Model) error {
	if a.IsFiltered() {
		return errors.New("save casbin policy: the loaded policy is filtered")
	}
	var rows []rule
	for _, sec := range []string{"p", "g"} {
		for ptype, ast := range m[sec] {
			for _, vals := range ast.Policy {
				r, err := newRule(ptype, vals)
				if err != nil {
					return err
				}
				rows = append(rows, r)
			}
		}
	}
	ctx, cancel := a.ctx()
	defer cancel()
	return a.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*rule)(nil)).Where("1 = 1").Exec(ctx); err != nil {
			return fmt.Errorf("save casbin policy: %w", err)
		}
		return insertRules(ctx, tx, rows)
	})
}

func insertRules(ctx context.Context, db bun.IDB, rows []rule) error {
	const batch = 500
	for len(rows) > 0 {
		n := min(batch, len(rows))
		part := rows[:n]
		if _, err := db.NewInsert().Model(&part).ExcludeColumn("id").On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("insert casbin rules: %w", err)
		}
		rows = rows[n:]
	}
	return nil
}

// AddPolicy stores one rule (a rule already stored is not an error).
func (a *Adapter) AddPolicy(sec, ptype string, vals []string) error {
	return a.AddPolicies(sec, ptype, [][]string{vals})
}

// AddPolicies stores rules.
func (a *Adapter) AddPolicies(sec, ptype string, rules [][]string) error {
	ctx, cancel := a.ctx()
	defer cancel()
	return a.AddPoliciesTx(ctx, a.db.DB, ptype, rules)
}

// AddPoliciesTx stores rules inside tx.
func (a *Adapter) AddPoliciesTx(ctx context.Context, tx bun.IDB, ptype string, rules [][]string) error {
	rows := make([]rule, 0, len(rules))
	for _, vals := range rules {
		r, err := newRule(ptype, vals)
		if err != nil {
			return err
		}
		rows = append(rows, r)
	}
	return insertRules(ctx, tx, rows)
}

// RemovePolicy deletes one rule.
func (a *Adapter) RemovePolicy(sec, ptype string, vals []string) error {
	return a.RemovePolicies(sec, ptype, [][]string{vals})
}

// RemovePolicies deletes rules.
func (a *Adapter) RemovePolicies(sec, ptype string, rules [][]string) error {
	ctx, cancel := a.ctx()
	defer cancel()
	return a.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return a.RemovePoliciesTx(ctx, tx, ptype, rules)
	})
}

// RemovePoliciesTx deletes rules inside tx.
func (a *Adapter) RemovePoliciesTx(ctx context.Context, tx bun.IDB, ptype string, rules [][]string) error {
	for _, vals := range rules {
		r, err := newRule(ptype, vals)
		if err != nil {
			return err
		}
		_, err = tx.NewDelete().Model((*rule)(nil)).
			Where("ptype = ? AND v0 = ? AND v1 = ? AND v2 = ? AND v3 = ? AND v4 = ? AND v5 = ?",
				r.PType, r.V0, r.V1, r.V2, r.V3, r.V4, r.V5).Exec(ctx)
		if err != nil {
			return fmt.Errorf("delete casbin rule: %w", err)
		}
	}
	return nil
}

// filteredWhere builds the filter of RemoveFilteredPolicy: fields from
// fieldIndex on equal fieldValues, an empty value matching anything.
func filteredWhere(q *bun.DeleteQuery, ptype string, fieldIndex int, fieldValues []string) (*bun.DeleteQuery, error) {
	if fieldIndex < 0 || fieldIndex+len(fieldValues) > 6 {
		return nil, fmt.Errorf("casbin filter: fields %d..%d out of range", fieldIndex, fieldIndex+len(fieldValues)-1)
	}
	q = q.Where("ptype = ?", ptype)
	for i, v := range fieldValues {
		if v != "" {
			q = q.Where("? = ?", bun.Ident(fmt.Sprintf("v%d", fieldIndex+i)), v)
		}
	}
	return q, nil
}

// RemoveFilteredPolicy deletes the rules matching the filter.
func (a *Adapter) RemoveFilteredPolicy(sec, ptype string, fieldIndex int, fieldValues ...string) error {
	ctx, cancel := a.ctx()
	defer cancel()
	q, err := filteredWhere(a.db.DB.NewDelete().Model((*rule)(nil)), ptype, fieldIndex, fieldValues)
	if err != nil {
		return err
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("delete casbin rules: %w", err)
	}
	return nil
}

// UpdatePolicy replaces one rule with another.
func (a *Adapter) UpdatePolicy(sec, ptype string, oldRule, newRule []string) error {
	return a.UpdatePolicies(sec, ptype, [][]string{oldRule}, [][]string{newRule})
}

// UpdatePolicies replaces rules pairwise, in one transaction.
func (a *Adapter) UpdatePolicies(sec, ptype string, oldRules, newRules [][]string) error {
	if len(oldRules) != len(newRules) {
		return fmt.Errorf("update casbin rules: %d old, %d new", len(oldRules), len(newRules))
	}
	ctx, cancel := a.ctx()
	defer cancel()
	return a.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := a.RemovePoliciesTx(ctx, tx, ptype, oldRules); err != nil {
			return err
		}
		return a.AddPoliciesTx(ctx, tx, ptype, newRules)
	})
}

// UpdateFilteredPolicies deletes the rules matching the filter, stores
// newRules, and returns the deleted rules.
func (a *Adapter) UpdateFilteredPolicies(sec, ptype string, newRules [][]string, fieldIndex int, fieldValues ...string) ([][]string, error) {
	ctx, cancel := a.ctx()
	defer cancel()
	var old [][]string
	err := a.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rows []rule
		q, err := filteredWhere(tx.NewDelete().Model(&rows), ptype, fieldIndex, fieldValues)
		if err != nil {
			return err
		}
		if _, err := q.Returning("*").Exec(ctx, &rows); err != nil {
			return fmt.Errorf("delete casbin rules: %w", err)
		}
		for _, r := range rows {
			old = append(old, r.values())
		}
		return a.AddPoliciesTx(ctx, tx, ptype, newRules)
	})
	return old, err
}
