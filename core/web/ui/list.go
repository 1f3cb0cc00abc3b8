package ui

import (
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"doanbd/core/i18n"
)

// option is one choice of a select.
type option struct {
	Value, Label string
}

// pager is the previous/next navigation of a list page.
type pager struct {
	From, To, Total int
	// More: there are more than Total (the list stopped counting).
	More       bool
	Prev, Next string
}

// listWindow reads ?offset= (pages of size) from the request.
func listWindow(c *gin.Context, size int) (offset int) {
	n, err := strconv.Atoi(c.Query("offset"))
	if err != nil || n < 0 {
		return 0
	}
	return n - n%size
}

// newPager builds the pager of a page of n items starting at offset, with
// links that keep the request's other query parameters.
func newPager(c *gin.Context, offset, size, n, total int) pager {
	p := pager{Total: total}
	if n > 0 {
		p.From, p.To = offset+1, offset+n
	}
	link := func(off int) string {
		q := c.Request.URL.Query()
		if off > 0 {
			q.Set("offset", strconv.Itoa(off))
		} else {
			q.Del("offset")
		}
		return c.Request.URL.Path + "?" + q.Encode()
	}
	if offset > 0 {
		p.Prev = link(max(0, offset-size))
	}
	if offset+n < total {
		p.Next = link(offset + size)
	}
	return p
}

// queryForm turns the query string into a Form, so filter forms keep what
// the user chose.
func queryForm(c *gin.Context, f *Form) *Form {
	f.Values = url.Values(c.Request.URL.Query())
	return f
}

// pagerTotal writes a list's total: "10.000+" when it stopped counting.
func pagerTotal(p pager) string {
	s := i18n.Int(int64(p.Total))
	if p.More {
		s += "+"
	}
	return s
}
