package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/web"
)

// logBuffer collects the server's logs.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newServer(t *testing.T, o web.Options) (*web.Server, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	o.Log = slog.New(slog.NewTextHandler(logs, nil))
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	s, err := web.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s, logs
}

func do(s *web.Server, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w
}

type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Code      string `json:"code"`
	RequestID string `json:"request_id"`
	Errors    []core.FieldError
}

func decodeProblem(t *testing.T, w *httptest.ResponseRecorder, status int) problem {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	var p problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem body %s: %v", w.Body, err)
	}
	if p.Status != status || p.RequestID == "" || p.RequestID != w.Header().Get("X-Request-ID") || p.Title == "" {
		t.Fatalf("problem %+v (X-Request-ID %q)", p, w.Header().Get("X-Request-ID"))
	}
	return p
}

func TestRequestID(t *testing.T) {
	s, logs := newServer(t, web.Options{})
	var seen string
	s.Public(http.MethodGet, "/id", func(c *gin.Context) error {
		seen = web.RequestID(c)
		c.String(http.StatusOK, "ok")
		return nil
	})
	for _, tc := range []struct{ in, want string }{
		{"", ""}, // generated
		{"client-trace-0001", "client-trace-0001"},
		{"bad id with spaces", ""},    // replaced
		{strings.Repeat("a", 65), ""}, // too long: replaced
		{"short", ""},                 // too short: replaced
	} {
		r := httptest.NewRequest(http.MethodGet, "/id", nil)
		if tc.in != "" {
			r.Header.Set("X-Request-ID", tc.in)
		}
		w := do(s, r)
		got := w.Header().Get("X-Request-ID")
		if got != seen {
			t.Fatalf("header %q, handler saw %q", got, seen)
		}
		if tc.want != "" && got != tc.want {
			t.Errorf("in %q: id %q, want %q", tc.in, got, tc.want)
		}
		if tc.want == "" && (got == tc.in || len(got) != 24) {
			t.Errorf("in %q: id %q, want a fresh 24-char id", tc.in, got)
		}
		if !strings.Contains(logs.String(), "request_id="+got) {
			t.Errorf("access log lacks request_id=%s:\n%s", got, logs)
		}
	}
}

func TestNotFoundIsProblem(t *testing.T) {
	s, _ := newServer(t, web.Options{})
	w := do(s, httptest.NewRequest(http.MethodGet, "/no/such/page", nil))
	p := decodeProblem(t, w, http.StatusNotFound)
	if p.Code != core.ENOTFOUND {
		t.Fatalf("code %q", p.Code)
	}
	// Method not allowed is not revealed either: 404 as well.
	w = do(s, httptest.NewRequest(http.MethodDelete, "/healthz", nil))
	decodeProblem(t, w, http.StatusNotFound)
}

func TestErrorsNeverLeakInternals(t *testing.T) {
	s, logs := newServer(t, web.Options{})
	const secret = "pq: password authentication failed for user doanbd_secret"
	s.Public(http.MethodGet, "/panic", func(c *gin.Context) error { panic(secret) })
	s.Public(http.MethodGet, "/internal", func(c *gin.Context) error { return errors.New(secret) })
	s.Public(http.MethodGet, "/wrapped", func(c *gin.Context) error { return core.Internal(errors.New(secret), "load plan") })
	s.Public(http.MethodGet, "/refused", func(c *gin.Context) error {
		return &core.Error{Code: core.EFORBIDDEN, Message: "Bạn không có quyền.", Err: errors.New(secret)}
	})
	s.Public(http.MethodGet, "/invalid", func(c *gin.Context) error {
		return core.Invalid("Dữ liệu không hợp lệ.", core.FieldError{Field: "email", Message: "bắt buộc"})
	})
	for _, tc := range []struct {
		path   string
		status int
		code   string
	}{
		{"/panic", 500, core.EINTERNAL},
		{"/internal", 500, core.EINTERNAL},
		{"/wrapped", 500, core.EINTERNAL},
		{"/refused", 403, core.EFORBIDDEN},
		{"/invalid", 422, core.EINVALID},
	} {
		w := do(s, httptest.NewRequest(http.MethodGet, tc.path, nil))
		p := decodeProblem(t, w, tc.status)
		if p.Code != tc.code || strings.Contains(w.Body.String(), "doanbd_secret") || strings.Contains(w.Body.String(), "goroutine") {
			t.Errorf("%s: %s", tc.path, w.Body)
		}
		if tc.status == 500 && !strings.Contains(logs.String(), "doanbd_secret") {
			t.Errorf("%s: the internal cause is not in the log", tc.path)
		}
		if tc.code == core.EINVALID && (len(p.Errors) != 1 || p.Errors[0].Field != "email") {
			t.Errorf("field errors: %+v", p.Errors)
		}
	}
	if !strings.Contains(logs.String(), "stack=") {
		t.Error("panic logged without its stack")
	}
}

func TestSecurityHeaders(t *testing.T) {
	for _, hsts := range []bool{false, true} {
		s, _ := newServer(t, web.Options{SecureCookies: hsts})
		for _, path := range []string{"/healthz", "/missing"} {
			w := do(s, httptest.NewRequest(http.MethodGet, path, nil))
			h := w.Header()
			for k, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"X-Frame-Options":        "DENY",
				"Referrer-Policy":        "same-origin",
			} {
				if h.Get(k) != want {
					t.Errorf("%s: %s = %q, want %q", path, k, h.Get(k), want)
				}
			}
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s: CSP %q", path, csp)
			}
			if got := h.Get("Strict-Transport-Security") != ""; got != hsts {
				t.Errorf("%s: HSTS present=%v with SecureCookies=%v", path, got, hsts)
			}
		}
	}
}

func TestBodyLimit(t *testing.T) {
	s, _ := newServer(t, web.Options{BodyLimit: 1024})
	var read int
	s.Public(http.MethodPost, "/upload", func(c *gin.Context) error {
		b, err := io.ReadAll(c.Request.Body)
		read = len(b)
		if err != nil {
			return err // what a handler does with a failed read
		}
		c.String(http.StatusOK, "%d", len(b))
		return nil
	})
	// Declared too large: refused before the handler.
	read = -1
	w := do(s, httptest.NewRequest(http.MethodPost, "/upload", strings.NewReader(strings.Repeat("x", 2000))))
	if p := decodeProblem(t, w, http.StatusRequestEntityTooLarge); p.Code != "too_large" || read != -1 {
		t.Fatalf("declared oversize: %+v, handler read %d", p, read)
	}
	// Undeclared length (chunked): the read is cut at the limit, still 413.
	r := httptest.NewRequest(http.MethodPost, "/upload", io.MultiReader(strings.NewReader(strings.Repeat("x", 2000))))
	r.ContentLength = -1
	w = do(s, r)
	if p := decodeProblem(t, w, http.StatusRequestEntityTooLarge); p.Code != "too_large" || read > 1024 {
		t.Fatalf("chunked oversize: %+v, handler read %d", p, read)
	}
	w = do(s, httptest.NewRequest(http.MethodPost, "/upload", strings.NewReader(strings.Repeat("x", 1000))))
	if w.Code != http.StatusOK || w.Body.String() != "1000" {
		t.Fatalf("within the limit: %d %s", w.Code, w.Body)
	}
}

func TestTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		proxies []string
		remote  string
		want    string
	}{
		{"none trusted", nil, "127.0.0.1:5000", "127.0.0.1"},
		{"trusted proxy", []string{"127.0.0.1"}, "127.0.0.1:5000", "203.0.113.7"},
		{"trusted CIDR", []string{"10.0.0.0/8"}, "10.1.2.3:5000", "203.0.113.7"},
		{"untrusted peer", []string{"10.0.0.0/8"}, "192.0.2.1:5000", "192.0.2.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newServer(t, web.Options{TrustedProxies: tc.proxies})
			s.Public(http.MethodGet, "/ip", func(c *gin.Context) error {
				c.String(http.StatusOK, c.ClientIP())
				return nil
			})
			r := httptest.NewRequest(http.MethodGet, "/ip", nil)
			r.RemoteAddr = tc.remote
			r.Header.Set("X-Forwarded-For", "203.0.113.7")
			if w := do(s, r); w.Body.String() != tc.want {
				t.Fatalf("client IP %q, want %q", w.Body, tc.want)
			}
		})
	}
	if _, err := web.New(web.Options{TrustedProxies: []string{"not-an-ip"}}); err == nil {
		t.Fatal("bad trusted proxy accepted")
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	var fail error
	s, logs := newServer(t, web.Options{
		Ready:   func(ctx context.Context) error { return fail },
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "doanbd_up 1\n") }),
	})
	get := func(path string) *httptest.ResponseRecorder {
		return do(s, httptest.NewRequest(http.MethodGet, path, nil))
	}
	if w := get("/healthz"); w.Code != 200 {
		t.Fatalf("/healthz %d", w.Code)
	}
	if w := get("/readyz"); w.Code != 200 {
		t.Fatalf("/readyz %d", w.Code)
	}
	fail = errors.New("database: connection refused at 10.0.0.5")
	w := get("/readyz")
	if w.Code != http.StatusServiceUnavailable || strings.Contains(w.Body.String(), "10.0.0.5") {
		t.Fatalf("/readyz while not ready: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(logs.String(), "10.0.0.5") {
		t.Fatal("readiness failure not logged")
	}
	if w := get("/healthz"); w.Code != 200 {
		t.Fatalf("/healthz must not depend on readiness: %d", w.Code)
	}
	if w := get("/metrics"); w.Code != 200 || !strings.Contains(w.Body.String(), "doanbd_up 1") {
		t.Fatalf("/metrics %d %s", w.Code, w.Body)
	}
}

// Shutdown stops accepting, lets an in-flight request finish, and Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	s, _ := newServer(t, web.Options{})
	started, release := make(chan struct{}), make(chan struct{})
	s.Public(http.MethodGet, "/slow", func(c *gin.Context) error {
		close(started)
		<-release
		c.String(http.StatusOK, "finished")
		return nil
	})
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr()
	if strings.HasSuffix(addr, ":0") {
		t.Fatalf("Addr %s after Listen", addr)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-started
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		shut <- s.Shutdown(ctx)
	}()
	// New connections are refused once shutdown has begun.
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections during shutdown")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	if body := <-got; body != "finished" {
		t.Fatalf("in-flight request: %q", body)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve after shutdown: %v", err)
	}
}
