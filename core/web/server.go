// Package web is the HTTP adapter: the gin engine, its middleware, the JSON API
// under /api/v1 and the server-rendered pages.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Options configures the server.
type Options struct {
	Addr           string
	TrustedProxies []string
	BodyLimit      int64
	Log            *slog.Logger
	// Ready reports whether the database and queue are reachable (/readyz).
	Ready func(ctx context.Context) error
	// Metrics serves /metrics (Prometheus).
	Metrics http.Handler
	// SecureCookies adds HSTS (the site is served over HTTPS).
	SecureCookies bool
}

// Server is the HTTP server.
type Server struct {
	opt    Options
	engine *gin.Engine
	srv    *http.Server
	ln     net.Listener
	log    *slog.Logger
	guard  Guard
	specs  []RouteSpec
	docs   map[docKey]Doc
	// pageError renders errors of page requests (see SetPageErrorRenderer).
	pageError PageErrorRenderer
}

// New builds the engine with its middleware and the health routes.
func New(opt Options) (*Server, error) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = false
	// gin trusts every proxy by default; trust only the ones configured.
	if err := e.SetTrustedProxies(opt.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	s := &Server{opt: opt, engine: e, log: opt.Log}
	e.Use(requestID(), s.accessLog(), s.recovery(), securityHeaders(opt.SecureCookies), s.bodyLimit(opt.BodyLimit))
	e.NoRoute(func(c *gin.Context) { s.Error(c, errNotFound) })
	s.Public(http.MethodGet, "/healthz", func(c *gin.Context) error {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
		return nil
	})
	s.Public(http.MethodGet, "/readyz", s.readyz)
	if opt.Metrics != nil {
		h := gin.WrapH(opt.Metrics)
		s.Public(http.MethodGet, "/metrics", func(c *gin.Context) error { h(c); return nil })
	}
	s.srv = &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // large Excel uploads on slow links
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(opt.Log.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// Engine exposes the router so adapters can register their routes.
func (s *Server) Engine() *gin.Engine { return s.engine }

// Handler returns the root http.Handler (for in-process tests).
func (s *Server) Handler() http.Handler { return s.engine }

func (s *Server) readyz(c *gin.Context) error {
	if s.opt.Ready == nil {
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
		return nil
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.opt.Ready(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable"})
		return nil
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
	return nil
}

// Listen binds the address; Addr then reports the bound address.
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.opt.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.opt.Addr, err)
	}
	s.ln = ln
	return nil
}

// Addr is the bound address after Listen.
func (s *Server) Addr() string {
	if s.ln == nil {
		return s.opt.Addr
	}
	return s.ln.Addr().String()
}

// Serve serves until Shutdown; it returns nil on a clean shutdown.
func (s *Server) Serve() error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http serve: %w", err)
	}
	return nil
}

// Shutdown stops accepting connections and drains requests until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}
