package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"doanbd/core"
	"doanbd/plugins/sdk"
)

// errNotInstalled is returned for a plugin a tenant enabled that is not
// installed (or whose manifest is broken).
var errNotInstalled = errors.New("plugin not installed")

// using returns the tenant's enabled plugins that declare capability c.
func (h *Host) using(ctx context.Context, tenant, c string) ([]TenantPlugin, error) {
	all, err := h.store.Enabled(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var out []TenantPlugin
	for _, tp := range all {
		if caps := h.capabilities(tp); caps == nil || slices.Contains(caps, c) {
			out = append(out, tp) // unknown capabilities: kept, so the failure is reported
		}
	}
	return out, nil
}

// capabilities returns what plugin tp offers: from its manifest if it is
// installed, else what it declared when the tenant enabled it; nil if unknown.
func (h *Host) capabilities(tp TenantPlugin) []string {
	for _, f := range h.found {
		if f.Manifest.Name == tp.Plugin && len(f.Manifest.Capabilities) > 0 {
			return f.Manifest.Capabilities
		}
	}
	if len(tp.Capabilities) > 0 {
		return tp.Capabilities
	}
	return nil
}

// unusableError is returned for an installed plugin whose manifest or
// checksum is wrong.
type unusableError struct{ reason string }

func (e *unusableError) Error() string { return "plugin unusable: " + e.reason }

func (h *Host) call(ctx context.Context, name string, fn func(ctx context.Context, c *sdk.Client) error) error {
	p, ok := h.procs[name]
	if !ok {
		for _, f := range h.found {
			if f.Manifest.Name == name && f.Err != nil {
				return &unusableError{reason: f.Err.Error()}
			}
		}
		return errNotInstalled
	}
	return p.call(ctx, fn)
}

// LocalPrograms implements core.ProgramCatalog.
func (h *Host) LocalPrograms(ctx context.Context, tenant string) ([]core.LocalProgram, bool, error) {
	tps, err := h.using(ctx, tenant, sdk.CapProgramCatalog)
	if err != nil {
		return nil, false, core.Internal(err, "plugin enablement")
	}
	var out []core.LocalProgram
	stale := false
	for _, tp := range tps {
		var ps []core.LocalProgram
		err := h.call(ctx, tp.Plugin, func(ctx context.Context, c *sdk.Client) error {
			var err error
			if ps, err = c.LocalPrograms(ctx, sdk.Call{Tenant: tenant, Settings: tp.Settings}); err != nil {
				return err
			}
			return validatePrograms(ps)
		})
		if err == nil {
			for i := range ps {
				ps[i].Source = tp.Plugin
			}
			h.saveCatalog(tenant, tp.Plugin, ps)
			out = append(out, ps...)
			continue
		}
		h.log.Warn("programme catalogue plugin failed; using its last good list", "plugin", tp.Plugin, "tenant", tenant, "err", err)
		stale = true
		cached, ok, cerr := h.store.LoadCatalog(ctx, tenant, tp.Plugin)
		if cerr != nil {
			return nil, false, core.Internal(cerr, "plugin catalogue cache")
		}
		if ok {
			out = append(out, cached...)
		}
	}
	return out, stale, nil
}

// saveCatalog keeps the list in the background, only when it changed: the
// caller may be inside a transaction (on SQLite the one writer connection).
func (h *Host) saveCatalog(tenant, plugin string, ps []core.LocalProgram) {
	b, err := json.Marshal(ps)
	if err != nil {
		h.log.Warn("encode programme list", "plugin", plugin, "err", err)
		return
	}
	sum := sha256.Sum256(b)
	hash, key := hex.EncodeToString(sum[:]), tenant+"/"+plugin
	h.savedMu.Lock()
	same := h.saved[key] == hash
	h.saved[key] = hash
	h.savedMu.Unlock()
	if same {
		return
	}
	h.bg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.store.SaveCatalog(ctx, tenant, plugin, ps); err != nil {
			h.savedMu.Lock()
			delete(h.saved, key)
			h.savedMu.Unlock()
			h.log.Warn("save programme list", "plugin", plugin, "tenant", tenant, "err", err)
		}
	})
}

// CheckPlan implements core.PlanRules. Every rules plugin the tenant enabled
// must answer; the first that cannot blocks the check with its name.
func (h *Host) CheckPlan(ctx context.Context, tenant string, plan core.PlanForRules) ([]core.Violation, error) {
	tps, err := h.using(ctx, tenant, sdk.CapPlanRules)
	if err != nil {
		return nil, core.Internal(err, "plugin enablement")
	}
	plan.Tenant = tenant
	var out []core.Violation
	for _, tp := range tps {
		vs, err := h.checkPlan(ctx, tp, plan)
		if err != nil {
			h.log.Warn("plan rules plugin failed; submission blocked", "plugin", tp.Plugin, "tenant", tenant, "err", err)
			return nil, &core.Error{Code: core.EUNAVAILABLE, Err: err,
				Message: fmt.Sprintf("Không kiểm tra được kế hoạch: plugin «%s» %s.", tp.Plugin, why(err))}
		}
		if out == nil {
			out = vs // the usual single rules plugin: no copy
		} else {
			out = append(out, vs...)
		}
	}
	return out, nil
}

func (h *Host) checkPlan(ctx context.Context, tp TenantPlugin, plan core.PlanForRules) ([]core.Violation, error) {
	var vs []core.Violation
	err := h.call(ctx, tp.Plugin, func(ctx context.Context, c *sdk.Client) error {
		var err error
		if vs, err = c.CheckPlan(ctx, sdk.Call{Tenant: plan.Tenant, Settings: tp.Settings}, plan); err != nil {
			return err
		}
		return validateViolations(vs, plan)
	})
	for i := range vs {
		vs[i].Plugin = tp.Plugin
	}
	return vs, err
}

// ClassCosts implements core.CostNorms with the first (by name) cost-norms
// plugin the tenant enabled.
func (h *Host) ClassCosts(ctx context.Context, tenant string, r core.CostRequest) ([]core.CostLine, bool, error) {
	tps, err := h.using(ctx, tenant, sdk.CapCostNorms)
	if err != nil {
		return nil, false, core.Internal(err, "plugin enablement")
	}
	if len(tps) == 0 {
		return nil, false, nil
	}
	tp := tps[0]
	r.Tenant = tenant
	settings := maps.Clone(r.Settings)
	if settings == nil {
		settings = map[string]string{}
	}
	maps.Copy(settings, tp.Settings) // the tenant's stored settings win
	var lines []core.CostLine
	err = h.call(ctx, tp.Plugin, func(ctx context.Context, c *sdk.Client) error {
		var err error
		if lines, err = c.ClassCosts(ctx, sdk.Call{Tenant: tenant, Settings: settings}, r); err != nil {
			return err
		}
		return validateLines(lines)
	})
	if err != nil {
		h.log.Warn("cost norms plugin failed; falling back to rate tables", "plugin", tp.Plugin, "tenant", tenant, "err", err)
		return nil, false, &core.Error{Code: core.EUNAVAILABLE, Err: err,
			Message: fmt.Sprintf("Không tính được kinh phí theo định mức của plugin «%s» (plugin %s); các khoản chi được tính theo bảng định mức chi của đơn vị.", tp.Plugin, why(err))}
	}
	return lines, true, nil
}

// garbageError marks a reply that breaks the contract.
type garbageError struct{ detail string }

func (e *garbageError) Error() string { return "invalid reply from plugin: " + e.detail }

// why says in Vietnamese why a plugin call failed, completing "plugin «x» …".
func why(err error) string {
	var fe *failedError
	var ge *garbageError
	var ue *unusableError
	switch {
	case errors.Is(err, errNotInstalled):
		return "chưa được cài đặt trên máy chủ"
	case errors.As(err, &ue):
		return "được cài đặt sai (sai tệp khai báo hoặc mã kiểm tra), vui lòng báo quản trị viên"
	case errors.As(err, &fe):
		return "đã bị tạm dừng vì lỗi lặp lại, vui lòng báo quản trị viên"
	case errors.As(err, &ge):
		return "trả về kết quả không hợp lệ"
	}
	if msg, ok := sdk.UserMessage(err); ok {
		return "báo lỗi: " + truncate(msg, 300)
	}
	st, ok := status.FromError(err)
	if !ok {
		return "không phản hồi" // not started in time, restarting, or the caller gave up
	}
	switch st.Code() {
	case codes.Internal, codes.Unknown, codes.Unimplemented, codes.InvalidArgument, codes.ResourceExhausted:
		return "gặp lỗi khi xử lý"
	}
	return "không phản hồi"
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
