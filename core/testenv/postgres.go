package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// appRole is the unprivileged login role that Postgres creates on the server and
// that PG.AppURL connects as.
const appRole = "doanbd_app"

// readyTimeout bounds how long a server may take to accept connections.
const readyTimeout = 30 * time.Second

// PG is a fresh, empty database on the shared throwaway PostgreSQL server.
type PG struct {
	OwnerURL string // superuser/owner connection to a fresh database: run migrations with this
	AppURL   string // login role "doanbd_app" (NOSUPERUSER NOBYPASSRLS, not owner) on the same database
	Database string // name of the database, t_<n>
}

// Postgres returns a fresh, empty database on a throwaway PostgreSQL server that is
// started once per test binary (initdb into a temp dir, postgres on a free 127.0.0.1
// port with fsync=off, unix sockets in the temp dir). Each call creates a new
// database (CREATE DATABASE t_<n>) and drops it (WITH (FORCE)) in tb.Cleanup.
//
// The superuser is "postgres" (password "postgres"); it owns the database and is what
// OwnerURL connects as. The role doanbd_app (LOGIN PASSWORD 'app', NOSUPERUSER
// NOBYPASSRLS NOCREATEDB NOCREATEROLE) is created once on the server; each new
// database GRANTs it CONNECT, and USAGE (not CREATE) on schema public. Privileges on
// the tables themselves are the migrations' business, as in production.
//
// If the PostgreSQL binaries are missing, tb is skipped with a loud message naming
// the Debian package "postgresql", unless RequireExternal(), then tb fails with the
// same message. When the test binary runs as root, the server runs as the
// "postgres" system user (else "nobody"), because initdb refuses to run as root.
func Postgres(tb testing.TB) PG {
	tb.Helper()
	s, err := getPG()
	if err != nil {
		unavailable(tb, err)
		return PG{}
	}
	name := "t_" + strconv.FormatInt(pgSeq.Add(1), 10)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.adminExec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("testenv: create database %s: %v\npostgres log:\n%s", name, err, logTail(s.p.log))
		return PG{}
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.adminExec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("testenv: drop database %s: %v", name, err)
		}
	})
	if err := s.adminExec(ctx, "GRANT CONNECT ON DATABASE "+name+" TO "+appRole); err != nil {
		tb.Fatalf("testenv: grant connect on %s: %v", name, err)
		return PG{}
	}
	// Schema grants are per database: connect to it over the unix socket (trust auth).
	c, err := pgx.Connect(ctx, s.socketURL(name))
	if err != nil {
		tb.Fatalf("testenv: connect to %s: %v", name, err)
		return PG{}
	}
	_, err = c.Exec(ctx, "GRANT USAGE ON SCHEMA public TO "+appRole)
	c.Close(ctx)
	if err != nil {
		tb.Fatalf("testenv: grant usage on schema public in %s: %v", name, err)
		return PG{}
	}
	return PG{
		OwnerURL: s.tcpURL("postgres", "postgres", name),
		AppURL:   s.tcpURL(appRole, "app", name),
		Database: name,
	}
}

// ---- server ----------------------------------------------------------------

type pgServer struct {
	dir  string // temp dir: logs; pg/ holds data/ and the unix sockets
	sock string // unix socket directory
	port int
	p    *proc

	mu    sync.Mutex // guards admin
	admin *pgx.Conn  // superuser connection to database "postgres"
}

var (
	pgOnce sync.Once
	pgSrv  *pgServer
	pgErr  error
	pgSeq  atomic.Int64

	// pgGlob is where Debian installs PostgreSQL, one directory per major version.
	pgGlob = "/usr/lib/postgresql/*/bin"
)

func getPG() (*pgServer, error) {
	pgOnce.Do(func() {
		pgSrv, pgErr = startPG()
		if pgErr == nil {
			onStop(pgSrv.stop)
		}
	})
	return pgSrv, pgErr
}

func (s *pgServer) tcpURL(user, password, db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(user, password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)),
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

func (s *pgServer) socketURL(db string) string {
	q := url.Values{"host": {s.sock}, "port": {strconv.Itoa(s.port)}, "sslmode": {"disable"}}
	return "postgres://postgres@/" + db + "?" + q.Encode()
}

// adminExec runs one statement on the shared superuser connection, reconnecting
// if it was lost.
func (s *pgServer) adminExec(ctx context.Context, sql string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.admin == nil || s.admin.IsClosed() {
		c, err := pgx.Connect(ctx, s.socketURL("postgres"))
		if err != nil {
			return err
		}
		s.admin = c
	}
	_, err := s.admin.Exec(ctx, sql)
	return err
}

// findPG returns the initdb and postgres binaries: from PATH if both are there,
// else from the highest version in /usr/lib/postgresql/*/bin.
func findPG() (initdb, postgres string, err error) {
	i, err1 := exec.LookPath("initdb")
	p, err2 := exec.LookPath("postgres")
	if err1 == nil && err2 == nil {
		return i, p, nil
	}
	dirs, _ := filepath.Glob(pgGlob)
	sort.Slice(dirs, func(a, b int) bool { // highest version first
		return versionLess(filepath.Base(filepath.Dir(dirs[b])), filepath.Base(filepath.Dir(dirs[a])))
	})
	for _, d := range dirs {
		i, p := filepath.Join(d, "initdb"), filepath.Join(d, "postgres")
		if isExecutable(i) && isExecutable(p) {
			return i, p, nil
		}
	}
	return "", "", missingBinary("PostgreSQL server binaries (initdb, postgres)", "PATH and "+pgGlob, "postgresql")
}

// versionLess compares dotted numeric versions ("9.6" < "15" < "16").
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for k := 0; k < len(as) || k < len(bs); k++ {
		var x, y int
		if k < len(as) {
			x, _ = strconv.Atoi(as[k])
		}
		if k < len(bs) {
			y, _ = strconv.Atoi(bs[k])
		}
		if x != y {
			return x < y
		}
	}
	return a < b
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode().Perm()&0o111 != 0
}

// serverEnv is the environment for initdb/postgres: ours, without libpq/PG* settings,
// in the C locale (so that log messages are in English).
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LANG=C", "LC_ALL=C")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startPG() (_ *pgServer, err error) {
	initdb, postgres, err := findPG()
	if err != nil {
		return nil, err
	}
	cred, err := serverUser()
	if err != nil {
		return nil, err
	}
	dir, err := makeTempDir(tempBase(cred != nil))
	if err != nil {
		return nil, fmt.Errorf("testenv: postgres temp dir: %w", err)
	}
	s := &pgServer{dir: dir, sock: filepath.Join(dir, "pg")}
	defer func() {
		if err != nil {
			s.stop()
		}
	}()
	if err := os.Mkdir(s.sock, 0o700); err != nil {
		return nil, err
	}
	pwfile := filepath.Join(s.sock, "pwfile")
	if err := os.WriteFile(pwfile, []byte("postgres\n"), 0o600); err != nil {
		return nil, err
	}
	if cred != nil {
		for _, p := range []string{s.sock, pwfile} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				return nil, fmt.Errorf("testenv: chown %s to the postgres user: %w", p, err)
			}
		}
	}
	data := filepath.Join(s.sock, "data")
	cmd := exec.Command(initdb, "-D", data, "-U", "postgres", "--pwfile="+pwfile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
	cmd.Env = serverEnv()
	cmd.Dir = s.sock // our cwd may not be readable by the postgres user
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("testenv: %s failed: %v\n%s", initdb, err, strings.TrimSpace(string(out)))
	}
	os.Remove(pwfile)

	// A free port can be taken by someone else before postgres binds it: retry.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(postgres, "-D", data, "-p", strconv.Itoa(port),
			"-c", "listen_addresses=127.0.0.1",
			"-c", "unix_socket_directories="+s.sock,
			"-c", "fsync=off",
			"-c", "synchronous_commit=off",
			"-c", "full_page_writes=off",
			"-c", "max_connections=200",
			"-c", "shared_buffers=64MB",
		)
		cmd.Env = serverEnv()
		cmd.Dir = s.sock
		logPath := filepath.Join(dir, fmt.Sprintf("postgres-%d.log", attempt))
		p, err := startProc(cmd, logPath, syscall.SIGQUIT, cred)
		if err != nil {
			return nil, err
		}
		s.p, s.port = p, port
		err = s.waitReady()
		if err == nil {
			break
		}
		s.kill()
		tail := logTail(logPath)
		if attempt < 3 && (strings.Contains(tail, "Address already in use") || strings.Contains(tail, "could not bind")) {
			continue
		}
		return nil, fmt.Errorf("testenv: postgres did not start: %v\npostgres log tail:\n%s", err, tail)
	}

	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	if err := s.adminExec(ctx, "CREATE ROLE "+appRole+" LOGIN PASSWORD 'app' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION"); err != nil {
		return nil, fmt.Errorf("testenv: create role %s: %w", appRole, err)
	}
	return s, nil
}

// waitReady connects over TCP with the superuser password until the server
// answers, it exits, or readyTimeout passes. It keeps the connection as admin.
func (s *pgServer) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	var last error
	for {
		if s.p.exited() {
			return fmt.Errorf("postgres exited: %v", s.p.waitErr)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, s.tcpURL("postgres", "postgres", "postgres"))
		cancel()
		if err == nil {
			s.admin = c
			return nil
		}
		last = err
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s: %w", readyTimeout, last)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// kill does what pg_ctl stop -m immediate does (SIGQUIT to the postmaster) and
// waits; SIGKILL if it has not exited after 10s.
func (s *pgServer) kill() {
	if s.admin != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		s.admin.Close(ctx)
		cancel()
		s.admin = nil
	}
	if s.p == nil {
		return
	}
	s.p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-s.p.done:
	case <-time.After(10 * time.Second):
		s.p.cmd.Process.Kill()
		<-s.p.done
	}
}

func (s *pgServer) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kill()
	if s.dir != "" {
		if err := os.RemoveAll(s.dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(os.Stderr, "testenv: remove %s: %v\n", s.dir, err)
		}
	}
}
