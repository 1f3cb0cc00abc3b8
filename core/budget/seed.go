package budget

import (
	"bytes"
	"context"
	"fmt"
	"reflect"

	"github.com/uptrace/bun"
	"gopkg.in/yaml.v3"

	"doanbd/core"
	"doanbd/core/sqldb"
)

// rateSeed is the shape of configs/seed/rates.yaml.
type rateSeed struct {
	Tables []struct {
		Tenant        string `yaml:"tenant"`
		Name          string `yaml:"name"`
		EffectiveFrom string `yaml:"effective_from"`
		EffectiveTo   string `yaml:"effective_to"`
		Basis         string `yaml:"basis"`
		Items         []struct {
			Item          string `yaml:"item"`
			Rank          string `yaml:"rank"`
			Unit          string `yaml:"unit"`
			Amount        int64  `yaml:"amount"`
			FundingSource string `yaml:"funding_source"`
			Note          string `yaml:"note"`
		} `yaml:"items"`
	} `yaml:"tables"`
}

// RateSeedResult counts what SeedRates did.
type RateSeedResult struct {
	Created, Updated, Unchanged, Kept int
}

// SeedRates loads the example rate tables of src (configs/seed/rates.yaml),
// each in its tenant's transaction. A table is matched by tenant and start
// date; one the tenant has edited (no longer an example) is kept as it is.
// Seeding twice changes nothing.
func (s *Service) SeedRates(ctx context.Context, src []byte) (RateSeedResult, error) {
	var f rateSeed
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return RateSeedResult{}, fmt.Errorf("rates seed: %w", err)
	}
	var res RateSeedResult
	for _, st := range f.Tables {
		from, err := ParseDate(st.EffectiveFrom)
		if err != nil {
			return res, fmt.Errorf("rates seed %s: %w", st.Tenant, err)
		}
		to, err := ParseDate(st.EffectiveTo)
		if err != nil {
			return res, fmt.Errorf("rates seed %s: %w", st.Tenant, err)
		}
		in := RateInput{Name: st.Name, EffectiveFrom: from, EffectiveTo: to, Basis: st.Basis}
		for _, it := range st.Items {
			in.Items = append(in.Items, RateItem{Item: it.Item, Rank: it.Rank, Unit: it.Unit, Amount: it.Amount,
				FundingSource: it.FundingSource, Note: it.Note})
		}
		if err := validateRates(in); err != nil {
			return res, fmt.Errorf("rates seed %s %s: %w (%v)", st.Tenant, st.EffectiveFrom, err, core.ErrorFields(err))
		}
		err = s.db.TenantTx(ctx, st.Tenant, func(ctx context.Context, tx bun.Tx) error {
			var cur []RateTable
			if err := tx.NewSelect().Model(&cur).Where("rt.tenant_id = ? AND rt.effective_from = ?", st.Tenant, from).
				Scan(ctx); err != nil {
				return fmt.Errorf("find rate table: %w", err)
			}
			if len(cur) == 0 {
				t := &RateTable{ID: sqldb.NewID(), TenantID: st.Tenant, CreatedAt: s.now()}
				res.Created++
				return s.saveTable(ctx, tx, t, in, true, true)
			}
			t := &cur[0]
			if !t.Example {
				res.Kept++
				return nil
			}
			ts, err := loadTables(ctx, tx, st.Tenant, t.ID)
			if err != nil {
				return err
			}
			if sameRates(&ts[0], in) {
				res.Unchanged++
				return nil
			}
			res.Updated++
			return s.saveTable(ctx, tx, t, in, true, false)
		})
		if err != nil {
			return res, fmt.Errorf("rates seed %s: %w", st.Tenant, err)
		}
	}
	return res, nil
}

// sameRates reports whether stored table t already says what in says.
func sameRates(t *RateTable, in RateInput) bool {
	if t.Name != in.Name || t.Basis != in.Basis || !t.EffectiveTo.Equal(in.EffectiveTo) || len(t.Items) != len(in.Items) {
		return false
	}
	want := make([]RateItem, len(in.Items))
	for i, it := range in.Items {
		it.TenantID, it.TableID = t.TenantID, t.ID
		want[i] = it
	}
	return reflect.DeepEqual(t.Items, sortItems(want))
}
