package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"doanbd/core"
	"doanbd/core/i18n"
)

// Plugin statuses as shown by `doanbd plugin list` and the API.
const (
	StatusOK       = "ok"
	StatusFailed   = "failed"
	StatusDisabled = "disabled" // installed, enabled by no tenant
)

// Options configure the host. Zero durations and counts take the defaults.
type Options struct {
	Dir   string // plugin directory (config PluginDir)
	Store Store
	Log   *slog.Logger

	StartTimeout      time.Duration // start to handshake (default 10s)
	CallTimeout       time.Duration // deadline of every call (default 5s)
	PingInterval      time.Duration // how often a running plugin is pinged (default 10s)
	MaxCrashes        int           // crashes within CrashWindow that mark a plugin failed (default 3)
	CrashWindow       time.Duration // default 10m
	FailedCooldown    time.Duration // a failed plugin is tried once more by the first call after this (default 5m)
	BackoffBase       time.Duration // first restart delay, doubled per crash (default 250ms)
	BackoffMax        time.Duration // default 30s
	BackoffResetAfter time.Duration // a plugin up this long starts again from BackoffBase (default 1m)
	StderrRate        float64       // plugin output lines logged per second (default 50)
	StderrBurst       int           // default 500
	CloseGrace        time.Duration // how long a plugin may take to exit on shutdown (default 3s)
}

func (o *Options) defaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&o.StartTimeout, 10*time.Second)
	set(&o.CallTimeout, 5*time.Second)
	set(&o.PingInterval, 10*time.Second)
	set(&o.CrashWindow, 10*time.Minute)
	set(&o.FailedCooldown, 5*time.Minute)
	set(&o.BackoffBase, 250*time.Millisecond)
	set(&o.BackoffMax, 30*time.Second)
	set(&o.BackoffResetAfter, time.Minute)
	set(&o.CloseGrace, 3*time.Second)
	if o.MaxCrashes <= 0 {
		o.MaxCrashes = 3
	}
	if o.StderrRate <= 0 {
		o.StderrRate = 50
	}
	if o.StderrBurst <= 0 {
		o.StderrBurst = 500
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
}

// TenantPlugin is a tenant's choice about one plugin.
type TenantPlugin struct {
	Plugin   string            `json:"plugin"`
	Enabled  bool              `json:"enabled"`
	Settings map[string]string `json:"settings"`
	// Capabilities the plugin declared when it was enabled (used only if it
	// is no longer installed).
	Capabilities []string  `json:"capabilities,omitempty"`
	UpdatedAt    time.Time `json:"updated_at"`
	UpdatedBy    string    `json:"updated_by"`
}

// Store is what the host needs from storage: DBStore in production.
type Store interface {
	// Enabled lists the plugins tenant has enabled, with their settings.
	Enabled(ctx context.Context, tenant string) ([]TenantPlugin, error)
	// SaveCatalog keeps the last good programme list of a plugin for tenant.
	SaveCatalog(ctx context.Context, tenant, plugin string, programs []core.LocalProgram) error
	// LoadCatalog returns the last good list; ok is false if there is none.
	LoadCatalog(ctx context.Context, tenant, plugin string) (programs []core.LocalProgram, ok bool, err error)
	// SetStatus records a plugin's status for `doanbd plugin list`.
	SetStatus(ctx context.Context, plugin, status, reason string) error
}

// Host owns the discovered plugins and their processes. It implements
// core.ProgramCatalog, core.PlanRules and core.CostNorms.
type Host struct {
	opt   Options
	log   *slog.Logger
	store Store
	found []Found
	procs map[string]*proc

	bg      *background // background writes (catalogue cache, status) and process clean-up
	status  *statusWriter
	savedMu sync.Mutex
	saved   map[string]string // tenant/plugin → hash of the cached list
}

var (
	_ core.ProgramCatalog = (*Host)(nil)
	_ core.PlanRules      = (*Host)(nil)
	_ core.CostNorms      = (*Host)(nil)
)

// New discovers the plugins in opt.Dir. Nothing is started: plugins start
// on first use. A plugin whose manifest or checksum is wrong is listed as
// failed; only an unreadable plugin directory is an error.
func New(opt Options) (*Host, error) {
	opt.defaults()
	if opt.Store == nil {
		return nil, fmt.Errorf("plugin host: no store")
	}
	found, err := Discover(opt.Dir)
	if err != nil {
		return nil, err
	}
	h := &Host{opt: opt, log: opt.Log.With("component", "plugins"), store: opt.Store, found: found,
		procs: map[string]*proc{}, saved: map[string]string{}, bg: newBackground()}
	h.status = &statusWriter{store: opt.Store, bg: h.bg, warn: func(plugin string, err error) {
		h.log.Warn("record plugin status", "plugin", plugin, "err", err)
	}}
	for _, f := range found {
		if f.Err != nil {
			h.log.Error("plugin not usable", "plugin", f.Manifest.Name, "dir", f.Manifest.Dir, "err", f.Err)
			h.saveStatus(f.Manifest.Name, StatusFailed, f.Err.Error())
			continue
		}
		if _, dup := h.procs[f.Manifest.Name]; dup {
			continue
		}
		name := f.Manifest.Name
		h.procs[name] = newProc(f.Manifest, &h.opt, h.log, h.bg, func(status, reason string) { h.saveStatus(name, status, reason) })
	}
	h.log.Info("plugins discovered", "dir", opt.Dir, "count", len(found), "usable", len(h.procs))
	return h, nil
}

// saveStatus records a plugin's status in the background.
func (h *Host) saveStatus(name, status, reason string) { h.status.save(name, status, reason) }

// Close kills every plugin process (asking each to exit first), then waits
// for background writes and refuses new ones: nothing the host started
// runs after Close returns. The host is unusable afterwards.
func (h *Host) Close() {
	var wg sync.WaitGroup
	for _, p := range h.procs {
		wg.Add(1)
		go func() { defer wg.Done(); p.close(h.opt.CloseGrace) }()
	}
	wg.Wait()
	h.bg.Close()
}

// Info describes one installed plugin as this process sees it.
type Info struct {
	Name         string   `json:"name"`
	Version      string   `json:"version"`
	Capabilities []string `json:"capabilities"`
	Dir          string   `json:"-"`
	Status       string   `json:"status"` // ok or failed
	Reason       string   `json:"reason,omitempty"`
	Running      bool     `json:"running"`
	PID          int      `json:"-"`
	Restarts     int      `json:"restarts"`
	// RetryAt is when a plugin marked failed by this process gets its
	// second chance (the first call after it starts the plugin again).
	RetryAt *time.Time `json:"retry_at,omitempty"`
}

// Plugins lists the installed plugins, sorted by name.
func (h *Host) Plugins() []Info {
	out := make([]Info, 0, len(h.found))
	for _, f := range h.found {
		m := f.Manifest
		in := Info{Name: m.Name, Version: m.Version, Capabilities: m.Capabilities, Dir: m.Dir, Status: StatusOK}
		p := h.procs[m.Name]
		switch {
		case f.Err != nil:
			in.Status, in.Reason = StatusFailed, f.Err.Error()
		case p == nil || p.m.Dir != m.Dir:
			in.Status, in.Reason = StatusFailed, "duplicate plugin name"
		default:
			s := p.snapshot()
			in.Running, in.PID, in.Restarts = s.State == stateRunning, s.PID, s.Restarts
			if s.State == stateFailed {
				in.Status, in.Reason = StatusFailed, s.Reason
				at := s.RetryAt.UTC()
				in.RetryAt = &at
			}
		}
		out = append(out, in)
	}
	return out
}

// Plugin returns one installed plugin.
func (h *Host) Plugin(name string) (Info, bool) {
	for _, in := range h.Plugins() {
		if in.Name == name {
			return in, true
		}
	}
	return Info{}, false
}

// errNotResettable is returned by Reset for a plugin that cannot start at
// all here (not installed, or its manifest or checksum is wrong).
var errNotResettable = errors.New("plugin cannot be reset")

// ResetForTenant is Reset for a tenant's administrator, with the errors
// they see: ECONFLICT when the tenant has not installed and enabled the
// plugin or it cannot start here at all (wrong manifest or checksum),
// EUNAVAILABLE when it failed again, with the time of its next try.
func (h *Host) ResetForTenant(ctx context.Context, name string, enabled bool) error {
	if !enabled {
		return core.Errorf(core.ECONFLICT, "Chỉ khởi động lại được plugin đã cài đặt và đang bật cho đơn vị.")
	}
	_, err := h.Reset(ctx, name)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errNotResettable):
		return &core.Error{Code: core.ECONFLICT, Err: err, Message: fmt.Sprintf(
			"Plugin «%s» được cài đặt sai (sai tệp khai báo hoặc mã kiểm tra) nên không khởi động lại được; vui lòng báo quản trị viên máy chủ.", name)}
	}
	next := "sau " + viDuration(h.opt.FailedCooldown)
	if in, ok := h.Plugin(name); ok && in.RetryAt != nil {
		next = "lúc " + i18n.DateTime(*in.RetryAt)
	}
	return &core.Error{Code: core.EUNAVAILABLE, Err: err, Message: fmt.Sprintf(
		"Plugin «%s» vẫn lỗi sau khi khởi động lại nên tiếp tục bị tạm dừng; hệ thống sẽ tự thử lại %s.", name, next)}
}

// Reset gives a plugin this process marked failed its second chance now
// rather than after the cool-down: it is started and pinged at once, and
// the error says why it failed again. A plugin that is not failed is left
// alone (reset reports false). Other server processes keep their own state
// and retry after their cool-down.
func (h *Host) Reset(ctx context.Context, name string) (reset bool, err error) {
	p, ok := h.procs[name]
	if !ok {
		return false, errNotResettable
	}
	if !p.reset() {
		return false, nil
	}
	return true, h.probe(ctx, name)
}
