package testenv_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"

	"doanbd/core/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(ctx(t), url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func exec(t *testing.T, c *pgx.Conn, sql string) {
	t.Helper()
	if _, err := c.Exec(ctx(t), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestPostgresRoles(t *testing.T) {
	pg := testenv.Postgres(t)
	owner := connect(t, pg.OwnerURL)
	app := connect(t, pg.AppURL)

	var db, user string
	var super bool
	if err := owner.QueryRow(ctx(t), `SELECT current_database(), current_user, rolsuper FROM pg_roles WHERE rolname = current_user`).
		Scan(&db, &user, &super); err != nil {
		t.Fatal(err)
	}
	if db != pg.Database || !super {
		t.Fatalf("owner: database %q superuser %v, want %q true", db, super, pg.Database)
	}

	var bypass, createdb, createrole bool
	if err := app.QueryRow(ctx(t), `SELECT current_database(), current_user, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole
		FROM pg_roles WHERE rolname = current_user`).Scan(&db, &user, &super, &bypass, &createdb, &createrole); err != nil {
		t.Fatal(err)
	}
	if db != pg.Database || user != "doanbd_app" {
		t.Fatalf("app connected to %q as %q", db, user)
	}
	if super || bypass || createdb || createrole {
		t.Fatalf("doanbd_app: superuser=%v bypassrls=%v createdb=%v createrole=%v, want all false", super, bypass, createdb, createrole)
	}
	var dbOwner string
	if err := app.QueryRow(ctx(t), `SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()`).Scan(&dbOwner); err != nil {
		t.Fatal(err)
	}
	if dbOwner == "doanbd_app" {
		t.Fatal("doanbd_app owns the database")
	}

	// USAGE only on schema public: the app cannot create tables.
	_, err := app.Exec(ctx(t), `CREATE TABLE app_made (id int)`)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Fatalf("app CREATE TABLE: got %v, want insufficient_privilege (42501)", err)
	}

	// Row-level security applies to the app (not owner, no BYPASSRLS).
	exec(t, owner, `CREATE TABLE secrets (tenant int NOT NULL)`)
	exec(t, owner, `INSERT INTO secrets VALUES (1), (2), (2)`)
	exec(t, owner, `ALTER TABLE secrets ENABLE ROW LEVEL SECURITY`)
	exec(t, owner, `CREATE POLICY only_one ON secrets USING (tenant = 1)`)
	exec(t, owner, `GRANT SELECT ON secrets TO doanbd_app`)
	var n int
	if err := app.QueryRow(ctx(t), `SELECT count(*) FROM secrets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("app sees %d rows through RLS, want 1", n)
	}
}

func TestPostgresFreshDatabases(t *testing.T) {
	a, b := testenv.Postgres(t), testenv.Postgres(t)
	if a.Database == b.Database || a.OwnerURL == b.OwnerURL || a.AppURL == b.AppURL {
		t.Fatalf("two calls gave the same database: %+v %+v", a, b)
	}
	exec(t, connect(t, a.OwnerURL), `CREATE TABLE marker (id int)`)
	var found *string
	if err := connect(t, b.OwnerURL).QueryRow(ctx(t), `SELECT to_regclass('marker')::text`).Scan(&found); err != nil {
		t.Fatal(err)
	}
	if found != nil {
		t.Fatalf("table from %s visible in %s", a.Database, b.Database)
	}
}

func TestPostgresDroppedOnCleanup(t *testing.T) {
	var name string
	var leaked *pgx.Conn
	t.Run("inner", func(t *testing.T) {
		pg := testenv.Postgres(t)
		name = pg.Database
		c, err := pgx.Connect(context.Background(), pg.AppURL) // left open: DROP ... WITH (FORCE)
		if err != nil {
			t.Fatal(err)
		}
		leaked = c
	})
	if leaked != nil {
		defer leaked.Close(context.Background())
	}
	other := connect(t, testenv.Postgres(t).OwnerURL)
	var n int
	if err := other.QueryRow(ctx(t), `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if name == "" || n != 0 {
		t.Fatalf("database %q still exists after its test ended", name)
	}
}

func newClient(t *testing.T, addr string, db int) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, DB: db, DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRedisRoundTrip(t *testing.T) {
	addr, db := testenv.Redis(t)
	c := newClient(t, addr, db)
	if err := c.Set(ctx(t), "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get(ctx(t), "k").Result(); err != nil || v != "v" {
		t.Fatalf("GET k = %q, %v", v, err)
	}

	addr2, db2 := testenv.Redis(t)
	if addr2 != addr || db2 == db {
		t.Fatalf("second Redis(): %s/%d, first %s/%d: want same server, other DB", addr2, db2, addr, db)
	}
	if err := newClient(t, addr2, db2).Get(ctx(t), "k").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("key leaked across DB indexes: %v", err)
	}
}

func TestRedisStopStart(t *testing.T) {
	addr, db := testenv.Redis(t)
	c := newClient(t, addr, db)
	if err := c.Set(ctx(t), "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	testenv.StopRedis(t)
	if err := c.Ping(ctx(t)).Err(); err == nil {
		t.Fatal("PING succeeded while redis is stopped")
	}
	testenv.StartRedis(t)
	if err := c.Ping(ctx(t)).Err(); err != nil {
		t.Fatalf("PING after StartRedis: %v", err)
	}
	if err := c.Set(ctx(t), "k2", "v2", 0).Err(); err != nil {
		t.Fatal(err)
	}

	// A test that forgets StartRedis gets it restarted by its cleanup.
	t.Run("forgets to restart", func(t *testing.T) { testenv.StopRedis(t) })
	if err := c.Ping(ctx(t)).Err(); err != nil {
		t.Fatalf("PING after a subtest left redis stopped: %v", err)
	}
}

// Many tests asking at once get distinct databases and DB indexes (run with -race).
func TestParallelCallers(t *testing.T) {
	for i := 0; i < 6; i++ {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			pg := testenv.Postgres(t)
			addr, db := testenv.Redis(t)
			exec(t, connect(t, pg.OwnerURL), `CREATE TABLE mine (id int)`)
			c := newClient(t, addr, db)
			if n, err := c.Incr(ctx(t), "counter").Result(); err != nil || n != 1 {
				t.Fatalf("INCR on a fresh DB %d = %d, %v; want 1 (DB shared or not flushed)", db, n, err)
			}
		})
	}
}
