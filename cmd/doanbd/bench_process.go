package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"doanbd/core/benchkit"
)

// The process benchmark: how long `doanbd serve` (embedded mode, empty data
// directory: it migrates at start) takes from exec to a 200 on /readyz, and
// its resident memory once idle, against a trivial Go HTTP server built in the
// same run as the baseline.

// trivialServer is the baseline: a Go binary that only serves /readyz.
const trivialServer = `package main

import (
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ready")) })
	if err := http.ListenAndServe(os.Getenv("DOANBD_ADDR"), nil); err != nil {
		panic(err)
	}
}
`

// procSample is one start of a server.
type procSample struct {
	ready    time.Duration // exec → first 200 on /readyz
	rss, hwm float64       // MB, after the idle wait
	anon     float64       // MB of rss that is not file-backed (heap, stacks)
	exitErr  error         // from SIGTERM: nil is a clean exit (code 0)
}

func (e *benchEnv) benchProcess(ctx context.Context) ([]benchkit.Row, error) {
	runs, idle := 5, 5*time.Second
	if e.quick {
		runs, idle = 1, time.Second
	}
	baseName := "trivial Go HTTP server"
	trivial, buildErr := e.buildTrivialServer(ctx)
	var doanbd, base []procSample
	for i := 0; i < runs; i++ {
		data, err := e.scratch("serve")
		if err != nil {
			return nil, err
		}
		s, err := e.startMeasure(ctx, e.binary, []string{"serve"}, []string{
			"DOANBD_DATA_DIR=" + data, "DOANBD_LOG_LEVEL=warn"}, idle)
		if err != nil {
			return nil, fmt.Errorf("doanbd serve: %w", err)
		}
		doanbd = append(doanbd, s)
		if buildErr == nil {
			s, err := e.startMeasure(ctx, trivial, nil, nil, idle)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", baseName, err)
			}
			base = append(base, s)
		}
	}
	pick := func(ss []procSample, f func(procSample) float64) *benchkit.Baseline {
		if len(ss) == 0 {
			return nil
		}
		var xs []float64
		for _, s := range ss {
			xs = append(xs, f(s))
		}
		return &benchkit.Baseline{Name: baseName, Value: benchkit.Median(xs)}
	}
	ready := func(s procSample) float64 { return benchkit.Ms(s.ready) }
	anon := func(s procSample) float64 { return s.anon }
	rss := func(s procSample) float64 { return s.rss }
	hwm := func(s procSample) float64 { return s.hwm }
	name := "doanbd serve · embedded, empty database"
	rows := []benchkit.Row{
		{Benchmark: name, Figure: fmt.Sprintf("start to ready (median of %d)", runs), Value: pick(doanbd, ready).Value, Unit: "ms",
			Baseline: pick(base, ready), Goal: benchkit.Goal{Kind: benchkit.Below, Limit: 1000},
			Note: "from exec to the first 200 on /readyz, polled every 2 ms; includes creating and migrating the SQLite file"},
		{Benchmark: name, Figure: fmt.Sprintf("idle RSS after %s (VmRSS, median)", idle), Value: pick(doanbd, rss).Value, Unit: "MB",
			Baseline: pick(base, rss), Goal: benchkit.Goal{Kind: benchkit.Below, Limit: 60},
			Note: fmt.Sprintf("VmRSS from /proc/PID/status once ready and idle (1 MB = 2^20 bytes); of it %.1f MB anonymous "+
				"(heap, stacks), the rest pages of the binary (file-backed, shared, reclaimable)", pick(doanbd, anon).Value)},
		{Benchmark: name, Figure: "peak RSS (VmHWM, median)", Value: pick(doanbd, hwm).Value, Unit: "MB", Baseline: pick(base, hwm)},
	}
	if buildErr != nil {
		rows[0].Note += "; no baseline: " + buildErr.Error()
	}
	for _, s := range doanbd {
		if s.exitErr != nil {
			rows = append(rows, benchkit.Row{Benchmark: name, Figure: "clean exit on SIGTERM", Skipped: s.exitErr.Error()})
			break
		}
	}
	return rows, nil
}

// buildTrivialServer builds the baseline with the Go toolchain on PATH.
func (e *benchEnv) buildTrivialServer(ctx context.Context) (string, error) {
	dir, err := e.scratch("trivial")
	if err != nil {
		return "", err
	}
	for name, text := range map[string]string{"main.go": trivialServer, "go.mod": "module trivial\n\ngo 1.22\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			return "", err
		}
	}
	bin := filepath.Join(dir, "trivial")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build of the baseline server failed: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return bin, nil
}

// startMeasure starts bin with a free loopback DOANBD_ADDR, times it to a
// 200 on /readyz, waits idle, reads its memory, and stops it with SIGTERM.
func (e *benchEnv) startMeasure(ctx context.Context, bin string, args, env []string, idle time.Duration) (procSample, error) {
	var s procSample
	addr, err := freeAddr()
	if err != nil {
		return s, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "DOANBD_ADDR="+addr), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	logf, err := os.Create(filepath.Join(e.dir, filepath.Base(bin)+"-"+strconv.FormatInt(time.Now().UnixNano(), 36)+".log"))
	if err != nil {
		return s, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return s, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() error {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			return errors.New("did not exit within 30 s of SIGTERM")
		}
	}
	client := &http.Client{Timeout: 200 * time.Millisecond}
	for {
		resp, err := client.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			return s, fmt.Errorf("exited before ready (%v); log in %s", err, logf.Name())
		case <-ctx.Done():
			_ = stop()
			return s, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Since(start) > time.Minute {
			_ = stop()
			return s, errors.New("not ready after a minute")
		}
	}
	s.ready = time.Since(start)
	select {
	case <-time.After(idle):
	case <-ctx.Done():
	}
	m, err := procStatus(cmd.Process.Pid)
	s.rss, s.hwm, s.anon = m["VmRSS"], m["VmHWM"], m["RssAnon"]
	s.exitErr = stop()
	return s, err
}

// procMemory reads VmRSS and VmHWM (MB) of a running process.
func procMemory(pid int) (rss, hwm float64, err error) {
	m, err := procStatus(pid)
	return m["VmRSS"], m["VmHWM"], err
}

// procStatus reads the memory fields (kB) of /proc/PID/status, in MB.
func procStatus(pid int) (map[string]float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, fmt.Errorf("read process memory: %w", err)
	}
	m := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if v = strings.TrimSpace(v); !ok || !strings.HasSuffix(v, " kB") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", k, err)
		}
		m[k] = kb / 1024
	}
	return m, nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
