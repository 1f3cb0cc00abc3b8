package host

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"doanbd/core"
)

var allCaps = []string{"ProgramCatalog", "PlanRules", "CostNorms"}

func onePlan() core.PlanForRules {
	return core.PlanForRules{Year: 2027, Classes: []core.ClassForRules{{ID: "c1", ProgramCode: "X", Learners: 120}}}
}

// brokenHost installs the broken plugin (and bca-rules, to show the host
// keeps working) and enables broken for tenant t1 in the given mode.
func brokenHost(t *testing.T, mode string, args []string, tune func(*Options)) (*Host, *memStore, *logBuffer) {
	t.Helper()
	root := t.TempDir()
	install(t, root, "broken", "broken", "0.0.1", allCaps, args)
	install(t, root, "bca-rules", "bcarules", "1.0.0", []string{"PlanRules"}, nil)
	st := newMemStore()
	st.enable("t1", "broken", map[string]string{"mode": mode})
	st.enable("bca", "bca-rules", nil)
	logs := &logBuffer{}
	return newHost(t, root, st, slog.New(logs), tune), st, logs
}

// wantBlocked checks the user-facing error of a failed PlanRules call.
func wantBlocked(t *testing.T, err error, phrase string) {
	t.Helper()
	if core.ErrorCode(err) != core.EUNAVAILABLE {
		t.Fatalf("error %v: code %q, want %q", err, core.ErrorCode(err), core.EUNAVAILABLE)
	}
	msg := core.ErrorMessage(err)
	if !strings.HasPrefix(msg, "Không kiểm tra được kế hoạch: plugin «broken» ") || !strings.Contains(msg, phrase) {
		t.Fatalf("message %q, want it to name «broken» and say %q", msg, phrase)
	}
}

// hostStillWorks checks another plugin of the same host answers.
func hostStillWorks(t *testing.T, h *Host) {
	t.Helper()
	if vs, err := h.CheckPlan(ctxT(t), "bca", bcaPlan()); err != nil || len(vs) != 2 {
		t.Fatalf("bca-rules next to the broken plugin: %d violations, err %v", len(vs), err)
	}
}

func info(t *testing.T, h *Host, name string) Info {
	t.Helper()
	in, ok := h.Plugin(name)
	if !ok {
		t.Fatalf("plugin %s not listed", name)
	}
	return in
}

// untilFailed calls CheckPlan until the plugin is reported failed; every
// call must fail with a message naming the plugin.
func untilFailed(t *testing.T, h *Host) error {
	t.Helper()
	for range 20 {
		_, err := h.CheckPlan(ctxT(t), "t1", onePlan())
		if err == nil {
			t.Fatal("a broken plugin's check succeeded")
		}
		wantBlocked(t, err, "")
		if info(t, h, "broken").Status == StatusFailed {
			return err
		}
	}
	t.Fatal("plugin never marked failed")
	return nil
}

func TestBrokenCrashMarkedFailed(t *testing.T) {
	h, st, _ := brokenHost(t, "crash", nil, nil)
	untilFailed(t, h)
	_, err := h.CheckPlan(ctxT(t), "t1", onePlan())
	wantBlocked(t, err, "đã bị tạm dừng vì lỗi lặp lại")
	in := info(t, h, "broken")
	if !strings.Contains(in.Reason, "crashed 3 times") {
		t.Errorf("reason %q", in.Reason)
	}
	hostStillWorks(t, h)
	h.bg.Wait()
	rows, err := List(ctxT(t), h, st, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Name == "broken" && (r.Status != StatusFailed || !strings.Contains(r.Reason, "crashed 3 times")) {
			t.Errorf("plugin list says %s (%s)", r.Status, r.Reason)
		}
		if r.Name == "bca-rules" && r.Status != StatusOK {
			t.Errorf("bca-rules listed as %s", r.Status)
		}
	}
}

func TestBrokenHangKilledAndRestarted(t *testing.T) {
	h, st, _ := brokenHost(t, "hang", nil, func(o *Options) { o.CallTimeout = 2 * time.Second })
	_, err := h.CheckPlan(ctxT(t), "t1", onePlan())
	wantBlocked(t, err, "không phản hồi")
	st.enable("t1", "broken", map[string]string{"mode": "ok"})
	vs, err := h.CheckPlan(ctxT(t), "t1", onePlan())
	if err != nil || len(vs) != 1 || vs[0].Field != "learners" {
		t.Fatalf("after restart: %v, %v", vs, err)
	}
	if in := info(t, h, "broken"); in.Restarts < 1 || in.Status != StatusOK {
		t.Errorf("after a hang: %+v, want a restart and status ok", in)
	}
}

func TestBrokenGarbageRejected(t *testing.T) {
	h, st, _ := brokenHost(t, "ok", nil, nil)
	ctx := ctxT(t)
	if _, stale, err := h.LocalPrograms(ctx, "t1"); err != nil || stale {
		t.Fatalf("good catalogue call: stale %v, err %v", stale, err)
	}
	h.bg.Wait()
	st.enable("t1", "broken", map[string]string{"mode": "garbage"})

	_, err := h.CheckPlan(ctx, "t1", onePlan())
	wantBlocked(t, err, "trả về kết quả không hợp lệ")

	ps, stale, err := h.LocalPrograms(ctx, "t1")
	if err != nil || !stale || len(ps) != 1 || ps[0].Code != "BRK-1" {
		t.Fatalf("catalogue after garbage: %v, stale %v, err %v", ps, stale, err)
	}

	lines, used, err := h.ClassCosts(ctx, "t1", core.CostRequest{Learners: 10, Days: 1})
	if lines != nil || used || core.ErrorCode(err) != core.EUNAVAILABLE ||
		!strings.Contains(core.ErrorMessage(err), "«broken»") || !strings.Contains(core.ErrorMessage(err), "bảng định mức chi") {
		t.Fatalf("costs after garbage: %v, used %v, err %v", lines, used, err)
	}
	// Garbage is the plugin's bug, not a crash: it keeps running.
	if in := info(t, h, "broken"); in.Restarts != 0 || in.Status != StatusOK || !in.Running {
		t.Errorf("after garbage: %+v", in)
	}
}

func TestBrokenPanicRecovered(t *testing.T) {
	h, st, _ := brokenHost(t, "panic", nil, nil)
	_, err := h.CheckPlan(ctxT(t), "t1", onePlan())
	wantBlocked(t, err, "gặp lỗi khi xử lý")
	pid := info(t, h, "broken").PID
	st.enable("t1", "broken", map[string]string{"mode": "ok"})
	if _, err := h.CheckPlan(ctxT(t), "t1", onePlan()); err != nil {
		t.Fatal(err)
	}
	if in := info(t, h, "broken"); in.PID != pid || in.Restarts != 0 {
		t.Errorf("a recovered panic restarted the plugin: pid %d → %d, restarts %d", pid, in.PID, in.Restarts)
	}
}

func TestBrokenStderrFlood(t *testing.T) {
	h, _, logs := brokenHost(t, "flood", nil, func(o *Options) { o.StderrRate, o.StderrBurst = 10, 100 })
	const lines = 20000
	if _, err := h.CheckPlan(ctxT(t), "t1", onePlan()); err != nil {
		t.Fatalf("a flooding plugin still answers: %v", err)
	}
	hostStillWorks(t, h)
	h.Close()
	logged := logs.count("plugin stderr")
	if logged == 0 || logged >= lines {
		t.Errorf("%d of %d flood lines logged; want some, cut by the rate limit", logged, lines)
	}
	if logs.count("plugin output lines dropped by the rate limit") == 0 {
		t.Error("dropped lines not reported")
	}
}

func TestBrokenStdoutBeforeServing(t *testing.T) {
	h, _, _ := brokenHost(t, "ok", []string{"--start", "stdout"}, nil)
	_, err := h.CheckPlan(ctxT(t), "t1", onePlan())
	wantBlocked(t, err, "")
	in := info(t, h, "broken")
	if in.Status != StatusFailed || !strings.Contains(in.Reason, "printed to stdout before serving") ||
		!strings.Contains(in.Reason, "hello from a plugin that prints before serving") {
		t.Fatalf("status %s, reason %q", in.Status, in.Reason)
	}
	if in.Restarts != 0 {
		t.Errorf("a deterministic start failure was retried %d times", in.Restarts)
	}
	hostStillWorks(t, h)
}

func TestBrokenExitBeforeServing(t *testing.T) {
	h, _, _ := brokenHost(t, "ok", []string{"--start", "exit"}, nil)
	untilFailed(t, h)
	if in := info(t, h, "broken"); !strings.Contains(in.Reason, "exited before serving") {
		t.Errorf("reason %q", in.Reason)
	}
	hostStillWorks(t, h)
}

func TestBrokenHangBeforeServing(t *testing.T) {
	h, _, _ := brokenHost(t, "ok", []string{"--start", "hang"}, func(o *Options) {
		o.StartTimeout, o.MaxCrashes = time.Second, 2
	})
	untilFailed(t, h)
	if in := info(t, h, "broken"); !strings.Contains(in.Reason, "did not start within the start timeout") {
		t.Errorf("reason %q", in.Reason)
	}
}

func TestChecksumAndManifestMismatch(t *testing.T) {
	root := t.TempDir()
	m := install(t, root, "broken", "broken", "0.0.1", allCaps, nil)
	install(t, root, "liar", "broken", "0.0.1", []string{"PlanRules"}, []string{"--name", "liar"})
	install(t, root, "tampered", "broken", "0.0.1", allCaps, []string{"--name", "tampered"})
	// tampered's binary changes after its manifest was written.
	f, err := os.OpenFile(filepath.Join(root, "tampered", "tampered"), os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.Write([]byte("x"))
	must(t, err)
	must(t, f.Close())
	st := newMemStore()
	for _, n := range []string{"broken", "liar", "tampered"} {
		st.enable("t1", n, map[string]string{"mode": "ok"})
	}
	h := newHost(t, root, st, nil, nil)
	if in := info(t, h, "tampered"); in.Status != StatusFailed || !strings.Contains(in.Reason, "checksum mismatch") {
		t.Errorf("tampered: %+v", in)
	}
	// broken's binary is swapped after discovery: caught at start.
	f, err = os.OpenFile(m.Path(), os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.Write([]byte("x"))
	must(t, err)
	must(t, f.Close())
	_, err = h.CheckPlan(ctxT(t), "t1", onePlan())
	wantBlocked(t, err, "")
	if in := info(t, h, "broken"); in.Status != StatusFailed || !strings.Contains(in.Reason, "checksum mismatch") {
		t.Errorf("broken: %+v", in)
	}
	// liar implements three capabilities but declares one: refused at start.
	if in, err := h.probeErr(t, "liar"); in.Status != StatusFailed || !strings.Contains(err.Error(), "capabilities") {
		t.Errorf("liar: %+v, %v", in, err)
	}
}

// probeErr probes a plugin and returns the error (for readability in tests).
func (h *Host) probeErr(t *testing.T, name string) (Info, error) {
	t.Helper()
	err := h.probe(ctxT(t), name)
	if err == nil {
		err = errors.New("probe succeeded")
	}
	return info(t, h, name), err
}

func TestNoHostEnvironment(t *testing.T) {
	t.Setenv("DOANBD_DATABASE_URL", "postgres://secret@db/doanbd")
	h, _, _ := brokenHost(t, "env", nil, nil)
	vs, err := h.CheckPlan(ctxT(t), "t1", onePlan())
	if err != nil || len(vs) != 1 {
		t.Fatalf("%v %v", vs, err)
	}
	for _, kv := range strings.Split(vs[0].Message, "\n") {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == "DOANBD_PLUGIN", name == "DOANBD_PLUGIN_HOST_PID", strings.HasPrefix(name, "PLUGIN_"):
		default:
			t.Errorf("plugin sees host variable %s", name)
		}
	}
}

func TestCloseKillsPlugins(t *testing.T) {
	h, _, _ := brokenHost(t, "ok", nil, nil)
	if _, err := h.CheckPlan(ctxT(t), "t1", onePlan()); err != nil {
		t.Fatal(err)
	}
	hostStillWorks(t, h)
	pids := []int{info(t, h, "broken").PID, info(t, h, "bca-rules").PID}
	h.Close()
	for _, pid := range pids {
		if pid == 0 {
			t.Fatal("plugin was not running")
		}
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("plugin process %d still exists after Close (kill: %v)", pid, err)
		}
	}
	if _, err := h.CheckPlan(context.Background(), "t1", onePlan()); err == nil {
		t.Error("call after Close succeeded")
	}
}

// TestUninstalledPlugin: a tenant enabled plugins that are no longer
// installed. One that checked plans blocks checks with a clear message; one
// that only supplied programmes or costs does not, and falls back.
func TestUninstalledPlugin(t *testing.T) {
	st := newMemStore()
	st.enabled["t1"] = []TenantPlugin{
		{Plugin: "gone-catalog", Enabled: true, Capabilities: []string{"ProgramCatalog"}},
		{Plugin: "gone-costs", Enabled: true, Capabilities: []string{"CostNorms"}},
	}
	st.enabled["t2"] = []TenantPlugin{{Plugin: "gone-rules", Enabled: true, Capabilities: []string{"PlanRules"}}}
	st.enabled["t3"] = []TenantPlugin{{Plugin: "gone-unknown", Enabled: true}}
	h := newHost(t, t.TempDir(), st, nil, nil)
	ctx := ctxT(t)
	if vs, err := h.CheckPlan(ctx, "t1", onePlan()); err != nil || len(vs) != 0 {
		t.Errorf("t1 check: %v, %v", vs, err)
	}
	if _, stale, err := h.LocalPrograms(ctx, "t1"); !stale || err != nil {
		t.Errorf("t1 catalogue: stale %v, err %v", stale, err)
	}
	if _, used, err := h.ClassCosts(ctx, "t1", core.CostRequest{}); used || !strings.Contains(core.ErrorMessage(err), "«gone-costs» (plugin chưa được cài đặt") {
		t.Errorf("t1 costs: used %v, err %v", used, err)
	}
	for _, tenant := range []string{"t2", "t3"} {
		_, err := h.CheckPlan(ctx, tenant, onePlan())
		if core.ErrorCode(err) != core.EUNAVAILABLE || !strings.Contains(core.ErrorMessage(err), "chưa được cài đặt trên máy chủ") {
			t.Errorf("%s check: %v", tenant, err)
		}
	}
}
