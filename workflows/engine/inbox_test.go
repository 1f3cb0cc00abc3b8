package engine

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
)

// manySubject is memSubject that can also describe many records at once,
// counting how it was asked.
type manySubject struct {
	*memSubject
	one, many atomic.Int32
}

func (s *manySubject) Load(ctx context.Context, q bun.IDB, tenant, id string) (SubjectInfo, error) {
	s.one.Add(1)
	return s.memSubject.Load(ctx, q, tenant, id)
}

func (s *manySubject) LoadMany(ctx context.Context, q bun.IDB, refs []SubjectRef) (map[SubjectRef]SubjectInfo, error) {
	s.many.Add(1)
	out := map[SubjectRef]SubjectInfo{}
	for _, r := range refs {
		if r.ID == "gone" {
			continue // deleted since: not found
		}
		out[r], _ = s.memSubject.Load(ctx, q, r.Tenant, r.ID)
	}
	return out, nil
}

// The inbox describes its items with one LoadMany per subject type, not one
// Load per item, and leaves out an item whose record is gone.
func TestInboxLoadsSubjectsAtOnce(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ms := &manySubject{memSubject: f.plans}
		f.e.RegisterSubject("plan", ms)
		ctx := context.Background()
		for _, id := range []string{"a", "b", "c", "gone"} {
			f.plans.status["p79/"+id] = "draft"
			mustFire(t, f, "planner", "plan", id, "submit", "", nil)
		}
		ms.one.Store(0)
		items, err := f.e.Inbox(ctx, who("approver"))
		if err != nil || len(items) != 3 {
			t.Fatalf("approver inbox: %+v %v", items, err)
		}
		for _, it := range items {
			if it.Title != "Kế hoạch "+it.SubjectID || it.Link != "/t/p79/plans/"+it.SubjectID {
				t.Errorf("item %+v", it)
			}
		}
		if one, many := ms.one.Load(), ms.many.Load(); one != 0 || many != 1 {
			t.Errorf("subject loads: %d one by one, %d at once; want 0 and 1", one, many)
		}
	})
}
