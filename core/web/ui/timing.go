package ui

import (
	"context"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"

	"doanbd/core"
)

// QueryCounter starts counting the database work of a request (core/sqldb's
// query counter, wired in cmd/doanbd): it returns the context to run the
// request with and a function that reads the round trips and the time spent
// in them so far.
type QueryCounter func(ctx context.Context) (context.Context, func() (queries int64, wait time.Duration))

// serverTiming sends, with every page a signed-in user (session or bearer
// token) gets, a Server-Timing header (shown by browsers' developer tools,
// read by `doanbd bench`) that says how long the server took and how many
// database round trips the page cost:
//
//	Server-Timing: db;dur=3.2, queries;desc="14", total;dur=11.9
//
// The figures are taken when the response starts, after the page rendered.
// It is installed before the pages' routes, so the login check and the
// authorization are counted too. Anonymous requests get no header: the
// figures tell an outsider how much work a page costs (and whether a login
// name exists), which helps nobody but someone probing the server.
func serverTiming(count QueryCounter) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, read := count(c.Request.Context())
		c.Request = c.Request.WithContext(ctx)
		c.Writer = &timingWriter{ResponseWriter: c.Writer, c: c, start: time.Now(), read: read}
		c.Next()
	}
}

// timingWriter adds the Server-Timing header just before the headers go out.
type timingWriter struct {
	gin.ResponseWriter
	// c is the request being served: the route's authentication puts the
	// principal in its request's context before the page writes anything.
	c       *gin.Context
	start   time.Time
	read    func() (int64, time.Duration)
	stamped bool
}

func (w *timingWriter) stamp() {
	if w.stamped || w.ResponseWriter.Written() {
		return
	}
	w.stamped = true
	if _, ok := core.PrincipalFrom(w.c.Request.Context()); !ok {
		return
	}
	n, wait := w.read()
	w.Header().Set("Server-Timing", fmt.Sprintf(`db;dur=%.2f, queries;desc="%d", total;dur=%.2f`,
		ms(wait), n, ms(time.Since(w.start))))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (w *timingWriter) WriteHeader(code int) {
	w.stamp()
	w.ResponseWriter.WriteHeader(code)
}

func (w *timingWriter) WriteHeaderNow() {
	w.stamp()
	w.ResponseWriter.WriteHeaderNow()
}

func (w *timingWriter) Write(b []byte) (int, error) {
	w.stamp()
	return w.ResponseWriter.Write(b)
}

func (w *timingWriter) WriteString(s string) (int, error) {
	w.stamp()
	return w.ResponseWriter.WriteString(s)
}
