package host

import (
	"strings"
	"testing"
	"time"
)

// expireCooldown makes the cool-down of a failed plugin end now, so the
// tests need not wait for it.
func expireCooldown(t *testing.T, h *Host, name string) {
	t.Helper()
	p := h.procs[name]
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != stateFailed {
		t.Fatalf("%s is not failed", name)
	}
	p.failedAt = time.Now().Add(-p.opt.FailedCooldown)
}

// TestFailedRetriedAfterCooldown: a plugin failed after repeated crashes
// stays failed during the cool-down, then the next call starts it again.
func TestFailedRetriedAfterCooldown(t *testing.T) {
	h, st, _ := brokenHost(t, "crash", nil, nil)
	untilFailed(t, h)
	in := info(t, h, "broken")
	if in.RetryAt == nil || !in.RetryAt.After(time.Now()) {
		t.Fatalf("failed plugin without a future retry time: %+v", in)
	}
	st.enable("t1", "broken", map[string]string{"mode": "ok"}) // the cause is fixed
	_, err := h.CheckPlan(ctxT(t), "t1", onePlan())
	wantBlocked(t, err, "đã bị tạm dừng vì lỗi lặp lại")

	expireCooldown(t, h, "broken")
	if vs, err := h.CheckPlan(ctxT(t), "t1", onePlan()); err != nil || len(vs) != 1 {
		t.Fatalf("after the cool-down: %v, %v", vs, err)
	}
	if in := info(t, h, "broken"); in.Status != StatusOK || !in.Running || in.RetryAt != nil {
		t.Errorf("after the cool-down: %+v", in)
	}
	h.bg.Wait()
	if s := st.statuses["broken"]; s.Status != StatusOK {
		t.Errorf("stored status %+v, want ok again", s)
	}
	// Serving again, it has the usual crash allowance, not a second chance.
	st.enable("t1", "broken", map[string]string{"mode": "crash"})
	_, err = h.CheckPlan(ctxT(t), "t1", onePlan())
	wantBlocked(t, err, "")
	if in := info(t, h, "broken"); in.Status != StatusOK {
		t.Errorf("one crash after recovering marked it %s (%s)", in.Status, in.Reason)
	}
}

// TestSecondChanceIsOneTry: a plugin still broken after the cool-down is
// failed again by its first crash.
func TestSecondChanceIsOneTry(t *testing.T) {
	h, _, _ := brokenHost(t, "crash", nil, nil)
	untilFailed(t, h)
	expireCooldown(t, h, "broken")
	_, err := h.CheckPlan(ctxT(t), "t1", onePlan())
	wantBlocked(t, err, "")
	in := info(t, h, "broken")
	if in.Status != StatusFailed || !strings.Contains(in.Reason, "failed again on its second chance") || in.RetryAt == nil {
		t.Fatalf("after one crash on its second chance: %+v", in)
	}
	_, err = h.CheckPlan(ctxT(t), "t1", onePlan())
	wantBlocked(t, err, "đã bị tạm dừng vì lỗi lặp lại")
	hostStillWorks(t, h)
}

// TestReset: an administrator's reset tries a failed plugin at once; it
// reports why it failed again, and leaves a working plugin alone.
func TestReset(t *testing.T) {
	h, _, _ := brokenHost(t, "ok", []string{"--start", "exit"}, nil)
	untilFailed(t, h)
	reset, err := h.Reset(ctxT(t), "broken")
	if !reset || err == nil || !strings.Contains(err.Error(), "second chance") || !strings.Contains(err.Error(), "exited before serving") {
		t.Fatalf("reset of a plugin that cannot start: %v, %v", reset, err)
	}
	if in := info(t, h, "broken"); in.Status != StatusFailed || in.RetryAt == nil {
		t.Errorf("after a failed reset: %+v", in)
	}

	h2, st2, _ := brokenHost(t, "crash", nil, nil)
	untilFailed(t, h2)
	st2.enable("t1", "broken", map[string]string{"mode": "ok"})
	if reset, err := h2.Reset(ctxT(t), "broken"); !reset || err != nil {
		t.Fatalf("reset of a mended plugin: %v, %v", reset, err)
	}
	if in := info(t, h2, "broken"); in.Status != StatusOK || !in.Running {
		t.Errorf("after reset: %+v", in)
	}
	if _, err := h2.CheckPlan(ctxT(t), "t1", onePlan()); err != nil {
		t.Fatal(err)
	}
	if reset, err := h2.Reset(ctxT(t), "bca-rules"); reset || err != nil {
		t.Errorf("reset of a working plugin: %v, %v", reset, err)
	}
	if _, err := h2.Reset(ctxT(t), "nope"); err == nil {
		t.Error("reset of an unknown plugin succeeded")
	}
}
