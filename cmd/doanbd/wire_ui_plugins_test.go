package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"doanbd/core"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
	"doanbd/plugins/host"
)

// The plugins page's "Khởi động lại" through the real host: a plugin that
// still cannot start says so with its next try (503), a wrongly installed
// one cannot be restarted (409), nor one the tenant has not enabled, and
// the page sees the failed plugin's retry time.
func TestUIPluginsReset(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		root := t.TempDir()
		fakePlugin(t, root, "broken", "PlanRules", "") // /bin/true: exits before serving
		fakePlugin(t, root, "tampered", "PlanRules", strings.Repeat("0", 64))
		fakePlugin(t, root, "idle", "PlanRules", "")
		st := host.NewDBStore(db)
		for _, name := range []string{"broken", "tampered"} {
			if err := st.Put(ctx, "p79", host.TenantPlugin{Plugin: name, Enabled: true}); err != nil {
				t.Fatal(err)
			}
		}
		h, err := host.New(host.Options{Dir: root, Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			MaxCrashes: 1, BackoffBase: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(h.Close)
		failed := func() bool { in, _ := h.Plugin("broken"); return in.Status == host.StatusFailed }
		for i := 0; i < 20 && !failed(); i++ {
			if _, err := h.CheckPlan(ctx, "p79", core.PlanForRules{Year: 2027}); err == nil {
				t.Fatal("a check with a plugin that cannot start succeeded")
			}
		}
		if !failed() {
			t.Fatal("the plugin was never marked failed")
		}
		p := uiPlugins{h: h, st: st}
		ps, err := p.TenantPlugins(ctx, "p79")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ps {
			if s.Name == "broken" && (s.Status != host.StatusFailed || s.RetryAt == nil) {
				t.Errorf("the page's view of the failed plugin: %+v", s)
			}
		}
		actor := core.Principal{UserID: "u1"}
		err = p.ResetPlugin(ctx, actor, "p79", "broken")
		if core.ErrorCode(err) != core.EUNAVAILABLE || !strings.Contains(core.ErrorMessage(err), "vẫn lỗi sau khi khởi động lại") ||
			!strings.Contains(core.ErrorMessage(err), "tự thử lại lúc") {
			t.Errorf("reset of a plugin that still cannot start: %v (%q)", err, core.ErrorMessage(err))
		}
		err = p.ResetPlugin(ctx, actor, "p79", "tampered")
		if core.ErrorCode(err) != core.ECONFLICT || !strings.Contains(core.ErrorMessage(err), "được cài đặt sai") {
			t.Errorf("reset of a wrongly installed plugin: %v (%q)", err, core.ErrorMessage(err))
		}
		if err := p.ResetPlugin(ctx, actor, "p79", "idle"); core.ErrorCode(err) != core.ECONFLICT {
			t.Errorf("reset of a plugin the tenant has not enabled: %v", err)
		}
		if err := p.ResetPlugin(ctx, actor, "p79", "nope"); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("reset of an unknown plugin: %v", err)
		}
	})
}
