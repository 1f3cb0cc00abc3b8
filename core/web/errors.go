package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"doanbd/core"
)

const (
	tenantKey = "tenant"
	userKey   = "user"
)

var errNotFound = core.Errorf(core.ENOTFOUND, "Không tìm thấy trang hoặc dữ liệu yêu cầu.")

// A request body over Options.BodyLimit: 413 with this code and title.
const (
	codeTooLarge = "too_large"
	msgTooLarge  = "Dữ liệu gửi lên quá lớn."
)

// statusOf is the one place error codes become HTTP statuses.
var statusOf = map[string]int{
	core.ECONFLICT:     http.StatusConflict,
	core.EINVALID:      http.StatusUnprocessableEntity,
	core.ENOTFOUND:     http.StatusNotFound,
	core.EFORBIDDEN:    http.StatusForbidden,
	core.EUNAUTHORIZED: http.StatusUnauthorized,
	core.ETOOMANY:      http.StatusTooManyRequests,
	core.EUNAVAILABLE:  http.StatusServiceUnavailable,
	core.EINTERNAL:     http.StatusInternalServerError,
}

// StatusOf maps an error to its HTTP status.
func StatusOf(err error) int {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) { // a body read past the limit (http.MaxBytesReader)
		return http.StatusRequestEntityTooLarge
	}
	if s, ok := statusOf[core.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Code      string            `json:"code"`
	Detail    string            `json:"detail,omitempty"`
	Errors    []core.FieldError `json:"errors,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// Error renders err as application/problem+json. Internal causes are logged
// with the request id and never shown.
func (s *Server) Error(c *gin.Context, err error) {
	status := StatusOf(err)
	code := core.ErrorCode(err)
	if status >= 500 {
		s.log.Error("request failed", "request_id", RequestID(c), "err", err)
	} else {
		var ae *core.Error
		if errors.As(err, &ae) && ae.Err != nil {
			s.log.Info("request refused", "request_id", RequestID(c), "code", code, "err", ae.Err)
		}
	}
	if s.pageError != nil && !IsAPI(c) {
		s.pageError(c, status, err)
		c.Abort()
		return
	}
	p := problem{Type: "about:blank", Title: core.ErrorMessage(err), Status: status, Code: code,
		Errors: core.ErrorFields(err), RequestID: RequestID(c)}
	if status == http.StatusRequestEntityTooLarge {
		p.Title, p.Code = msgTooLarge, codeTooLarge
	}
	writeProblem(c, p)
}

// PageErrorRenderer writes the response for a failed page request (any path
// not under /api/): an HTML error page, or a redirect to the login page. err
// has already been logged; the renderer must show nothing of its cause.
type PageErrorRenderer func(c *gin.Context, status int, err error)

// SetPageErrorRenderer makes Error render page requests with r instead of
// problem+json. The UI adapter installs it at boot.
func (s *Server) SetPageErrorRenderer(r PageErrorRenderer) { s.pageError = r }

func writeProblem(c *gin.Context, p problem) {
	b, err := json.Marshal(p)
	if err != nil {
		b = []byte(`{"type":"about:blank","status":500}`)
	}
	c.Data(p.Status, "application/problem+json; charset=utf-8", b)
	c.Abort()
}

// Handle adapts a handler that returns an error.
func (s *Server) Handle(h func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.Error(c, err)
		}
	}
}
