package testenv

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Child is this test binary run again as a separate process for one test
// (the crash tests: a process killed with SIGKILL mid-work, then restarted).
// It dies with its parent, is killed on cleanup, and reports its stdout line
// by line; its stderr goes to the parent's.
type Child struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan struct{}
}

// StartChild runs the test named test (an exact name) in a new process of
// this test binary, with env added to the parent's environment. The child
// test tells itself apart by a variable in env and skips otherwise.
func StartChild(t testing.TB, test string, env ...string) *Child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.timeout=10m")
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &Child{cmd: cmd, lines: make(chan string, 100), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	go func() { _ = cmd.Wait(); close(c.done) }()
	t.Cleanup(c.Kill)
	return c
}

// Expect waits (up to two minutes) for n stdout lines starting with prefix.
func (c *Child) Expect(t testing.TB, prefix string, n int) {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for seen := 0; seen < n; {
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatalf("child exited after %d of %d %q lines", seen, n, prefix)
			}
			if strings.HasPrefix(l, prefix) {
				seen++
			}
		case <-timeout:
			t.Fatalf("child printed %d of %d %q lines", seen, n, prefix)
		}
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (c *Child) Kill() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}
