package testenv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// redisDBs is how many DB indexes the server has (redis' default, --databases 16).
const redisDBs = 16

// Redis returns the address (host:port) of a throwaway redis-server started once per
// test binary (free 127.0.0.1 port, no persistence: --save "" --appendonly no, in a
// temp dir), plus a DB index that no other caller in this binary holds (0..15, handed
// out in turn and FLUSHDB'd before being handed out; released in tb.Cleanup). Asking
// for more than 16 at once fails the test.
//
// If redis-server is missing, tb is skipped with a loud message naming the Debian
// package "redis-server", unless RequireExternal(), then tb fails with the same message.
func Redis(tb testing.TB) (addr string, db int) {
	tb.Helper()
	s, err := getRedis()
	if err != nil {
		unavailable(tb, err)
		return "", -1
	}
	s.mu.Lock()
	db = -1
	for k := 0; k < redisDBs; k++ {
		if i := (s.next + k) % redisDBs; !s.inUse[i] {
			db = i
			break
		}
	}
	if db < 0 {
		s.mu.Unlock()
		tb.Fatalf("testenv: more than %d concurrent Redis() callers in this test binary: every DB index 0..%d is held", redisDBs, redisDBs-1)
		return "", -1
	}
	s.inUse[db] = true
	s.next = (db + 1) % redisDBs
	s.mu.Unlock()
	tb.Cleanup(func() {
		s.mu.Lock()
		s.inUse[db] = false
		s.mu.Unlock()
	})
	addr = s.addr()
	if _, err := respDo(addr, db, "FLUSHDB"); err != nil {
		tb.Fatalf("testenv: FLUSHDB on redis %s db %d: %v\nredis log:\n%s", addr, db, err, logTail(s.logPath()))
		return "", -1
	}
	return addr, db
}

// StopRedis stops the shared redis-server (SIGKILL, like a crash), so that tests can
// simulate a Redis outage; StartRedis starts it again on the same port, empty. If the
// test ends with Redis still stopped, its cleanup starts it again. Every test in the
// binary shares the server: a test that stops it must not run in parallel with other
// tests that use Redis.
func StopRedis(tb testing.TB) {
	tb.Helper()
	s, err := getRedis()
	if err != nil {
		unavailable(tb, err)
		return
	}
	s.mu.Lock()
	s.kill()
	s.mu.Unlock()
	tb.Cleanup(func() {
		if err := s.start(); err != nil {
			tb.Errorf("testenv: restarting redis after StopRedis: %v", err)
		}
	})
}

// StartRedis starts the shared redis-server again after StopRedis, on the SAME port
// (its data is gone), and waits until it answers. It is a no-op if it is running.
func StartRedis(tb testing.TB) {
	tb.Helper()
	s, err := getRedis()
	if err != nil {
		unavailable(tb, err)
		return
	}
	if err := s.start(); err != nil {
		tb.Fatal(err)
	}
}

// ---- server ----------------------------------------------------------------

type redisServer struct {
	bin  string
	dir  string
	port int

	mu    sync.Mutex // guards everything below
	p     *proc      // nil while stopped
	inUse [redisDBs]bool
	next  int // where the next search for a free DB index starts
}

var (
	redisOnce sync.Once
	redisSrv  *redisServer
	redisErr  error
)

func getRedis() (*redisServer, error) {
	redisOnce.Do(func() {
		redisSrv, redisErr = startRedisServer()
		if redisErr == nil {
			onStop(redisSrv.stop)
		}
	})
	return redisSrv, redisErr
}

func findRedis() (string, error) {
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return "", missingBinary("redis-server", "PATH", "redis-server")
	}
	return p, nil
}

func startRedisServer() (*redisServer, error) {
	bin, err := findRedis()
	if err != nil {
		return nil, err
	}
	dir, err := makeTempDir(tempBase(false))
	if err != nil {
		return nil, fmt.Errorf("testenv: redis temp dir: %w", err)
	}
	s := &redisServer{bin: bin, dir: dir}
	// A free port can be taken by someone else before redis binds it: retry.
	for attempt := 1; ; attempt++ {
		if s.port, err = freePort(); err != nil {
			s.stop()
			return nil, err
		}
		err = s.start()
		if err == nil {
			return s, nil
		}
		if attempt >= 3 || !strings.Contains(logTail(s.logPath()), "Address already in use") {
			s.stop()
			return nil, err
		}
	}
}

func (s *redisServer) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

func (s *redisServer) logPath() string { return filepath.Join(s.dir, "redis.log") }

// start launches redis-server on s.port unless it is running, and waits until it
// answers PING.
func (s *redisServer) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p != nil && !s.p.exited() {
		return nil
	}
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
		"--databases", strconv.Itoa(redisDBs),
		"--logfile", "", // stdout, which goes to the log file
	)
	cmd.Dir = s.dir
	p, err := startProc(cmd, s.logPath(), syscall.SIGKILL, nil)
	if err != nil {
		return err
	}
	s.p = p
	deadline := time.Now().Add(readyTimeout)
	for {
		if p.exited() {
			s.p = nil
			return fmt.Errorf("testenv: redis-server on port %d exited: %v\nredis log (%s):\n%s", s.port, p.waitErr, s.logPath(), logTail(s.logPath()))
		}
		reply, err := respDo(s.addr(), 0, "PING")
		if err == nil && reply == "+PONG" {
			return nil
		}
		if time.Now().After(deadline) {
			s.kill()
			return fmt.Errorf("testenv: redis-server on port %d not ready after %s: %v (reply %q)\nredis log (%s):\n%s",
				s.port, readyTimeout, err, reply, s.logPath(), logTail(s.logPath()))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// kill SIGKILLs the server and waits for it. Callers hold s.mu.
func (s *redisServer) kill() {
	if s.p == nil {
		return
	}
	s.p.cmd.Process.Kill()
	<-s.p.done
	s.p = nil
}

func (s *redisServer) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kill()
	if err := os.RemoveAll(s.dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "testenv: remove %s: %v\n", s.dir, err)
	}
}

// respDo sends one command (after SELECT db when db != 0) on a new connection and
// returns the last reply line. It understands the simple replies (+OK, +PONG, -ERR)
// of the few commands the harness uses.
func respDo(addr string, db int, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var buf bytes.Buffer
	write := func(a ...string) {
		fmt.Fprintf(&buf, "*%d\r\n", len(a))
		for _, x := range a {
			fmt.Fprintf(&buf, "$%d\r\n%s\r\n", len(x), x)
		}
	}
	n := 1
	if db != 0 {
		write("SELECT", strconv.Itoa(db))
		n++
	}
	write(args...)
	if _, err := c.Write(buf.Bytes()); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	var line string
	for i := 0; i < n; i++ {
		if line, err = r.ReadString('\n'); err != nil {
			return "", err
		}
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, "-") {
			return line, errors.New(line[1:])
		}
	}
	return line, nil
}
