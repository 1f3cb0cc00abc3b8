package ui

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/i18n"
)

// errorData is what the error page shows: a status and a message from the
// catalogue (or the safe user-facing message of a refusal), never a cause.
type errorData struct {
	Code    int
	Heading string
	Message string
}

// renderError is the web server's page error renderer. A request without a
// login goes to the login page and comes back afterwards; everything else
// gets an error page in the user's language.
func (u *UI) renderError(c *gin.Context, status int, err error) {
	if c.Writer.Written() {
		return
	}
	if status == http.StatusUnauthorized {
		next := c.Request.URL.RequestURI()
		if c.Request.Method != http.MethodGet {
			next = c.Request.Referer()
			if r, perr := url.Parse(next); perr == nil {
				next = r.RequestURI()
			}
		}
		to := "/login?next=" + url.QueryEscape(localPath(next))
		if c.GetHeader("HX-Request") != "" {
			c.Header("HX-Redirect", to)
			c.Status(http.StatusUnauthorized)
			return
		}
		c.Redirect(http.StatusSeeOther, to)
		return
	}
	v := u.frame(c, "error.title")
	// The page must not echo the URL: a refusal for another tenant's id
	// must read exactly like one for an id that does not exist.
	v.Path = "/"
	p := u.cat.For(v.Lang)
	d := errorData{Code: status}
	switch {
	case status == http.StatusNotFound:
		d.Heading, d.Message = p.T("error.404.heading"), p.T("error.404.message")
	case status == http.StatusForbidden:
		d.Heading, d.Message = p.T("error.403.heading"), p.T("error.403.message")
		// A refusal with its own explanation (an expired form, say) says it;
		// service messages are Vietnamese, so only on the Vietnamese UI.
		if msg := core.ErrorMessage(err); core.ErrorCode(err) == core.EFORBIDDEN && v.Lang == i18n.VI && msg != "" {
			d.Message = msg
		}
	case status >= 500:
		d.Heading, d.Message = p.T("error.500.heading"), p.T("error.500.message")
	default:
		// A refusal the user can understand (conflict, invalid input, too
		// many requests): its message is written for users.
		d.Heading, d.Message = p.T("error.other.heading"), core.ErrorMessage(err)
	}
	v.Title = d.Heading
	v.Status = status
	v.Data = d
	b, rerr := u.eng.render(v.Lang, "error", "base", v)
	if rerr != nil {
		u.log.Error("ui: render error page", "err", rerr, "request_id", v.RequestID)
		c.Data(status, "text/plain; charset=utf-8", []byte(d.Heading))
		return
	}
	c.Data(status, "text/html; charset=utf-8", b)
}
