package audit

import (
	"context"
	"fmt"
	"sort"

	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
)

// Report is the outcome of Verify.
type Report struct {
	Chains int   `json:"chains"`
	Rows   int64 `json:"rows"`
	// Broken is the first tampered row found (chains in slug order, rows in
	// sequence order), or nil when every chain is intact.
	Broken *Break `json:"broken,omitempty"`
}

// OK reports whether every chain verified.
func (r Report) OK() bool { return r.Broken == nil }

// Break locates the first row that does not verify and says why.
type Break struct {
	Tenant  string `json:"tenant"`
	Seq     int64  `json:"seq"`
	ID      string `json:"id,omitempty"` // empty when the row is missing
	Problem string `json:"problem"`
}

func (b Break) String() string {
	id := b.ID
	if id == "" {
		id = "-"
	}
	return fmt.Sprintf("chain %s, seq %d, id %s: %s", b.Tenant, b.Seq, id, b.Problem)
}

// verifyBatch is how many rows Verify reads per query.
const verifyBatch = 1000

// Verify walks every chain from its first row to its head, recomputing each
// hash and checking each link, and reports the first row that does not
// verify. An error means the log could not be read, not that it was tampered.
func Verify(ctx context.Context, db *sqldb.DB) (Report, error) {
	var heads []head
	if err := db.Read.NewSelect().Model(&heads).Scan(ctx); err != nil {
		return Report{}, fmt.Errorf("audit verify: list chains: %w", err)
	}
	sort.Slice(heads, func(i, j int) bool { return heads[i].Tenant < heads[j].Tenant })
	rep := Report{Chains: len(heads)}
	for _, h := range heads {
		n, brk, err := verifyChain(ctx, db, h)
		rep.Rows += n
		if err != nil {
			return rep, err
		}
		if brk != nil {
			rep.Broken = brk
			return rep, nil
		}
	}
	return rep, nil
}

// verifyChain checks one chain against its head.
func verifyChain(ctx context.Context, db *sqldb.DB, h head) (int64, *Break, error) {
	var (
		rows     int64
		prevHash string
		lastSeq  int64
		brk      *Break
	)
	err := db.ReadTenant(ctx, h.Tenant, func(ctx context.Context, q bun.IDB) error {
		for {
			var batch []Record
			if err := q.NewSelect().Model(&batch).Where("tenant_id = ?", h.Tenant).Where("seq > ?", lastSeq).
				Order("seq").Limit(verifyBatch).Scan(ctx); err != nil {
				return fmt.Errorf("audit verify: read chain %s after seq %d: %w", h.Tenant, lastSeq, err)
			}
			for i := range batch {
				r := &batch[i]
				rows++
				if brk = checkRow(r, lastSeq, prevHash, h); brk != nil {
					return nil
				}
				lastSeq, prevHash = r.Seq, r.Hash
			}
			if len(batch) < verifyBatch {
				break
			}
		}
		if lastSeq != h.Seq || prevHash != h.Hash {
			brk = &Break{Tenant: h.Tenant, Seq: lastSeq + 1,
				Problem: fmt.Sprintf("rows %d to %d are missing: the chain head is seq %d", lastSeq+1, h.Seq, h.Seq)}
			if lastSeq >= h.Seq {
				brk.Seq = h.Seq
				brk.Problem = fmt.Sprintf("the chain head (seq %d) does not match its last row", h.Seq)
			}
		}
		return nil
	})
	return rows, brk, err
}

// checkRow verifies one row given the row before it.
func checkRow(r *Record, prevSeq int64, prevHash string, h head) *Break {
	b := &Break{Tenant: h.Tenant, Seq: r.Seq, ID: r.ID}
	switch {
	case r.Seq > h.Seq:
		b.Problem = fmt.Sprintf("row beyond the chain head (seq %d)", h.Seq)
	case r.Seq != prevSeq+1:
		b.Seq, b.ID = prevSeq+1, ""
		b.Problem = fmt.Sprintf("row %d is missing (next row found is seq %d)", prevSeq+1, r.Seq)
	case r.PrevHash != prevHash:
		b.Problem = "prev_hash does not match the hash of the row before it"
	case r.computeHash() != r.Hash:
		b.Problem = "hash does not match the row's contents (the row was changed)"
	default:
		return nil
	}
	return b
}
