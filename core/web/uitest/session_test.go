package uitest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"doanbd/core/identity"
)

// demo returns the e-mail of the demo user holding role in tenant.
func demo(role, tenant string) string {
	return role + "." + tenant + "@" + identity.DemoDomain
}

// A planner logs in (coming back to the page she asked for), sees her home
// page, meets the same 404 page for another tenant's URL as for a missing
// page, switches to English and logs out.
func TestLoginHomeAndTenantIsolation(t *testing.T) {
	srv := StartServer(t)
	b := NewBrowser(t, srv.URL)

	b.Open("/t/p79/")
	b.Check(strings.HasPrefix(b.Path(), "/login?next=%2Ft%2Fp79%2F"), "anonymous home did not go to the login page: %s", b.Path())
	b.Expect("h1", "Đăng nhập")

	b.Open("/login")
	status := b.Submit("wrong password",
		chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), demo("planner", "p79")),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "sai-mat-khau"),
		chromedp.Click(chromedp.CSS("#login-submit")),
	)
	b.Check(status == 422, "wrong password: status %d", status)
	b.Expect(".form-message", "Thư điện tử hoặc mật khẩu không đúng.")
	email, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS("#f-email")))
	b.Check(err == nil && email == demo("planner", "p79"), "the e-mail was not kept: %q %v", email, err)

	b.Open("/t/p79/")
	b.Login(demo("planner", "p79"), identity.DemoPassword)
	b.Check(b.Path() == "/t/p79/", "after login: %s", b.Path())
	b.Expect("main h1", "Thành Đoàn Thành phố Hồ Chí Minh")
	b.Expect("main", "Xin chào")

	// Another tenant's URL and a missing page look the same.
	status = b.Open("/t/p01/")
	b.Check(status == 404, "p01 as a p79 planner: status %d", status)
	b.Expect("main h1", "Không tìm thấy trang")
	other := b.Text("main h1") + b.Text("main p")
	status = b.Open("/t/p79/khong-co-trang-nay")
	b.Check(status == 404, "missing page: status %d", status)
	b.Check(b.Text("main h1")+b.Text("main p") == other, "the 404 for another tenant differs from a missing page")

	// English on request, Vietnamese by default.
	b.Open("/t/p79/")
	b.Submit("switch to English", chromedp.Click(chromedp.CSS(`.lang-switch a[lang=en]`)))
	b.Expect("main", "Hello")
	b.Submit("back to Vietnamese", chromedp.Click(chromedp.CSS(`.lang-switch a[lang=vi]`)))
	b.Expect("main", "Xin chào")

	// On a phone the pages fit the screen (checked on every page opened).
	b.Do("phone screen", chromedp.EmulateViewport(390, 844))
	for _, p := range []string{"/t/p79/", "/t/p79/cadres", "/t/p79/plans", "/t/p79/programs", "/inbox", "/t/p79/imports/new"} {
		b.Open(p)
	}
	b.Do("laptop screen", chromedp.EmulateViewport(1366, 768))
	b.Open("/t/p79/")

	b.Do("open the user menu", chromedp.Click(chromedp.CSS("#user-menu summary")))
	b.Submit("log out", chromedp.Click(chromedp.CSS("#user-menu button[type=submit]")))
	b.Check(strings.HasPrefix(b.Path(), "/login"), "after logout: %s", b.Path())
	b.Expect("[role=status]", "Bạn đã đăng xuất.")
	b.Open("/t/p79/")
	b.Check(strings.HasPrefix(b.Path(), "/login"), "still logged in after logout: %s", b.Path())
}
