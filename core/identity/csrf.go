package identity

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"doanbd/core"
)

// CSRF form field and header names.
const (
	CSRFField  = "csrf_token"
	CSRFHeader = "X-CSRF-Token"
)

var (
	errCSRF = core.Errorf(core.EFORBIDDEN,
		"Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại.")
	errCrossOrigin = core.Errorf(core.EFORBIDDEN,
		"Yêu cầu bị từ chối vì được gửi từ một trang web khác.")
)

const csrfCheckedKey = "identity.csrf_ok"

// CSRFField is the name of the hidden form field carrying the CSRF token.
func (s *Service) CSRFField() string { return CSRFField }

// CSRFToken returns the CSRF token of the request's session for a form's
// hidden csrf_token field (or the X-CSRF-Token header of htmx requests),
// creating the session and the token when needed. Call it in the handler
// before the response is written (pass it to the template as data): a new
// session needs its cookie in the response headers. It returns "" only when
// the session store fails (logged); the form is then refused on submit.
func (s *Service) CSRFToken(c *gin.Context) string {
	rs, err := s.session(c)
	if err != nil {
		s.log.Error("csrf token: load session", "err", err)
		return ""
	}
	if t := rs.m.GetString(rs.ctx, sessCSRF); t != "" {
		return t
	}
	t, err := randomToken(32)
	if err != nil {
		s.log.Error("csrf token", "err", err)
		return ""
	}
	rs.m.Put(rs.ctx, sessCSRF, t)
	if err := rs.commit(c, false); err != nil {
		s.log.Error("csrf token: commit session", "err", err)
		return ""
	}
	return t
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// bearerToken returns the token of an "Authorization: Bearer …" header.
func bearerToken(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

// checkCSRF guards a state-changing request. Browser requests from another
// site (Sec-Fetch-Site, or Origin against Host) are refused outright. A
// request that carries the session cookie must echo the session's CSRF
// token in the csrf_token form field or the X-CSRF-Token header. Requests
// with an Authorization header are exempt: browsers never attach one by
// themselves (and Authenticate never falls back to the cookie for them).
func (s *Service) checkCSRF(c *gin.Context) error {
	if safeMethod(c.Request.Method) || c.GetBool(csrfCheckedKey) {
		return nil
	}
	if c.GetHeader("Authorization") != "" {
		return nil
	}
	if err := s.origins.Check(c.Request); err != nil {
		return &core.Error{Code: core.EFORBIDDEN, Message: errCrossOrigin.Message, Err: err}
	}
	if ck, err := c.Request.Cookie(s.sessions.Cookie.Name); err != nil || ck.Value == "" {
		return nil // no session in use: nothing ambient to forge
	}
	rs, err := s.session(c)
	if err != nil {
		return err
	}
	want := rs.m.GetString(rs.ctx, sessCSRF)
	got := c.GetHeader(CSRFHeader)
	if got == "" {
		got = c.PostForm(CSRFField)
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return errCSRF
	}
	c.Set(csrfCheckedKey, true)
	return nil
}

// CSRFMiddleware refuses forged state-changing requests (see checkCSRF) with
// 403 before any handler runs; onError renders the refusal (web.Server.Error).
// Authenticate repeats the check for session callers, so routes registered
// before this middleware was installed are protected too.
func (s *Service) CSRFMiddleware(onError func(*gin.Context, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := s.checkCSRF(c); err != nil {
			onError(c, err)
			c.Abort()
			return
		}
		c.Next()
	}
}

const tokenIDKey = "identity.token_id"

// Authenticate identifies the caller (web.Guard): an "Authorization: Bearer"
// API token (known, not revoked, not expired, user active), else the browser
// session cookie (user active; state-changing requests must pass the CSRF
// check). Otherwise EUNAUTHORIZED "Vui lòng đăng nhập.". A malformed or bad
// Authorization header never falls back to the cookie.
func (s *Service) Authenticate(c *gin.Context) (core.Principal, error) {
	if h := c.GetHeader("Authorization"); h != "" {
		tok, ok := bearerToken(h)
		if !ok {
			return core.Principal{}, errLoginRequired
		}
		p, id, err := s.tokenPrincipal(c.Request.Context(), tok)
		if err != nil {
			return core.Principal{}, err
		}
		c.Set(tokenIDKey, id)
		return p, nil
	}
	p, err := s.sessionPrincipal(c)
	if err != nil {
		return core.Principal{}, err
	}
	if err := s.checkCSRF(c); err != nil {
		return core.Principal{}, err
	}
	return p, nil
}
