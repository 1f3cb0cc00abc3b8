package host

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"doanbd/core"
	"doanbd/core/testenv"
)

// bins holds the plugin binaries built once for this test run.
var bins string

// TestMain builds the three bundled plugins and the broken test plugin once
// (one `go build` for all four), then runs the tests.
func TestMain(m *testing.M) {
	sweepStaleBuilds()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("doanbd-plugin-test-%d", os.Getpid()))
	if err := buildPlugins(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bins = dir
	testenv.Main(m) // exits; the build dir is swept by the next run
}

func buildPlugins(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator),
		"doanbd/plugins/bundled/bcarules", "doanbd/plugins/bundled/localprograms",
		"doanbd/plugins/bundled/costnorms", "doanbd/plugins/testdata/broken")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build test plugins: %w", err)
	}
	return nil
}

// sweepStaleBuilds removes build dirs left by test runs whose process is gone
// (TestMain cannot clean up after testenv.Main exits).
func sweepStaleBuilds() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "doanbd-plugin-test-*"))
	for _, m := range matches {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(m), "doanbd-plugin-test-"))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = os.RemoveAll(m)
		}
	}
}

// install puts a plugin into root/<name>: the binary bin (from bins), a
// manifest with its checksum, and the files of extra (copied from the
// source tree, e.g. examples). It returns the manifest.
func install(t testing.TB, root, name, bin, version string, caps []string, args []string, extra ...string) Manifest {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, name)
	copyFile(t, filepath.Join(bins, bin), exe, 0o755)
	for _, e := range extra {
		copyTree(t, e, filepath.Join(dir, filepath.Base(e)))
	}
	sum, err := FileSHA256(exe)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\nversion: %s\nprotocol_version: 1\nexecutable: %s\ncapabilities: [%s]\nsha256: %s\n",
		name, version, name, strings.Join(caps, ", "), sum)
	if len(args) > 0 {
		fmt.Fprintf(&b, "args: [%s]\n", strings.Join(args, ", "))
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// installBundled installs the three bundled plugins as `make build` does.
func installBundled(t testing.TB, root string) {
	t.Helper()
	install(t, root, "bca-rules", "bcarules", "1.0.0", []string{"PlanRules"}, nil)
	install(t, root, "localprograms", "localprograms", "1.0.0", []string{"ProgramCatalog"}, nil, "../bundled/localprograms/examples")
	install(t, root, "costnorms", "costnorms", "1.0.0", []string{"CostNorms"}, nil, "../bundled/costnorms/examples")
}

func copyFile(t testing.TB, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

func copyTree(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		copyFile(t, p, filepath.Join(to, rel), 0o644)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// memStore is an in-memory Store for tests that are about processes, not SQL.
type memStore struct {
	mu       sync.Mutex
	enabled  map[string][]TenantPlugin
	catalog  map[string][]core.LocalProgram
	statuses map[string]Status
}

func newMemStore() *memStore {
	return &memStore{enabled: map[string][]TenantPlugin{}, catalog: map[string][]core.LocalProgram{}, statuses: map[string]Status{}}
}

// enable enables plugin for tenant with settings (replacing earlier ones).
func (s *memStore) enable(tenant, plugin string, settings map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tps := s.enabled[tenant]
	for i := range tps {
		if tps[i].Plugin == plugin {
			tps[i].Settings = settings
			return
		}
	}
	s.enabled[tenant] = append(tps, TenantPlugin{Plugin: plugin, Enabled: true, Settings: settings})
}

func (s *memStore) Enabled(_ context.Context, tenant string) ([]TenantPlugin, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TenantPlugin(nil), s.enabled[tenant]...), nil
}

func (s *memStore) SaveCatalog(_ context.Context, tenant, plugin string, ps []core.LocalProgram) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.catalog[tenant+"/"+plugin] = ps
	return nil
}

func (s *memStore) LoadCatalog(_ context.Context, tenant, plugin string) ([]core.LocalProgram, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps, ok := s.catalog[tenant+"/"+plugin]
	return ps, ok, nil
}

func (s *memStore) SetStatus(_ context.Context, plugin, status, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statuses[plugin] = Status{Plugin: plugin, Status: status, Reason: reason, UpdatedAt: time.Now().UTC()}
	return nil
}

func (s *memStore) Usage(context.Context) (map[string][]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]string{}
	for tenant, tps := range s.enabled {
		for _, tp := range tps {
			out[tp.Plugin] = append(out[tp.Plugin], tenant)
		}
	}
	return out, nil
}

func (s *memStore) Statuses(context.Context) (map[string]Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]Status{}
	for k, v := range s.statuses {
		out[k] = v
	}
	return out, nil
}

// logBuffer collects host log records for assertions.
type logBuffer struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (l *logBuffer) Enabled(context.Context, slog.Level) bool { return true }
func (l *logBuffer) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r.Clone())
	return nil
}
func (l *logBuffer) WithAttrs([]slog.Attr) slog.Handler { return l } // attrs not needed by the tests
func (l *logBuffer) WithGroup(string) slog.Handler      { return l }

// count returns how many records have message msg.
func (l *logBuffer) count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.recs {
		if r.Message == msg {
			n++
		}
	}
	return n
}

// newHost starts a host over root with test-friendly timings.
func newHost(t testing.TB, root string, st Store, log *slog.Logger, tune func(*Options)) *Host {
	t.Helper()
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	o := Options{Dir: root, Store: st, Log: log, StartTimeout: 20 * time.Second, CallTimeout: 10 * time.Second,
		BackoffBase: 10 * time.Millisecond, BackoffMax: 100 * time.Millisecond, CloseGrace: 5 * time.Second}
	if tune != nil {
		tune(&o)
	}
	h, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
