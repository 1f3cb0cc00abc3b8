// Package testenv is the test harness shared by the whole tree. It starts throwaway
// PostgreSQL and Redis servers from the binaries installed on the machine, once per
// test binary, on free loopback ports, and hands each test an isolated slice of them
// (a fresh database, a Redis DB index).
//
// Every package whose tests use it must route TestMain through Main so that the
// servers are stopped and their temp dirs removed when the tests finish:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
// When a server binary is missing, the tests that need it are skipped with a loud
// message naming the Debian package to install, unless DOANBD_REQUIRE_EXTERNAL=1
// (set by .ci/run), in which case they fail.
//
// Leaks: the servers are started as direct children of the test binary with a
// parent-death signal (PR_SET_PDEATHSIG, SIGQUIT for postgres = immediate shutdown,
// SIGKILL for redis) from a dedicated OS thread that never exits, so even if the
// test binary panics, times out or its TestMain forgets to call Main, the kernel
// stops them when the binary dies. What can leak in that case is the temp dir
// ($TMPDIR/doanbd-testenv-<pid>-*); such dirs whose owning process is gone are
// swept the next time a test binary starts a server.
package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Main wraps testing.M: runs the tests, then stops any servers started. Use as
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	stopAll()
	os.Exit(code)
}

// RequireExternal reports DOANBD_REQUIRE_EXTERNAL=1: external servers (PostgreSQL,
// Redis, ...) must be available, and a missing binary fails the test instead of
// skipping it. .ci/run sets it.
func RequireExternal() bool {
	return os.Getenv("DOANBD_REQUIRE_EXTERNAL") == "1"
}

// missingError reports that a server binary is not installed.
type missingError struct{ msg string }

func (e *missingError) Error() string { return e.msg }

// missingBinary builds the loud message: what is missing, where we looked, and the
// Debian package that provides it.
func missingBinary(what, where, pkg string) error {
	return &missingError{msg: fmt.Sprintf(
		"testenv: %s not found (looked in %s). Install the Debian package %q "+
			"(apt-get install -y %s). Tests that need it are SKIPPED unless DOANBD_REQUIRE_EXTERNAL=1, which makes them FAIL.",
		what, where, pkg, pkg)}
}

var (
	warned  sync.Map              // message -> struct{}: loud warning printed once per binary
	warnOut io.Writer = os.Stderr // where the loud warning goes (tests silence it)
)

// unavailable skips (or, under RequireExternal, fails) tb because of err. A missing
// binary skips; any other start-up error always fails.
func unavailable(tb testing.TB, err error) {
	tb.Helper()
	var me *missingError
	if !errors.As(err, &me) {
		tb.Fatal(err)
		return
	}
	if RequireExternal() {
		tb.Fatal(me.msg + " [DOANBD_REQUIRE_EXTERNAL=1]")
		return
	}
	if _, dup := warned.LoadOrStore(me.msg, struct{}{}); !dup {
		fmt.Fprintf(warnOut, "\n!!!!! %s\n\n", me.msg)
	}
	tb.Skip("SKIPPED: " + me.msg)
}

// ---- servers registry ------------------------------------------------------

var (
	stopMu    sync.Mutex
	stopFuncs []func()
)

func onStop(f func()) {
	stopMu.Lock()
	stopFuncs = append(stopFuncs, f)
	stopMu.Unlock()
}

// stopAll stops every started server (last started first) and removes its dirs.
func stopAll() {
	stopMu.Lock()
	fs := stopFuncs
	stopFuncs = nil
	stopMu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// ---- process spawning ------------------------------------------------------

// PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, not the
// process. Go may retire OS threads (a goroutine that exits while locked to its
// thread), so all servers are forked from one goroutine locked to a thread that
// lives as long as the process.
type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

var (
	spawnOnce sync.Once
	spawnCh   chan spawnReq
)

func startDetachedFromTestThreads(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawnCh = make(chan spawnReq)
		go func() {
			runtime.LockOSThread() // never unlocked: this thread lives until exit
			for r := range spawnCh {
				r.done <- r.cmd.Start()
			}
		}()
	})
	r := spawnReq{cmd: cmd, done: make(chan error, 1)}
	spawnCh <- r
	return <-r.done
}

// proc is a running server process.
type proc struct {
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	waitErr error
	log     string
}

// startProc starts cmd with output to logPath, a parent-death signal, and, if cred
// is not nil, as that user.
func startProc(cmd *exec.Cmd, logPath string, deathSig syscall.Signal, cred *syscall.Credential) (*proc, error) {
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer lf.Close() // the child has its own copy
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: deathSig, Credential: cred}
	if err := startDetachedFromTestThreads(cmd); err != nil {
		return nil, fmt.Errorf("testenv: start %s: %w", cmd.Path, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{}), log: logPath}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// logTail returns the last lines of a log file, for error messages.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "(log empty)"
	}
	return s
}

// ---- temp dirs -------------------------------------------------------------

const dirPrefix = "doanbd-testenv-"

// makeTempDir makes $TMPDIR/doanbd-testenv-<pid>-<random>/ (world-traversable so that
// an unprivileged server user can reach its own subdir when we run as root) after
// sweeping stale dirs left by test binaries that died.
func makeTempDir(base string) (string, error) {
	sweepStale(base)
	d, err := os.MkdirTemp(base, dirPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(d, 0o711); err != nil {
		os.RemoveAll(d)
		return "", err
	}
	return d, nil
}

// tempBase is where server temp dirs go: os.TempDir(), or /tmp when we run as root
// and os.TempDir() is not traversable by other users (the postgres user must reach it).
func tempBase(forOtherUser bool) string {
	base := os.TempDir()
	if !forOtherUser || base == "/tmp" {
		return base
	}
	for p := base; p != "/" && p != "."; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return "/tmp"
		}
	}
	return base
}

// sweepStale removes doanbd-testenv-<pid>-* dirs whose process is gone and whose
// postgres (if any) is not running any more.
func sweepStale(base string) {
	ents, _ := filepath.Glob(filepath.Join(base, dirPrefix+"*"))
	for _, d := range ents {
		rest := strings.TrimPrefix(filepath.Base(d), dirPrefix)
		pidStr, _, ok := strings.Cut(rest, "-")
		if !ok {
			continue
		}
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid <= 0 || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(d, "pg", "data", "postmaster.pid")); err == nil {
			line, _, _ := strings.Cut(string(b), "\n")
			if pp, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && processAlive(pp) {
				continue // an orphaned server still runs there; leave it alone
			}
		}
		os.RemoveAll(d)
	}
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ---- users -----------------------------------------------------------------

// serverUser returns the credential to run PostgreSQL under when we are root
// (initdb and postgres refuse to run as root): the "postgres" system user, which
// the Debian package creates, else "nobody". It returns nil when not root.
func serverUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	var errs []error
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		// Groups nil with NoSetGroups false: the child drops root's supplementary groups.
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("testenv: running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as: %v", errors.Join(errs...))
}
