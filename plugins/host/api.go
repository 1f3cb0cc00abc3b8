package host

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/web"
)

// TenantStore is what the API needs besides the host: a tenant's choices.
type TenantStore interface {
	TenantPlugins(ctx context.Context, tenant string) ([]TenantPlugin, error)
	Put(ctx context.Context, tenant string, tp TenantPlugin) error
}

// API serves per-tenant plugin enablement and settings to tenant
// administrators (Casbin object "plugin", actions "read" and "manage").
type API struct {
	Host  *Host
	Store TenantStore
}

// PluginView is a plugin as one tenant sees it.
type PluginView struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Capabilities []string          `json:"capabilities"`
	Status       string            `json:"status"` // ok, failed or disabled (for this tenant)
	Installed    bool              `json:"installed"`
	Enabled      bool              `json:"enabled"`
	Settings     map[string]string `json:"settings"`
	UpdatedAt    *time.Time        `json:"updated_at,omitempty"`
	UpdatedBy    string            `json:"updated_by,omitempty"`
	// RetryAt: for a plugin this server marked failed, when the next call
	// tries it again (POST …/reset tries at once).
	RetryAt *time.Time `json:"retry_at,omitempty"`
}

// PluginInput is the body of PUT …/plugins/:name. It replaces the
// tenant's settings for the plugin.
type PluginInput struct {
	Enabled  *bool             `json:"enabled"`
	Settings map[string]string `json:"settings"`
}

// Register adds the routes.
func (a *API) Register(s *web.Server) {
	s.TenantAPI(http.MethodGet, "/plugins", "plugin", "read", a.list)
	s.TenantAPI(http.MethodGet, "/plugins/:name", "plugin", "read", a.get)
	s.TenantAPI(http.MethodPut, "/plugins/:name", "plugin", "manage", a.put)
	s.TenantAPI(http.MethodPost, "/plugins/:name/reset", "plugin", "manage", a.reset)
	example := PluginView{Name: "localprograms", Version: "1.0.0", Capabilities: []string{"ProgramCatalog"},
		Status: StatusOK, Enabled: true, Settings: map[string]string{"file": "examples/p79.yaml"}}
	s.Document(http.MethodGet, "/api/v1/t/:tenant/plugins", web.Doc{Summary: "Các plugin đã cài và lựa chọn của đơn vị",
		Tags: []string{"plugins"}, Response: web.NewList([]PluginView{example}, 1, web.Page{Limit: 200})})
	s.Document(http.MethodGet, "/api/v1/t/:tenant/plugins/:name", web.Doc{Summary: "Một plugin và thiết lập của đơn vị",
		Tags: []string{"plugins"}, Response: example})
	s.Document(http.MethodPut, "/api/v1/t/:tenant/plugins/:name", web.Doc{Summary: "Bật/tắt plugin và lưu thiết lập cho đơn vị",
		Tags: []string{"plugins"}, Request: PluginInput{Enabled: new(bool), Settings: example.Settings}, Response: example})
	s.Document(http.MethodPost, "/api/v1/t/:tenant/plugins/:name/reset", web.Doc{
		Summary: "Khởi động lại ngay một plugin đang bị tạm dừng vì lỗi lặp lại (thay vì chờ hết thời gian tạm dừng)",
		Tags:    []string{"plugins"}, Response: example})
}

func (a *API) views(ctx context.Context, tenant string) ([]PluginView, error) {
	tps, err := a.Store.TenantPlugins(ctx, tenant)
	if err != nil {
		return nil, core.Internal(err, "tenant plugins")
	}
	chosen := map[string]TenantPlugin{}
	for _, tp := range tps {
		chosen[tp.Plugin] = tp
	}
	var out []PluginView
	seen := map[string]bool{}
	choose := func(v *PluginView) {
		if tp, ok := chosen[v.Name]; ok {
			v.Enabled, v.Settings, v.UpdatedBy = tp.Enabled, tp.Settings, tp.UpdatedBy
			at := tp.UpdatedAt
			v.UpdatedAt = &at
		}
		if !v.Enabled && v.Status == StatusOK || !v.Installed && !v.Enabled {
			v.Status = StatusDisabled
		}
	}
	for _, in := range a.Host.Plugins() {
		if seen[in.Name] {
			continue // a duplicate directory: the usable one came first
		}
		seen[in.Name] = true
		v := PluginView{Name: in.Name, Version: in.Version, Capabilities: in.Capabilities, Status: in.Status,
			Installed: true, Settings: map[string]string{}, RetryAt: in.RetryAt}
		choose(&v)
		out = append(out, v)
	}
	// Plugins the tenant chose that are no longer installed stay visible,
	// so an administrator sees why a check fails and can turn them off.
	for _, tp := range tps {
		if !seen[tp.Plugin] {
			v := PluginView{Name: tp.Plugin, Capabilities: tp.Capabilities, Status: StatusFailed, Settings: map[string]string{}}
			choose(&v)
			out = append(out, v)
		}
	}
	return out, nil
}

// list: GET /api/v1/t/{tenant}/plugins
func (a *API) list(c *gin.Context) error {
	vs, err := a.views(c.Request.Context(), web.TenantOf(c).ID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, web.NewList(vs, len(vs), web.Page{Limit: web.MaxPageSize}))
	return nil
}

func (a *API) one(ctx context.Context, tenant, name string) (PluginView, error) {
	vs, err := a.views(ctx, tenant)
	if err != nil {
		return PluginView{}, err
	}
	for _, v := range vs {
		if v.Name == name {
			return v, nil
		}
	}
	// The same answer for every unknown name: whether another tenant chose
	// a plugin must not show.
	return PluginView{}, core.Errorf(core.ENOTFOUND, "Không tìm thấy plugin.")
}

// get: GET /api/v1/t/{tenant}/plugins/{name}
func (a *API) get(c *gin.Context) error {
	v, err := a.one(c.Request.Context(), web.TenantOf(c).ID, c.Param("name"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, v)
	return nil
}

// put: PUT /api/v1/t/{tenant}/plugins/{name} {"enabled", "settings"}
func (a *API) put(c *gin.Context) error {
	ctx, tenant, name := c.Request.Context(), web.TenantOf(c).ID, c.Param("name")
	cur, err := a.one(ctx, tenant, name)
	if err != nil {
		return err
	}
	var in PluginInput
	if err := c.ShouldBindJSON(&in); err != nil {
		return core.Invalid("Dữ liệu gửi lên không đúng định dạng JSON.", core.FieldError{Field: "body", Message: "JSON không hợp lệ"})
	}
	if err := in.validate(); err != nil {
		return err
	}
	if !cur.Installed && *in.Enabled {
		return core.Invalid(fmt.Sprintf("Plugin «%s» chưa được cài đặt trên máy chủ nên không bật được.", name),
			core.FieldError{Field: "enabled", Message: "chỉ có thể tắt plugin chưa được cài đặt"})
	}
	p, _ := core.PrincipalFrom(ctx)
	if err := a.Store.Put(ctx, tenant, TenantPlugin{Plugin: name, Enabled: *in.Enabled, Settings: in.Settings,
		Capabilities: cur.Capabilities, UpdatedBy: p.UserID}); err != nil {
		return core.Internal(err, "save tenant plugin")
	}
	v, err := a.one(ctx, tenant, name)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, v)
	return nil
}

// reset: POST /api/v1/t/{tenant}/plugins/{name}/reset
//
// The plugin must be installed and enabled by the tenant. A plugin this
// server marked failed is started and pinged at once; one that is not
// failed is left alone. Other server processes retry after their cool-down.
func (a *API) reset(c *gin.Context) error {
	ctx, tenant, name := c.Request.Context(), web.TenantOf(c).ID, c.Param("name")
	cur, err := a.one(ctx, tenant, name)
	if err != nil {
		return err
	}
	if err := a.Host.ResetForTenant(ctx, name, cur.Installed && cur.Enabled); err != nil {
		return err
	}
	v, err := a.one(ctx, tenant, name)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, v)
	return nil
}

// viDuration says d in Vietnamese, in whole minutes or seconds.
func viDuration(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d phút", int(d/time.Minute))
	}
	return fmt.Sprintf("%d giây", int(d.Round(time.Second)/time.Second))
}

var settingKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

const (
	maxSettings     = 32
	maxSettingValue = 2000
)

func (in *PluginInput) validate() error {
	var fs []core.FieldError
	if in.Enabled == nil {
		fs = append(fs, core.FieldError{Field: "enabled", Message: "phải là true hoặc false"})
	}
	if len(in.Settings) > maxSettings {
		fs = append(fs, core.FieldError{Field: "settings", Message: fmt.Sprintf("tối đa %d thiết lập", maxSettings)})
	}
	for k, v := range in.Settings {
		if !settingKeyRE.MatchString(k) {
			fs = append(fs, core.FieldError{Field: "settings." + truncate(k, 64),
				Message: "tên thiết lập chỉ gồm chữ thường không dấu, chữ số và dấu gạch dưới, bắt đầu bằng chữ"})
		} else if len(v) > maxSettingValue || !utf8.ValidString(v) {
			fs = append(fs, core.FieldError{Field: "settings." + k, Message: fmt.Sprintf("tối đa %d ký tự", maxSettingValue)})
		}
	}
	if len(fs) > 0 {
		return core.Invalid("Thiết lập plugin không hợp lệ.", fs...)
	}
	if in.Settings == nil {
		in.Settings = map[string]string{}
	}
	return nil
}
