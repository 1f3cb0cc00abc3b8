package ui

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"doanbd/core/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestAnonymousPageRedirectsToLogin(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		method, path, want string
	}{
		{http.MethodGet, "/", "/login"},
		{http.MethodGet, "/t/p79/", "/login?next=%2Ft%2Fp79%2F"},
		{http.MethodGet, "/t/p79/?a=1", "/login?next=%2Ft%2Fp79%2F%3Fa%3D1"},
		{http.MethodPost, "/logout", "/login?next=%2F"},
	}
	for _, tt := range tests {
		w := ts.do(tt.method, tt.path, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != tt.want {
			t.Errorf("%s %s: %d %q, want 303 %q", tt.method, tt.path, w.Code, w.Header().Get("Location"), tt.want)
		}
	}
}

func TestLogin(t *testing.T) {
	ts := newTestServer(t)
	t.Run("wrong password keeps the e-mail and says why", func(t *testing.T) {
		w := ts.do(http.MethodPost, "/login", url.Values{"email": {"planner@demo.vn"}, "password": {"sai"}, "next": {"/t/p79/"}})
		if w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", w.Code)
		}
		body := w.Body.String()
		for _, want := range []string{`value="planner@demo.vn"`, "Thư điện tử hoặc mật khẩu không đúng.", `value="/t/p79/"`} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if strings.Contains(body, `value="sai"`) {
			t.Error("the password was echoed back")
		}
	})
	t.Run("missing fields are marked next to the field", func(t *testing.T) {
		w := ts.do(http.MethodPost, "/login", url.Values{"email": {""}, "password": {""}})
		body := w.Body.String()
		if w.Code != http.StatusUnprocessableEntity || strings.Count(body, `aria-invalid="true"`) != 2 || !strings.Contains(body, `id="f-email-err"`) {
			t.Fatalf("status %d, body %s", w.Code, body)
		}
	})
	t.Run("success goes to next, or the user's tenant", func(t *testing.T) {
		w := ts.do(http.MethodPost, "/login", url.Values{"email": {"planner@demo.vn"}, "password": {"đúng-mật-khẩu"}, "next": {"/t/p79/?x=1"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/t/p79/?x=1" {
			t.Fatalf("%d %q", w.Code, w.Header().Get("Location"))
		}
		w = ts.do(http.MethodPost, "/login", url.Values{"email": {"planner@demo.vn"}, "password": {"đúng-mật-khẩu"}, "next": {"//evil.example/"}})
		if w.Header().Get("Location") != "/t/p79/" {
			t.Fatalf("open redirect: %q", w.Header().Get("Location"))
		}
	})
	t.Run("logout ends the session", func(t *testing.T) {
		sid := ts.login("planner@demo.vn")
		w := ts.do(http.MethodPost, "/logout", nil, sid)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login" {
			t.Fatalf("%d %q", w.Code, w.Header().Get("Location"))
		}
		if w := ts.do(http.MethodGet, "/t/p79/", nil, sid); w.Code != http.StatusSeeOther {
			t.Fatalf("after logout: %d", w.Code)
		}
	})
}

func TestHomeAndFrame(t *testing.T) {
	ts := newTestServer(t)
	sid := ts.login("admin@demo.vn")
	w := ts.do(http.MethodGet, "/", nil, sid)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/t/p79/" {
		t.Fatalf("/: %d %q", w.Code, w.Header().Get("Location"))
	}
	w = ts.do(http.MethodGet, "/t/p79/", nil, sid)
	if w.Code != http.StatusOK {
		t.Fatalf("home: %d %s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, want := range []string{
		`<html lang="vi">`, "Thành Đoàn Thành phố Hồ Chí Minh",
		`id="tenant-switcher"`, `href="/t/tw/"`, // roles in two tenants: a switcher
		`name="csrf_token" value="tok"`, `aria-current="page"`, "Đăng xuất",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	// One tenant: no switcher.
	sid = ts.login("planner@demo.vn")
	if body := ts.do(http.MethodGet, "/t/p79/", nil, sid).Body.String(); strings.Contains(body, `id="tenant-switcher"`) {
		t.Error("a user with one tenant got a switcher")
	}
}

func TestErrorPages(t *testing.T) {
	ts := newTestServer(t)
	sid := ts.login("planner@demo.vn")
	tests := []struct {
		name, path string
		status     int
		want       string
	}{
		{"another tenant looks missing", "/t/p01/", http.StatusNotFound, "Không tìm thấy trang"},
		{"unknown tenant", "/t/zz/", http.StatusNotFound, "Không tìm thấy trang"},
		{"unknown page", "/khong-co", http.StatusNotFound, "Không tìm thấy trang"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ts.do(http.MethodGet, tt.path, nil, sid)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.want) {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
				t.Errorf("content type %q", w.Header().Get("Content-Type"))
			}
		})
	}
	t.Run("API paths keep problem+json", func(t *testing.T) {
		w := ts.do(http.MethodGet, "/api/v1/khong-co", nil, sid)
		if w.Code != http.StatusNotFound || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
			t.Fatalf("%d %q", w.Code, w.Header().Get("Content-Type"))
		}
	})
	t.Run("a panic shows the 500 page and nothing of the cause", func(t *testing.T) {
		ts.s.Engine().GET("/boom", func(*gin.Context) { panic("secret database password") })
		w := ts.do(http.MethodGet, "/boom", nil)
		body := w.Body.String()
		if w.Code != http.StatusInternalServerError || !strings.Contains(body, "Hệ thống đang gặp sự cố") || strings.Contains(body, "secret") {
			t.Fatalf("%d %s", w.Code, body)
		}
	})
	t.Run("in English when chosen", func(t *testing.T) {
		w := ts.do(http.MethodGet, "/khong-co", nil, &http.Cookie{Name: langCookie, Value: "en"})
		if !strings.Contains(w.Body.String(), "Page not found") || !strings.Contains(w.Body.String(), `<html lang="en">`) {
			t.Fatalf("%s", w.Body)
		}
	})
}

func TestLanguageSwitch(t *testing.T) {
	ts := newTestServer(t)
	w := ts.do(http.MethodGet, "/lang/en?next=/login", nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login" {
		t.Fatalf("%d %q", w.Code, w.Header().Get("Location"))
	}
	var lang *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == langCookie {
			lang = c
		}
	}
	if lang == nil || lang.Value != "en" {
		t.Fatalf("cookie %v", lang)
	}
	if body := ts.do(http.MethodGet, "/login", nil, lang).Body.String(); !strings.Contains(body, "Log in") || strings.Contains(body, "Mật khẩu") {
		t.Fatalf("login page not in English")
	}
	if w := ts.do(http.MethodGet, "/lang/en?next=https://evil.example/", nil); w.Header().Get("Location") != "/" {
		t.Fatalf("open redirect: %q", w.Header().Get("Location"))
	}
}

func TestAssets(t *testing.T) {
	ts := newTestServer(t)
	body := ts.do(http.MethodGet, "/login", nil).Body.String()
	re := regexp.MustCompile(`/assets/(app|htmx\.min)\.[0-9a-f]{12}\.(css|js)`)
	urls := re.FindAllString(body, -1)
	if len(urls) != 3 {
		t.Fatalf("asset URLs in page: %v", urls)
	}
	for _, u := range urls {
		w := ts.do(http.MethodGet, u, nil)
		if w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") || w.Body.Len() == 0 {
			t.Fatalf("%s: %d %q", u, w.Code, w.Header().Get("Cache-Control"))
		}
	}
	if w := ts.do(http.MethodGet, "/assets/app.000000000000.css", nil); w.Code != http.StatusNotFound {
		t.Fatalf("stale asset: %d", w.Code)
	}
	// No inline script or style: the CSP forbids them.
	for _, bad := range []string{"<script>", "style=", "<style", " on"} {
		if bad == " on" {
			if regexp.MustCompile(`\son[a-z]+=`).MatchString(body) {
				t.Errorf("inline event handler in page")
			}
			continue
		}
		if strings.Contains(body, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/t/p79/cadres?q=a": "/t/p79/cadres?q=a", "": "/", "//evil": "/", "/\\evil": "/",
		"https://evil/": "/", "javascript:alert(1)": "/", "relative": "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
