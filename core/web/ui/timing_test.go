package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The Server-Timing header goes to signed-in users only: an anonymous page
// (the login form, or a page that sends the visitor to it) gets none.
func TestServerTimingOnlyWhenSignedIn(t *testing.T) {
	counter := func(ctx context.Context) (context.Context, func() (int64, time.Duration)) {
		return ctx, func() (int64, time.Duration) { return 7, 3 * time.Millisecond }
	}
	ts := newTestServer(t, func(o *Options) { o.Queries = counter })
	for _, path := range []string{"/login", "/t/p79/"} {
		w := ts.do(http.MethodGet, path, nil)
		if h := w.Header().Get("Server-Timing"); h != "" {
			t.Errorf("anonymous GET %s (%d) has Server-Timing %q", path, w.Code, h)
		}
	}
	sid := ts.login("admin@demo.vn")
	w := ts.do(http.MethodGet, "/t/p79/", nil, sid)
	if w.Code != http.StatusOK {
		t.Fatalf("home: %d", w.Code)
	}
	if h := w.Header().Get("Server-Timing"); !strings.Contains(h, `queries;desc="7"`) || !strings.Contains(h, "db;dur=3.00") {
		t.Errorf("signed-in home: Server-Timing %q", h)
	}
}
