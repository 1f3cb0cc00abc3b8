package engine

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"doanbd/configs"
	"doanbd/core"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
	"doanbd/core/testenv"
	"doanbd/workflows/outbox"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fakeAuthz grants user → tenant → permissions (a unit-test fake; the real
// Casbin authorizer is tested in core/authz).
type fakeAuthz struct {
	grants map[string]map[string][]string
}

func (f fakeAuthz) Enforce(_ context.Context, user, tenant, obj, act string) (bool, error) {
	return slices.Contains(f.grants[user][tenant], obj+"."+act), nil
}

func (f fakeAuthz) TenantsWhere(_ context.Context, user, obj, act string) ([]string, error) {
	var out []string
	for t, perms := range f.grants[user] {
		if slices.Contains(perms, obj+"."+act) {
			out = append(out, t)
		}
	}
	return out, nil
}

type fakeDir struct{ a fakeAuthz }

func (d fakeDir) UsersWhoCan(ctx context.Context, tenant, obj, act string) ([]Person, error) {
	var out []Person
	for u := range d.a.grants {
		if ok, _ := d.a.Enforce(ctx, u, tenant, obj, act); ok {
			out = append(out, Person{ID: u, Email: u + "@test.vn", Name: u})
		}
	}
	slices.SortFunc(out, func(a, b Person) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (d fakeDir) Person(_ context.Context, id string) (Person, error) {
	return Person{ID: id, Email: id + "@test.vn", Name: id}, nil
}

func (d fakeDir) UsersWithRole(_ context.Context, tenant, role string) ([]Person, error) {
	return []Person{{ID: role + "-" + tenant, Email: role + "@test.vn"}}, nil
}

// memSubject is a subject kept in memory (unit-test fake for a plan).
type memSubject struct {
	mu       sync.Mutex
	workflow string
	status   map[string]string
}

func (s *memSubject) Workflow(_ context.Context, _ bun.IDB, tenant, id string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.status[tenant+"/"+id]; !ok {
		return "", core.Errorf(core.ENOTFOUND, "Không tìm thấy.")
	}
	return s.workflow, nil
}

func (s *memSubject) Load(_ context.Context, _ bun.IDB, tenant, id string) (SubjectInfo, error) {
	return SubjectInfo{Title: "Kế hoạch " + id, AuthorID: "planner", Link: "/t/" + tenant + "/plans/" + id}, nil
}

func (s *memSubject) SetStatus(_ context.Context, _ bun.Tx, tenant, id, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[tenant+"/"+id] = status
	return nil
}

var planPerms = map[string]map[string][]string{
	"planner":   {"p79": {"plan.submit"}},
	"approver":  {"p79": {"plan.approve", "plan.return", "plan.reject"}},
	"approver2": {"p79": {"plan.approve", "plan.return", "plan.reject"}},
	"recorder":  {"p79": {"plan.record_decision"}},
	"reviewer":  {"p79": {"plan.review", "plan.return", "plan.reject"}, "p01": {"plan.review"}, "tw": {"plan.review"}},
	"finance":   {"tw": {"budget.consolidate", "budget.approve"}},
	"deputy":    {"p79": {}},
}

type fixture struct {
	db       *sqldb.DB
	e        *Engine
	plans    *memSubject
	budgets  *memSubject
	hookRuns int
}

func newFixture(t *testing.T, db *sqldb.DB) *fixture {
	t.Helper()
	a := fakeAuthz{grants: planPerms}
	f := &fixture{db: db, plans: &memSubject{workflow: "annual_plan", status: map[string]string{}},
		budgets: &memSubject{workflow: "budget_consolidation", status: map[string]string{}}}
	f.e = New(Options{DB: db, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), Authz: a, Dir: fakeDir{a}})
	if err := f.e.SyncShipped(context.Background(), configs.FS, "workflows"); err != nil {
		t.Fatal(err)
	}
	f.e.RegisterSubject("plan", f.plans)
	f.e.RegisterSubject("budget", f.budgets)
	noop := func(context.Context, bun.Tx, Call) error { return nil }
	for _, g := range []string{"plan_valid", "plan_rules", "budget_compiled"} {
		f.e.RegisterGuard(g, noop)
	}
	f.e.RegisterHook("snapshot_version", func(context.Context, bun.Tx, Call) error { f.hookRuns++; return nil })
	f.e.RegisterJob("recompute_consolidation", "test.recompute")
	return f
}

func who(id string) core.Principal { return core.Principal{UserID: id, Name: id} }

func (f *fixture) fire(t *testing.T, user, typ, id, action, comment string, fields map[string]string) error {
	t.Helper()
	_, err := f.e.Fire(context.Background(), who(user), map[string]string{"plan": "p79", "budget": "tw"}[typ], typ, id,
		FireInput{Action: action, Comment: comment, Fields: fields})
	return err
}

func mustFire(t *testing.T, f *fixture, user, typ, id, action, comment string, fields map[string]string) {
	t.Helper()
	if err := f.fire(t, user, typ, id, action, comment, fields); err != nil {
		t.Fatalf("%s %s: %v", user, action, err)
	}
}

func (f *fixture) pdf(t *testing.T) string {
	t.Helper()
	file, err := f.e.Upload(context.Background(), who("recorder"), "p79", "qd.pdf", []byte("%PDF-1.4 quyết định"))
	if err != nil {
		t.Fatal(err)
	}
	return file.ID
}

func code(err error) string { return core.ErrorCode(err) }

func TestAnnualPlanEndToEnd(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		f.plans.status["p79/plan1"] = "draft"
		ctx := context.Background()

		if err := f.fire(t, "approver", "plan", "plan1", "submit", "", nil); code(err) != core.EFORBIDDEN {
			t.Fatalf("approver submitting: want forbidden, got %v", err)
		}
		mustFire(t, f, "planner", "plan", "plan1", "submit", "", nil)
		if err := f.fire(t, "approver", "plan", "plan1", "return", "  ", nil); code(err) != core.EINVALID {
			t.Fatalf("return without comment: want invalid, got %v", err)
		}
		mustFire(t, f, "approver", "plan", "plan1", "approve", "Đồng ý", nil)
		if err := f.fire(t, "recorder", "plan", "plan1", "record_decision", "", map[string]string{"decision_number": "12/QĐ-UBND"}); code(err) != core.EINVALID {
			t.Fatalf("decision without date and pdf: want invalid, got %v", err)
		}
		fields := map[string]string{"decision_number": "12/QĐ-UBND", "decision_date": "05/03/2026", "decision_pdf": f.pdf(t)}
		mustFire(t, f, "recorder", "plan", "plan1", "record_decision", "", fields)
		mustFire(t, f, "reviewer", "plan", "plan1", "return", "Lớp 3 trùng nội dung với chương trình TW tổ chức, đề nghị điều chỉnh", nil)
		if got := f.plans.status["p79/plan1"]; got != "returned" {
			t.Fatalf("status after return = %q", got)
		}
		mustFire(t, f, "planner", "plan", "plan1", "submit", "Đã điều chỉnh lớp 3", nil)
		mustFire(t, f, "approver", "plan", "plan1", "approve", "", nil)
		mustFire(t, f, "recorder", "plan", "plan1", "record_decision", "", fields)
		mustFire(t, f, "reviewer", "plan", "plan1", "central_approve", "Phê duyệt", nil)
		if got := f.plans.status["p79/plan1"]; got != "approved" {
			t.Fatalf("final status = %q", got)
		}
		if f.hookRuns != 2 {
			t.Fatalf("snapshot hook ran %d times, want 2 (one per submission)", f.hookRuns)
		}
		hs, err := f.e.History(ctx, "p79", "plan", "plan1")
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, h := range hs {
			actions = append(actions, h.Action)
		}
		want := "submit approve record_decision return submit approve record_decision central_approve"
		if strings.Join(actions, " ") != want {
			t.Fatalf("history = %v", actions)
		}
		if hs[3].Comment == "" || hs[3].ActorID != "reviewer" || hs[3].FromState != "central_review" || hs[3].ToState != "returned" {
			t.Fatalf("return row = %+v", hs[3])
		}
		// Effects went to the outbox in the same transactions.
		n, err := db.Read.NewSelect().Model((*outbox.Row)(nil)).Where("kind = ?", notifyJob).Count(ctx)
		if err != nil || n < 8 {
			t.Fatalf("notify jobs = %d (%v)", n, err)
		}
		n, err = db.Read.NewSelect().Model((*outbox.Row)(nil)).Where("kind = ?", "test.recompute").Count(ctx)
		if err != nil || n != 1 {
			t.Fatalf("recompute jobs = %d (%v)", n, err)
		}
		// A finished plan offers nothing, and firing on it is a conflict.
		st, err := f.e.Status(ctx, who("reviewer"), "p79", "plan", "plan1")
		if err != nil || len(st.Actions) != 1 || st.Actions[0].Action != "reopen" {
			t.Fatalf("actions on approved plan: %+v %v", st, err)
		}
		if err := f.fire(t, "approver", "plan", "plan1", "approve", "", nil); code(err) != core.ECONFLICT {
			t.Fatalf("approve after approval: want conflict, got %v", err)
		}
		// A missing subject answers not found.
		if err := f.fire(t, "planner", "plan", "nope", "submit", "", nil); code(err) != core.ENOTFOUND {
			t.Fatalf("missing plan: %v", err)
		}
	})
}

func TestConcurrentApprovalsOneWins(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		f.plans.status["p79/p"] = "draft"
		mustFire(t, f, "planner", "plan", "p", "submit", "", nil)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, u := range []string{"approver", "approver2"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = f.fire(t, u, "plan", "p", "approve", "", nil)
			}()
		}
		wg.Wait()
		ok, conflict := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case code(err) == core.ECONFLICT:
				conflict++
				if !strings.Contains(core.ErrorMessage(err), "người khác") {
					t.Errorf("conflict message not clear: %q", core.ErrorMessage(err))
				}
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 || conflict != 1 {
			t.Fatalf("ok=%d conflict=%d, want exactly one winner", ok, conflict)
		}
	})
}

// runTimer runs the SLA handler for the timer rows of the instance, as the
// worker would when Asynq delivers them (possibly late).
func runTimers(t *testing.T, f *fixture, tenant, kind string) int {
	t.Helper()
	ctx := context.Background()
	var rows []outbox.Row
	if err := f.db.Read.NewSelect().Model(&rows).Where("kind = ? AND tenant_id = ? AND id LIKE ?", timerJob, tenant, "%:"+kind).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.ProcessAt == nil || !r.ProcessAt.After(r.CreatedAt) {
			t.Fatalf("timer %s is not delayed", r.ID)
		}
		err := f.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return f.e.handleTimer(ctx, tx, outbox.Delivery{ID: r.ID, Tenant: tenant, Kind: r.Kind, Payload: r.Payload})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return len(rows)
}

func countNotes(t *testing.T, db *sqldb.DB, kind string) int {
	t.Helper()
	n, err := db.Read.NewSelect().Model((*Notification)(nil)).Where("kind = ?", kind).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestTimersRemindEscalateAndFireLate(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.plans.status["p79/late"] = "draft"
		f.plans.status["p79/slow"] = "draft"
		mustFire(t, f, "planner", "plan", "late", "submit", "", nil)
		mustFire(t, f, "approver", "plan", "late", "approve", "", nil) // moved on before its timers fire
		mustFire(t, f, "planner", "plan", "slow", "submit", "", nil)

		// "late" entered submitted then leadership_approved; "slow" is still submitted.
		runTimers(t, f, "p79", "remind")
		// slow (submitted): approver and approver2; late's first timer is stale and
		// does nothing; late's leadership_approved timer is valid: recorder,
		// approver and approver2 (who may return it).
		if n := countNotes(t, db, "remind"); n != 5 {
			t.Fatalf("reminders = %d, want 5", n)
		}
		runTimers(t, f, "p79", "escalate")
		st, err := f.e.Status(ctx, who("approver"), "p79", "plan", "slow")
		if err != nil || !st.Instance.Escalated {
			t.Fatalf("slow plan not escalated: %+v %v", st, err)
		}
		late, err := f.e.Status(ctx, who("approver"), "p79", "plan", "late")
		if err != nil || late.Instance.Escalated {
			t.Fatalf("late timer escalated a plan that had moved on: %v", err)
		}
		hs, _ := f.e.History(ctx, "p79", "plan", "slow")
		if last := hs[len(hs)-1]; last.Action != "escalate" || last.ActorID != "system" {
			t.Fatalf("escalation history = %+v", last)
		}
		if n := countNotes(t, db, "escalate"); n != 1 {
			t.Fatalf("escalation notices = %d", n)
		}
		// Running the same timers again (a duplicate delivery) changes nothing.
		runTimers(t, f, "p79", "escalate")
		if n := countNotes(t, db, "escalate"); n != 1 {
			t.Fatalf("duplicate escalation notices = %d", n)
		}
	})
}

func TestDelegation(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.plans.status["p79/d"] = "draft"
		mustFire(t, f, "planner", "plan", "d", "submit", "", nil)
		if err := f.fire(t, "deputy", "plan", "d", "approve", "", nil); code(err) != core.EFORBIDDEN {
			t.Fatalf("deputy without delegation: %v", err)
		}
		if _, err := f.e.Delegate(ctx, who("approver"), "p79", "deputy", time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		items, err := f.e.Inbox(ctx, who("deputy"))
		if err != nil || len(items) != 1 || items[0].Actions[0].OnBehalfOf != "approver" {
			t.Fatalf("deputy inbox: %+v %v", items, err)
		}
		mustFire(t, f, "deputy", "plan", "d", "approve", "Thay mặt đồng chí Phó Bí thư", nil)
		hs, _ := f.e.History(ctx, "p79", "plan", "d")
		if last := hs[len(hs)-1]; last.ActorID != "deputy" || last.OnBehalfOf != "approver" {
			t.Fatalf("history = %+v", last)
		}
		// An expired delegation no longer works.
		if _, err := f.e.Delegate(ctx, who("recorder"), "p79", "deputy", time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := f.fire(t, "deputy", "plan", "d", "record_decision", "", nil); code(err) != core.EFORBIDDEN {
			t.Fatalf("expired delegation: %v", err)
		}
	})
}

func TestParallelAllOf(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		f.budgets.status["tw/2027"] = "compiling"
		mustFire(t, f, "finance", "budget", "2027", "submit_review", "", nil)
		mustFire(t, f, "reviewer", "budget", "2027", "step:organisation", "", nil)
		if err := f.fire(t, "reviewer", "budget", "2027", "step:organisation", "", nil); code(err) != core.ECONFLICT {
			t.Fatalf("step twice: %v", err)
		}
		if got := f.budgets.status["tw/2027"]; got != "review" {
			t.Fatalf("after one of two steps: %q", got)
		}
		mustFire(t, f, "finance", "budget", "2027", "step:finance", "", nil)
		if got := f.budgets.status["tw/2027"]; got != "reviewed" {
			t.Fatalf("after both steps: %q", got)
		}
		mustFire(t, f, "finance", "budget", "2027", "approve", "", nil)
		err := f.fire(t, "finance", "budget", "2027", "record_sent", "", map[string]string{"sent_number": "45/TWĐTN-VP", "sent_date": "15/07/2026"})
		if err != nil || f.budgets.status["tw/2027"] != "sent" {
			t.Fatalf("record_sent: %v %q", err, f.budgets.status["tw/2027"])
		}
	})
}

func TestOverrideKeepsRunningInstancesOnTheirVersion(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.plans.status["p79/old"] = "draft"
		f.plans.status["p79/new"] = "draft"
		mustFire(t, f, "planner", "plan", "old", "submit", "", nil)
		src, err := configs.FS.ReadFile("workflows/annual_plan.yaml")
		if err != nil {
			t.Fatal(err)
		}
		// The tenant's version renames the first review step.
		mod := strings.Replace(string(src), "title: Đã gửi, chờ lãnh đạo duyệt", "title: Chờ Ban Thường vụ duyệt", 1)
		if _, err := f.e.Override(ctx, "p79", "admin", []byte(strings.Replace(mod, "initial: draft", "initial: nowhere", 1))); code(err) != core.EINVALID {
			t.Fatalf("bad override accepted: %v", err)
		} else if fe := core.ErrorFields(err); len(fe) == 0 || fe[0].Row == 0 {
			t.Fatalf("override problems carry no line: %+v", fe)
		}
		info, err := f.e.Override(ctx, "p79", "admin", []byte(mod))
		if err != nil || info.Version != 1 || info.Tenant != "p79" {
			t.Fatalf("override: %+v %v", info, err)
		}
		old, err := f.e.Status(ctx, who("approver"), "p79", "plan", "old")
		if err != nil || old.StateTitle != "Đã gửi, chờ lãnh đạo duyệt" {
			t.Fatalf("running instance left its version: %+v %v", old, err)
		}
		mustFire(t, f, "planner", "plan", "new", "submit", "", nil)
		nw, err := f.e.Status(ctx, who("approver"), "p79", "plan", "new")
		if err != nil || nw.StateTitle != "Chờ Ban Thường vụ duyệt" || nw.DefVersion == old.DefVersion {
			t.Fatalf("new instance not on the override: %+v %v", nw, err)
		}
	})
}

func TestInboxAcrossTenants(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.plans.status["p79/a"] = "draft"
		f.plans.status["p79/b"] = "draft"
		mustFire(t, f, "planner", "plan", "a", "submit", "", nil)
		items, err := f.e.Inbox(ctx, who("approver"))
		if err != nil || len(items) != 1 || items[0].SubjectID != "a" || items[0].DueAt == nil {
			t.Fatalf("approver inbox: %+v %v", items, err)
		}
		if items, _ := f.e.Inbox(ctx, who("reviewer")); len(items) != 0 {
			t.Fatalf("reviewer sees a plan not yet at central review: %+v", items)
		}
		if items, _ := f.e.Inbox(ctx, who("planner")); len(items) != 0 {
			t.Fatalf("drafts are not inbox items: %+v", items)
		}
	})
}
