package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"doanbd/core"
)

// fakePlugins is a plugin host: one plugin that failed, whose reset fails
// until healthy is set.
type fakePlugins struct {
	mu      sync.Mutex
	states  []PluginState
	healthy bool
	resets  []string
}

func (f *fakePlugins) TenantPlugins(context.Context, string) ([]PluginState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]PluginState(nil), f.states...), nil
}

func (f *fakePlugins) SetPlugin(context.Context, core.Principal, string, string, bool, map[string]string) error {
	return nil
}

func (f *fakePlugins) ResetPlugin(_ context.Context, _ core.Principal, tenant, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resets = append(f.resets, tenant+"/"+name)
	if !f.healthy {
		return core.Errorf(core.EUNAVAILABLE, "Plugin «%s» vẫn lỗi sau khi khởi động lại nên tiếp tục bị tạm dừng.", name)
	}
	for i := range f.states {
		if f.states[i].Name == name {
			f.states[i].Status, f.states[i].RetryAt = "ok", nil
		}
	}
	return nil
}

func TestPluginReset(t *testing.T) {
	// 03:04 UTC is 10:04 in Việt Nam.
	retry := time.Date(2026, 11, 25, 3, 4, 0, 0, time.UTC)
	fp := &fakePlugins{states: []PluginState{
		{Name: "dinhmuc", Version: "1.0.0", Status: "failed", Installed: true, Enabled: true, RetryAt: &retry,
			Settings: map[string]string{"muc": "1"}},
		{Name: "quydinh", Version: "2.0.0", Status: "ok", Installed: true, Enabled: true},
	}}
	ts := newTestServer(t, func(o *Options) { o.PluginAdmin = fp })
	ts.ids.perms["plugin_admin"] = []string{"plugin:read", "plugin:manage"}
	ts.ids.perms["plugin_viewer"] = []string{"plugin:read"}
	ts.ids.addUser("u3", "quantri@demo.vn", "đúng-mật-khẩu", map[string][]string{"p79": {"plugin_admin"}})
	ts.ids.addUser("u4", "xem@demo.vn", "đúng-mật-khẩu", map[string][]string{"p79": {"plugin_viewer"}})
	admin, viewer := ts.login("quantri@demo.vn"), ts.login("xem@demo.vn")

	page := ts.do(http.MethodGet, "/t/p79/admin/plugins", nil, admin).Body.String()
	for _, want := range []string{`action="/t/p79/admin/plugins/dinhmuc/reset"`, "Khởi động lại", "Hệ thống tự thử lại lúc 25/11/2026 10:04."} {
		if !strings.Contains(page, want) {
			t.Errorf("plugins page lacks %q", want)
		}
	}
	if strings.Contains(page, "/admin/plugins/quydinh/reset") {
		t.Error("a working plugin has a reset button")
	}
	view := ts.do(http.MethodGet, "/t/p79/admin/plugins", nil, viewer).Body.String()
	if strings.Contains(view, "/reset") || !strings.Contains(view, "Hệ thống tự thử lại lúc") {
		t.Error("a user who may only read: a reset button, or no retry time")
	}
	if w := ts.do(http.MethodPost, "/t/p79/admin/plugins/dinhmuc/reset", url.Values{"csrf_token": {"tok"}}, viewer); w.Code == http.StatusSeeOther || w.Code < 400 {
		t.Errorf("reset by a user without plugin:manage: %d", w.Code)
	}

	// Still failing: the page again, with the host's reason, settings kept.
	w := ts.do(http.MethodPost, "/t/p79/admin/plugins/dinhmuc/reset", url.Values{"csrf_token": {"tok"}}, admin)
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "vẫn lỗi sau khi khởi động lại") ||
		!strings.Contains(w.Body.String(), "muc = 1") {
		t.Fatalf("failed reset: %d %s", w.Code, w.Body)
	}

	// Healthy again: back to the list with a flash, the button gone.
	fp.mu.Lock()
	fp.healthy = true
	fp.mu.Unlock()
	w = ts.do(http.MethodPost, "/t/p79/admin/plugins/dinhmuc/reset", url.Values{"csrf_token": {"tok"}}, admin)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/t/p79/admin/plugins" {
		t.Fatalf("reset: %d %q", w.Code, w.Header().Get("Location"))
	}
	var flash *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == flashCookie {
			flash = c
		}
	}
	if flash == nil {
		t.Fatal("reset set no flash")
	}
	page = ts.do(http.MethodGet, "/t/p79/admin/plugins", nil, admin, flash).Body.String()
	if !strings.Contains(page, "Đã khởi động lại phần mở rộng") || strings.Contains(page, "/reset") {
		t.Errorf("after the reset: flash missing or button still shown")
	}
	if want := []string{"p79/dinhmuc", "p79/dinhmuc"}; strings.Join(fp.resets, ",") != strings.Join(want, ",") {
		t.Errorf("resets %v, want %v", fp.resets, want)
	}
}
