package uitest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"doanbd/core/testenv"
)

func TestMain(m *testing.M) {
	defer removeBinary()
	testenv.Main(m)
}

var warnOnce sync.Once

// chromium finds Debian's Chromium, or skips (fails under
// DOANBD_REQUIRE_EXTERNAL=1) with a loud message.
func chromium(tb testing.TB) string {
	tb.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	msg := "uitest: chromium not found (looked in /usr/bin and PATH). Install the Debian package \"chromium\" " +
		"(apt-get install -y chromium). Browser tests are SKIPPED unless DOANBD_REQUIRE_EXTERNAL=1, which makes them FAIL."
	if testenv.RequireExternal() {
		tb.Fatal(msg + " [DOANBD_REQUIRE_EXTERNAL=1]")
	}
	warnOnce.Do(func() { fmt.Fprintf(os.Stderr, "\n!!!!! %s\n\n", msg) })
	tb.Skip("SKIPPED: " + msg)
	return ""
}

// Browser is one headless Chromium tab with a fresh profile, at 1366×768.
type Browser struct {
	tb    testing.TB
	ctx   context.Context
	base  string
	shots int
}

// stepTimeout bounds one step so a hung page fails the test with a
// screenshot instead of hanging until the test binary's timeout.
const stepTimeout = 45 * time.Second

// NewBrowser starts Chromium for the test.
func NewBrowser(tb testing.TB, base string) *Browser {
	tb.Helper()
	exe := chromium(tb)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(1366, 768),
		chromedp.Flag("lang", "vi-VN"),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	tb.Cleanup(func() { cancel(); cancelA() })
	b := &Browser{tb: tb, ctx: ctx, base: base}
	// Start the browser now so a start-up failure is reported here.
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("start chromium: %v", err)
	}
	return b
}

// fail saves a screenshot of the page and the page's text, then fails.
func (b *Browser) fail(step string, err error) {
	b.tb.Helper()
	b.shots++
	dir := filepath.Join(repoRoot(b.tb), "artifacts", "uitest")
	name := regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(b.tb.Name(), "_")
	path := filepath.Join(dir, fmt.Sprintf("%s-%02d.png", name, b.shots))
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	where, _ := chromedp.Run(ctx, chromedp.Location())
	shot, serr := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if serr == nil {
		if merr := os.MkdirAll(dir, 0o755); merr == nil {
			if werr := os.WriteFile(path, shot, 0o644); werr == nil {
				b.tb.Logf("screenshot of the failing page: %s", path)
			}
		}
	} else {
		b.tb.Logf("no screenshot: %v", serr)
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
	b.tb.Fatalf("step %q failed at %s: %v\npage text:\n%s", step, where, err, tail(text, 3000))
}

// Do runs actions as one named step.
func (b *Browser) Do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(step, err)
	}
}

// Open navigates to path and returns the HTTP status of the document.
// Every page opened is checked for basic accessibility (see checkPage).
func (b *Browser) Open(path string) int64 {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.fail("open "+path, err)
	}
	b.checkPage()
	return resp.Status
}

// a11yScript lists what keeps a page from being used with a screen reader
// or a keyboard: form controls without a label, a document without a
// language, images without text, duplicate ids (which break label and
// aria references), inline scripts or styles (refused by the CSP), and a
// page wider than the window (wide tables must scroll inside their box).
const a11yScript = `(() => {
  const bad = [];
  document.querySelectorAll('input:not([type=hidden]), select, textarea').forEach(el => {
    const lab = el.id && document.querySelector('label[for="' + el.id + '"]');
    if (!lab && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !el.closest('label')) {
      bad.push('no label: ' + (el.name || el.outerHTML.slice(0, 80)));
    }
  });
  if (!document.documentElement.lang) bad.push('no lang on html');
  document.querySelectorAll('img:not([alt])').forEach(() => bad.push('img without alt'));
  const ids = {};
  document.querySelectorAll('[id]').forEach(e => { if (ids[e.id]) bad.push('duplicate id ' + e.id); ids[e.id] = 1; });
  document.querySelectorAll('script:not([src]), style, [style]').forEach(e => bad.push('inline ' + e.tagName.toLowerCase()));
  if (!document.querySelector('h1')) bad.push('no h1');
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    bad.push('page wider than the window (' + document.documentElement.scrollWidth + ' > ' + window.innerWidth + ')');
  }
  return bad;
})()`

// checkPage fails the test, with a screenshot, when the page has one of the
// problems a11yScript looks for.
func (b *Browser) checkPage() {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](a11yScript))
	if err != nil {
		b.fail("accessibility check", err)
	}
	if len(bad) > 0 {
		b.fail("accessibility check", fmt.Errorf("%s", strings.Join(bad, "; ")))
	}
}

// Submit runs actions that submit a form (a click) and waits for the page it
// leads to; it returns the HTTP status of that page's document.
func (b *Browser) Submit(step string, actions ...chromedp.Action[chromedp.Void]) int64 {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.fail(step, err)
	}
	if resp == nil {
		b.fail(step, fmt.Errorf("no navigation happened"))
		return 0
	}
	b.checkPage()
	return resp.Status
}

// Text returns the visible text of the first element matching sel.
func (b *Browser) Text(sel string) string {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.fail("read text of "+sel, err)
	}
	return s
}

// Path returns the path and query of the current page.
func (b *Browser) Path() string {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.fail("read location", err)
	}
	return strings.TrimPrefix(loc, b.base)
}

// Expect fails (with a screenshot) unless the text of sel contains want.
func (b *Browser) Expect(sel, want string) {
	b.tb.Helper()
	if got := b.Text(sel); !strings.Contains(got, want) {
		b.fail("expect "+sel, fmt.Errorf("text %q does not contain %q", tail(got, 500), want))
	}
}

// Check fails with a screenshot when ok is false.
func (b *Browser) Check(ok bool, format string, args ...any) {
	b.tb.Helper()
	if !ok {
		b.fail("check", fmt.Errorf(format, args...))
	}
}

// Login logs in through the login form and waits for the page after it.
func (b *Browser) Login(email, password string) {
	b.tb.Helper()
	b.Open("/login")
	status := b.Submit("log in as "+email,
		chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS("#login-submit")),
	)
	b.Check(status == 200, "after login: status %d", status)
	b.Check(!strings.HasPrefix(b.Path(), "/login"), "still on the login page")
}
