package outbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"doanbd/core/sqldb"
	"doanbd/core/testenv"
)

// TestIDStatementsUsePrimaryKey: the statements that name outbox rows by id
// find them through the primary key even when PostgreSQL's statistics still
// describe the pending rows' partial index as empty — after a quiet spell in
// which every row was done and vacuumed, then a burst of new rows. With a
// plain "done_at IS NULL" they walked the whole partial index for every job
// (a third of the workflow benchmark's throughput, seconds of effect lag).
func TestIDStatementsUsePrimaryKey(t *testing.T) {
	pg := testenv.Postgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := sqldb.Open(ctx, sqldb.Options{URL: pg.OwnerURL})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO outbox (id, tenant_id, kind, payload, created_at, enqueued_at, done_at)
		 SELECT 'd' || g, 'tw', 'k', 'null'::bytea, now(), now(), now() FROM generate_series(1, 2000) g`,
		`VACUUM ANALYZE outbox`,
		`INSERT INTO outbox (id, tenant_id, kind, payload, created_at, enqueued_at, process_at)
		 SELECT 'p' || g, 'tw', 'k', 'null'::bytea, now(), now(), now() + interval '3 days' FROM generate_series(1, 5000) g`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	now := time.Now().UTC()
	for name, q := range map[string]string{
		"a TxHandler's claim":        markDoneQuery(db.DB, Delivery{ID: "p42", Tenant: "tw"}, now).String(),
		"a batch of done marks":      doneBatchQuery(db.DB, []string{"p1", "p2", "p3"}, now).String(),
		"the effect handler's check": strings.Replace(isDoneSQL, "?", "'p42'", 1),
	} {
		var lines []string
		if err := db.NewRaw("EXPLAIN "+q).Scan(ctx, &lines); err != nil {
			t.Fatalf("%s: explain: %v", name, err)
		}
		plan := strings.Join(lines, "\n")
		if !strings.Contains(plan, "outbox_pkey") || strings.Contains(plan, "outbox_pending") || strings.Contains(plan, "outbox_done") {
			t.Errorf("%s does not use the primary key:\n%s\n%s", name, q, plan)
		}
	}
}
