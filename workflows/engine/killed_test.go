package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
	"doanbd/core/testenv"
	"doanbd/workflows/outbox"
	"doanbd/workflows/queue"
)

// Environment of the child process (TestEffectsChild).
const (
	envEffChild = "DOANBD_WF_CHILD" // block-notify, block-mail or normal
	envEffDB    = "DOANBD_WF_CHILD_DB"
	envEffRedis = "DOANBD_WF_CHILD_REDIS" // "embedded" or "addr/db"
	envEffSMTP  = "DOANBD_WF_CHILD_SMTP"
)

// recomputeTable records each run of the recompute effect's job.
const recomputeTable = "test_recomputes"

// TestEffectsChild is not a test: it is the body of the child process that
// TestKilledDuringEffects starts (this test binary run again). It runs the
// engine's relay and worker until it is killed. In block-notify mode every
// notification handler stops inside its transaction, right after writing
// the notifications; in block-mail mode every e-mail stops before it is
// handed to the SMTP server. Either prints "BLOCKED" and waits for SIGKILL.
func TestEffectsChild(t *testing.T) {
	mode := os.Getenv(envEffChild)
	if mode == "" {
		t.Skip("runs only as the child process of TestKilledDuringEffects")
	}
	ctx := context.Background()
	o := sqldb.Options{Path: os.Getenv(envEffDB)}
	if strings.HasPrefix(o.Path, "postgres://") {
		o = sqldb.Options{URL: o.Path}
	}
	db, err := sqldb.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	var stdout sync.Mutex
	blocked := func() {
		stdout.Lock()
		fmt.Println("BLOCKED")
		stdout.Unlock()
		select {} // until SIGKILL
	}
	if mode == "block-notify" {
		db.AddQueryHook(afterInsertHook{table: "notifications", then: blocked})
	}
	f := newFixture(t, db)
	f.e.mail = SMTPMailer{Addr: os.Getenv(envEffSMTP), From: "doanbd <no-reply@doanbd.vn>"}
	if mode == "block-mail" {
		f.e.mail = mailerFunc(func(context.Context, string, string, string) error { blocked(); return nil })
	}
	var conn asynq.RedisClientOpt
	if r := os.Getenv(envEffRedis); r == "embedded" {
		emb, err := queue.StartEmbedded() // lives and dies with this process
		if err != nil {
			t.Fatal(err)
		}
		conn = asynq.RedisClientOpt{Addr: emb.Addr()}
	} else {
		addr, n, _ := strings.Cut(r, "/")
		dbn, _ := strconv.Atoi(n)
		conn = asynq.RedisClientOpt{Addr: addr, DB: dbn}
	}
	startWorkers(t, db, f.e, conn, func(ctx context.Context, tx bun.Tx, d outbox.Delivery) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO "+recomputeTable+" (delivery_id) VALUES (?)", d.ID)
		return err
	})
	fmt.Println("RUNNING")
	select {}
}

// afterInsertHook calls then after every INSERT into table (inside its
// transaction, before the commit).
type afterInsertHook struct {
	table string
	then  func()
}

func (afterInsertHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (h afterInsertHook) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if e.Err == nil && strings.HasPrefix(e.Query, `INSERT INTO "`+h.table+`"`) {
		h.then()
	}
}

type mailerFunc func(ctx context.Context, to, subject, body string) error

func (f mailerFunc) Send(ctx context.Context, to, subject, body string) error {
	return f(ctx, to, subject, body)
}

// TestKilledDuringEffects: a plan goes through the whole chain; the process
// running its effects is killed (SIGKILL) in the middle of them — inside a
// notification handler's transaction, or while e-mails are being sent —
// and started again. Then every notification, every e-mail (through a real
// SMTP server) and the recompute job happened exactly once. With the
// embedded queue the restart begins with an empty queue; on Redis the killed
// worker's tasks stay "active" until their lease expires (30 s).
func TestKilledDuringEffects(t *testing.T) {
	t.Parallel() // mostly waits for leases: overlap the cases
	for _, dialect := range []string{sqldb.SQLite, sqldb.Postgres} {
		for _, mode := range []string{"block-notify", "block-mail"} {
			t.Run(dialect+"/"+mode, func(t *testing.T) {
				t.Parallel()
				killDuringEffects(t, dialect, mode)
			})
		}
	}
}

func killDuringEffects(t *testing.T, dialect, mode string) {
	ctx := context.Background()
	db, owner, dbURL := openForChild(t, dialect)
	if _, err := owner.ExecContext(ctx, "CREATE TABLE "+recomputeTable+" (delivery_id TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, db)
	f.plans.status["p79/k"] = "draft"
	mustFire(t, f, "planner", "plan", "k", "submit", "", nil)
	mustFire(t, f, "approver", "plan", "k", "approve", "", nil)
	mustFire(t, f, "recorder", "plan", "k", "record_decision", "",
		map[string]string{"decision_number": "12/QĐ-UBND", "decision_date": "05/03/2026", "decision_pdf": f.pdf(t)})
	mustFire(t, f, "reviewer", "plan", "k", "central_approve", "Phê duyệt", nil)
	// submit → approver, approver2; approve → recorder, approver, approver2;
	// record_decision → reviewer; central_approve → the author (planner).
	const wantNotes = 7
	sink := testenv.StartSMTPSink(t)
	redis := "embedded"
	if dialect == sqldb.Postgres {
		addr, n := testenv.Redis(t)
		redis = addr + "/" + strconv.Itoa(n)
	}
	env := []string{envEffDB + "=" + dbURL, envEffRedis + "=" + redis, envEffSMTP + "=" + sink.Addr()}

	c1 := startEffectsChild(t, mode, env)
	c1.Expect(t, "BLOCKED", 1)
	c1.Kill()
	if n := len(sink.Messages()); n != 0 {
		t.Fatalf("%d e-mails sent before the kill; the child should have stopped before any", n)
	}
	if mode == "block-notify" {
		if n := countAllNotes(t, owner); n != 0 {
			t.Fatalf("%d notifications of killed handlers were committed", n)
		}
	}

	c2 := startEffectsChild(t, "normal", env)
	c2.Expect(t, "RUNNING", 1)
	waitLong(t, "every effect after the restart", func() bool {
		st, err := outbox.ReadStats(ctx, db) // SLA timers (due in days) are not due
		return err == nil && st.OldestDueAge == 0 && countAllNotes(t, owner) == wantNotes &&
			len(sink.Messages()) == wantNotes && countRecomputes(t, owner) == 1
	})
	c2.Kill() // nothing can run twice after this: check the totals
	if n := countAllNotes(t, owner); n != wantNotes {
		t.Fatalf("%d notifications, want %d", n, wantNotes)
	}
	if n := countRecomputes(t, owner); n != 1 {
		t.Fatalf("recompute job ran %d times in effect, want once", n)
	}
	var mails []string
	for _, m := range sink.Messages() {
		mails = append(mails, strings.Join(m.To, ",")+" "+subjectOf(m.Data))
	}
	sort.Strings(mails)
	for i := 1; i < len(mails); i++ {
		if mails[i] == mails[i-1] {
			t.Fatalf("e-mail sent twice: %s (all: %v)", mails[i], mails)
		}
	}
	if len(mails) != wantNotes {
		t.Fatalf("%d e-mails, want %d: %v", len(mails), wantNotes, mails)
	}
}

// openForChild returns a migrated database as the application and as its
// owner, and what a child process opens it with (SQLite path or AppURL).
func openForChild(t *testing.T, dialect string) (db, owner *sqldb.DB, url string) {
	t.Helper()
	open := func(o sqldb.Options) *sqldb.DB {
		d, err := sqldb.Open(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		return d
	}
	if dialect == sqldb.Postgres {
		pg := testenv.Postgres(t)
		owner = open(sqldb.Options{URL: pg.OwnerURL, MaxConns: 4})
		db, url = open(sqldb.Options{URL: pg.AppURL, MaxConns: 8}), pg.AppURL
	} else {
		url = filepath.Join(t.TempDir(), "doanbd.db")
		owner = open(sqldb.Options{Path: url})
		db = owner
	}
	if _, err := owner.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, owner, url
}

func countAllNotes(t *testing.T, owner *sqldb.DB) int {
	t.Helper()
	n, err := owner.NewSelect().Model((*Notification)(nil)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func countRecomputes(t *testing.T, owner *sqldb.DB) int {
	t.Helper()
	var n int
	if err := owner.QueryRowContext(context.Background(), "SELECT count(*) FROM "+recomputeTable).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// subjectOf returns the encoded Subject header of a raw message.
func subjectOf(data string) string {
	for _, l := range strings.Split(data, "\r\n") {
		if s, ok := strings.CutPrefix(l, "Subject: "); ok {
			return s
		}
	}
	return ""
}

// waitLong waits for cond: a hang guard far beyond the 30 s lease of a
// killed worker's tasks on Redis, not a timing assertion.
func waitLong(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func startEffectsChild(t *testing.T, mode string, env []string) *testenv.Child {
	t.Helper()
	return testenv.StartChild(t, "TestEffectsChild", append([]string{envEffChild + "=" + mode}, env...)...)
}
