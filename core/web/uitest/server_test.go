package uitest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// repoRoot is the directory holding go.mod.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("uitest: go.mod not found above the test directory")
		}
		dir = parent
	}
}

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
	buildDir  string
)

// binary builds cmd/doanbd once per test binary (the build cache makes it a
// link step after `make build`).
func binary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "doanbd-uitest-bin-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "doanbd")
		cmd := exec.Command("go", "build", "-o", buildBin, "./cmd/doanbd")
		cmd.Dir = repoRoot(tb)
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/doanbd: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return buildBin
}

// removeBinary deletes the built binary (TestMain calls it).
func removeBinary() {
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
}

// Server is a doanbd process serving the demo data.
type Server struct {
	URL     string
	DataDir string
	// Seed is what `doanbd seed --demo` printed (the demo logins).
	Seed string
	log  *os.File
}

var servingLine = regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)

// StartServer seeds a fresh data directory with the demo data and serves it
// in the embedded mode on a free port until the test ends.
func StartServer(tb testing.TB) *Server {
	tb.Helper()
	bin := binary(tb)
	root := repoRoot(tb)
	dir := tb.TempDir()
	env := append(os.Environ(),
		"DOANBD_DATA_DIR="+filepath.Join(dir, "data"),
		"DOANBD_ADDR=127.0.0.1:0",
		"DOANBD_LOG_LEVEL=warn",
		"DOANBD_PLUGIN_DIR="+filepath.Join(root, "bin", "plugins"),
		"DOANBD_DATABASE_URL=", "DOANBD_REDIS_URL=",
	)
	seed := exec.Command(bin, "seed", "--demo")
	seed.Dir, seed.Env = dir, env
	out, err := seed.CombinedOutput()
	if err != nil {
		tb.Fatalf("doanbd seed --demo: %v\n%s", err, out)
	}
	logf, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		tb.Fatal(err)
	}
	serve := exec.Command(bin, "serve")
	serve.Dir, serve.Env = dir, env
	serve.Stderr = logf
	stdout, err := serve.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	// The server dies with the test binary even if cleanup never runs.
	serve.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := serve.Start(); err != nil {
		tb.Fatalf("start doanbd serve: %v", err)
	}
	s := &Server{DataDir: dir, Seed: string(out), log: logf}
	tb.Cleanup(func() {
		_ = serve.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = serve.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = serve.Process.Kill()
			<-done
		}
		_ = logf.Close()
		if tb.Failed() {
			if b, err := os.ReadFile(logf.Name()); err == nil {
				tb.Logf("server log:\n%s", tail(string(b), 6000))
			}
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	select {
	case a := <-addr:
		s.URL = "http://" + a
	case <-ctx.Done():
		b, _ := os.ReadFile(logf.Name())
		tb.Fatalf("doanbd serve did not start within 60s:\n%s", tail(string(b), 4000))
	}
	return s
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
