package ui

import (
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/web"
)

func (u *UI) registerSession(s *web.Server) {
	s.Public(http.MethodGet, "/", u.root)
	s.Public(http.MethodGet, "/login", u.loginForm)
	s.Public(http.MethodPost, "/login", u.login)
	s.Authed(http.MethodPost, "/logout", "session", "logout", u.logout)
	// Every role holds program.read in its tenant: the home page is for
	// anyone with a role there.
	s.TenantPage(http.MethodGet, "/", objProgram, actRead, u.home)
	u.sections = append(u.sections, section{label: "nav.home", path: "/", obj: objProgram, act: actRead})
}

// signedIn returns the caller of a public page, if a session is present,
// and puts it in the request context for the page frame.
func (u *UI) signedIn(c *gin.Context) (core.Principal, bool) {
	p, err := u.auth.Authenticate(c)
	if err != nil || p.UserID == "" {
		return core.Principal{}, false
	}
	c.Request = c.Request.WithContext(core.WithPrincipal(c.Request.Context(), p))
	return p, true
}

// homeOf is the first page of a user: the home page of the first tenant
// where they hold a role.
func (u *UI) homeOf(c *gin.Context, p core.Principal) (string, error) {
	roles, err := u.roles.RolesOf(c.Request.Context(), p.UserID)
	if err != nil {
		return "", core.Internal(err, "read roles")
	}
	ids := make([]string, 0, len(roles))
	for id, rs := range roles {
		if len(rs) > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return "", core.Errorf(core.EFORBIDDEN, "Tài khoản chưa được phân quyền ở đơn vị nào.")
	}
	sort.Strings(ids)
	// A role without the home page's permission (the committee recorder)
	// starts in the inbox, where its work is.
	if u.authz.Authorize(c.Request.Context(), p, ids[0], objProgram, actRead) != nil {
		return "/inbox", nil
	}
	return "/t/" + ids[0] + "/", nil
}

// root handles GET /: the user's home, or the login page.
func (u *UI) root(c *gin.Context) error {
	p, ok := u.signedIn(c)
	if !ok {
		c.Redirect(http.StatusSeeOther, "/login")
		return nil
	}
	to, err := u.homeOf(c, p)
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, to)
	return nil
}

type loginData struct {
	Next string
}

// loginForm handles GET /login?next=….
func (u *UI) loginForm(c *gin.Context) error {
	next := localPath(c.Query("next"))
	if _, ok := u.signedIn(c); ok {
		c.Redirect(http.StatusSeeOther, next)
		return nil
	}
	v := u.frame(c, "login.title")
	// The form carries a token even before login: a stale session cookie
	// makes the login post subject to the CSRF check.
	v.CSRF = u.auth.CSRFToken(c)
	v.Form = emptyForm(u.cat.For(v.Lang), nil)
	v.Data = loginData{Next: next}
	return u.html(c, "login", v)
}

// login handles POST /login: starts a session and goes to ?next= (or home);
// a wrong password re-renders the form with the e-mail kept.
func (u *UI) login(c *gin.Context) error {
	v := u.frame(c, "login.title")
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	next := localPath(f.Get("next"))
	v.Form, v.Data = f, loginData{Next: next}
	f.Required("email", "password")
	if f.OK() {
		p, err := u.auth.LoginSession(c, f.Get("email"), f.Values.Get("password"))
		switch core.ErrorCode(err) {
		case "":
			if next == "/" {
				if next, err = u.homeOf(c, p); err != nil {
					return err
				}
			}
			c.Redirect(http.StatusSeeOther, next)
			return nil
		case core.EUNAUTHORIZED, core.EINVALID:
			f.Message = f.p.T("login.failed")
		case core.ETOOMANY:
			f.Message = f.p.T("login.throttled")
		default:
			return err
		}
	}
	v.CSRF = u.auth.CSRFToken(c)
	v.Status = http.StatusUnprocessableEntity
	return u.html(c, "login", v)
}

// logout handles POST /logout.
func (u *UI) logout(c *gin.Context) error {
	if err := u.auth.LogoutSession(c); err != nil {
		return err
	}
	return u.redirect(c, "/login", "login.logged_out")
}
