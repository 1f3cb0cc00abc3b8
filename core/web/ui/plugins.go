package ui

import (
	"context"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/web"
)

// PluginState is an installed (or formerly enabled) plugin as one tenant
// sees it.
type PluginState struct {
	Name, Version, Status string
	Capabilities          []string
	Installed, Enabled    bool
	Settings              map[string]string
	// RetryAt: for a plugin the server marked failed, when it next tries
	// the plugin on its own.
	RetryAt *time.Time
}

// PluginAdmin is the plugin host for one tenant's choices.
type PluginAdmin interface {
	TenantPlugins(ctx context.Context, tenant string) ([]PluginState, error)
	SetPlugin(ctx context.Context, actor core.Principal, tenant, name string, enabled bool, settings map[string]string) error
	// ResetPlugin starts a failed plugin again at once and pings it; the
	// error (in Vietnamese) says why it still fails.
	ResetPlugin(ctx context.Context, actor core.Principal, tenant, name string) error
}

func (u *UI) registerPlugins(s *web.Server) {
	if u.pluginAdmin == nil {
		return
	}
	s.TenantPage(http.MethodGet, "/admin/plugins", objPlugin, actRead, u.pluginsPage)
	s.TenantPage(http.MethodPost, "/admin/plugins/:name", objPlugin, actManage, u.pluginSave)
	s.TenantPage(http.MethodPost, "/admin/plugins/:name/reset", objPlugin, actManage, u.pluginReset)
	u.sections = append(u.sections, section{label: "nav.plugins", path: "/admin/plugins", obj: objPlugin, act: actManage})
}

type pluginRow struct {
	PluginState
	StatusLabel  string
	SettingsText string
}

type pluginsData struct {
	Rows      []pluginRow
	CanManage bool
	Editing   string // the plugin whose form failed
}

// pluginsPage handles GET /t/:tenant/admin/plugins.
func (u *UI) pluginsPage(c *gin.Context) error {
	v := u.view(c, "plugins.title")
	return u.renderPlugins(c, v, emptyForm(u.cat.For(v.Lang), nil), "", http.StatusOK)
}

func (u *UI) renderPlugins(c *gin.Context, v *View, f *Form, editing string, status int) error {
	ps, err := u.pluginAdmin.TenantPlugins(c.Request.Context(), v.Tenant.ID)
	if err != nil {
		return err
	}
	p := u.cat.For(v.Lang)
	d := pluginsData{CanManage: u.can(c, v, objPlugin, actManage), Editing: editing}
	for _, ps := range ps {
		keys := make([]string, 0, len(ps.Settings))
		for k := range ps.Settings {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var lines []string
		for _, k := range keys {
			lines = append(lines, k+" = "+ps.Settings[k])
		}
		d.Rows = append(d.Rows, pluginRow{PluginState: ps, StatusLabel: p.Label("plugins.status.", ps.Status),
			SettingsText: strings.Join(lines, "\n")})
	}
	v.Form, v.Data, v.Status = f, d, status
	return u.html(c, "plugins", v)
}

var settingLine = regexp.MustCompile(`^([a-z][a-z0-9_]{0,63})\s*=\s*(.*)$`)

// pluginSave handles POST /t/:tenant/admin/plugins/:name: on or off, and the
// settings as "key = value" lines.
func (u *UI) pluginSave(c *gin.Context) error {
	v := u.view(c, "plugins.title")
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	name := c.Param("name")
	settings := map[string]string{}
	for i, line := range strings.Split(f.Values.Get("settings"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		m := settingLine.FindStringSubmatch(line)
		if m == nil {
			f.Fail("settings", "plugins.bad_line", i+1)
			continue
		}
		settings[m[1]] = strings.TrimSpace(m[2])
	}
	if f.OK() {
		err := u.pluginAdmin.SetPlugin(c.Request.Context(), *v.User, v.Tenant.ID, name, f.Get("enabled") != "", settings)
		if err == nil {
			return u.redirect(c, "/t/"+v.Tenant.ID+"/admin/plugins", "plugins.saved")
		}
		if !f.Take(err, nil) {
			return err
		}
	}
	return u.renderPlugins(c, v, f, name, http.StatusUnprocessableEntity)
}

// pluginReset handles POST /t/:tenant/admin/plugins/:name/reset: the
// "Khởi động lại" button of a failed plugin. Success goes back to the list
// with a flash; a plugin that still fails is shown again with the host's
// reason and its status (503 while it stays paused).
func (u *UI) pluginReset(c *gin.Context) error {
	v := u.view(c, "plugins.title")
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	name := c.Param("name")
	err = u.pluginAdmin.ResetPlugin(c.Request.Context(), *v.User, v.Tenant.ID, name)
	if err == nil {
		return u.redirect(c, "/t/"+v.Tenant.ID+"/admin/plugins", "plugins.reset_done")
	}
	status := http.StatusConflict
	switch core.ErrorCode(err) {
	case core.EUNAVAILABLE:
		status = http.StatusServiceUnavailable
	case core.ECONFLICT:
	default:
		return err
	}
	f.Message = core.ErrorMessage(err)
	return u.renderPlugins(c, v, f, "", status)
}
