package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"doanbd/core/testenv"
)

// TestBinary builds the real binary (version set with -ldflags, as `make
// build` does) once and runs it as a user would.
func TestBinary(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "doanbd")
	build := exec.CommandContext(ctx, "go", "build", "-ldflags", "-X main.version=v9.8.7-test", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// A clean environment: no DOANBD_* from the caller, embedded mode in a temp dir.
	env := func(t *testing.T, extra ...string) []string {
		var e []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "DOANBD_") {
				e = append(e, kv)
			}
		}
		return append(append(e, "DOANBD_DATA_DIR="+t.TempDir()), extra...)
	}

	t.Run("version", func(t *testing.T) {
		out, err := exec.CommandContext(ctx, bin, "version").Output()
		if err != nil || strings.TrimSpace(string(out)) != "doanbd v9.8.7-test" {
			t.Fatalf("version: %q, %v", out, err)
		}
	})

	t.Run("bad setting is one line", func(t *testing.T) {
		yaml := filepath.Join(t.TempDir(), "bad.yaml")
		if err := os.WriteFile(yaml, []byte("worker_concurrency: many\nlog_level: [a\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			args []string
			env  []string
			want string
		}{
			{[]string{"serve"}, []string{"DOANBD_WORKER_CONCURRENCY=abc"}, "DOANBD_WORKER_CONCURRENCY"},
			{[]string{"serve"}, []string{"DOANBD_ADDR=nonsense"}, "DOANBD_ADDR"},
			{[]string{"migrate"}, []string{"DOANBD_DATABASE_URL=mysql://db/x"}, "DOANBD_DATABASE_URL"},
			{[]string{"worker"}, []string{"DOANBD_REDIS_URL=http://x"}, "DOANBD_REDIS_URL"},
			{[]string{"serve", "--config", yaml}, nil, yaml},
		} {
			cmd := exec.CommandContext(ctx, bin, tc.args...)
			cmd.Env = env(t, tc.env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Errorf("%v %v: exit %v, want a non-zero exit code", tc.args, tc.env, err)
				continue
			}
			msg := stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.HasSuffix(msg, "\n") || !strings.Contains(msg, tc.want) {
				t.Errorf("%v %v: stderr %q, want one line naming %s", tc.args, tc.env, msg, tc.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("%v %v: stdout %q", tc.args, tc.env, stdout.String())
			}
		}
	})

	t.Run("serve until SIGTERM", func(t *testing.T) {
		cmd := exec.CommandContext(ctx, bin, "serve")
		cmd.Env = env(t, "DOANBD_ADDR=127.0.0.1:0", "DOANBD_LOG_LEVEL=warn", "DOANBD_SHUTDOWN_TIMEOUT=10s")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Process.Kill()
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			t.Fatalf("no start-up line: %v\nstderr: %s", err, stderr.String())
		}
		m := regexp.MustCompile(`^doanbd v9\.8\.7-test đang chạy tại (http://127\.0\.0\.1:\d+/) \(embedded\)\n$`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("start-up line %q", line)
		}
		for _, path := range []string{"healthz", "readyz"} {
			if code, body := get(t, m[1]+path); code != 200 {
				t.Fatalf("/%s: %d %s", path, code, body)
			}
		}
		start := time.Now()
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v (want code 0)\nstderr: %s", err, stderr.String())
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("shutdown took %s, more than DOANBD_SHUTDOWN_TIMEOUT", took)
		}
	})

	t.Run("bench --quick", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "b.md")
		cmd := exec.CommandContext(ctx, bin, "bench", "--quick", "--only", "outbox,process", "--out", out)
		cmd.Env = env(t)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Run(); err != nil {
			t.Fatalf("bench: %v\n%s", err, logs.String())
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		md := string(b)
		for _, want := range []string{
			"| Benchmark | Figure | Value | Baseline (same run) | Ratio | Goal | Goal met? |",
			"Machine: ", " cores, ", "Commit: ", "Date: ",
			"| outbox · PostgreSQL + Redis | commit→handled throughput",
			"| outbox · PostgreSQL + Redis | p99 commit→handled lag at 500 rows/s",
			"| outbox · SQLite + embedded queue | commit→handled throughput",
			"| doanbd serve · embedded, empty database | start to ready",
			"| doanbd serve · embedded, empty database | idle RSS",
		} {
			if !strings.Contains(md, want) {
				t.Errorf("report lacks %q", want)
			}
		}
		for _, line := range strings.Split(md, "\n") {
			if !strings.HasPrefix(line, "| outbox") && !strings.HasPrefix(line, "| doanbd serve") {
				continue
			}
			cells := strings.Split(line, "|")
			if len(cells) != 9 {
				t.Errorf("row with %d cells: %s", len(cells), line)
			}
			if strings.Contains(line, "not measured") && (testenv.RequireExternal() || !strings.Contains(line, "PostgreSQL")) {
				t.Errorf("figure not measured: %s", line)
			}
		}
		if t.Failed() {
			t.Logf("report:\n%s\nlog:\n%s", md, logs.String())
		}
	})
}
