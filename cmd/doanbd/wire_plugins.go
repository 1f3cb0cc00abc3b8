package main

import (
	"context"
	"fmt"

	"doanbd/plugins/host"
)

// PluginHost returns the process's plugin host, creating it on first use:
// it discovers the plugins in cfg.PluginDir (nothing is started until a
// tenant's call needs a plugin). The host implements core.ProgramCatalog,
// core.PlanRules and core.CostNorms; capabilities wire it into their
// services from here. App.Close kills every plugin process.
func (a *App) PluginHost() (*host.Host, error) {
	if a.plugins != nil {
		return a.plugins, nil
	}
	h, err := host.New(host.Options{Dir: a.Cfg.PluginDir, Store: host.NewDBStore(a.DB), Log: a.Log,
		FailedCooldown: a.Cfg.PluginCooldown})
	if err != nil {
		return nil, fmt.Errorf("plugins: %w", err)
	}
	a.plugins = h
	return h, nil
}

// setupPlugins registers the per-tenant plugin API (enablement, settings).
func (a *App) setupPlugins(_ context.Context) error {
	h, err := a.PluginHost()
	if err != nil {
		return err
	}
	(&host.API{Host: h, Store: host.NewDBStore(a.DB)}).Register(a.Web)
	return nil
}

// closePlugins asks every plugin process to exit, kills those that do not,
// and waits for the host's pending writes (so it runs before the database
// closes).
func (a *App) closePlugins() {
	if a.plugins != nil {
		a.plugins.Close()
	}
}

// demoPlugins are the plugins the demo tenants use (JOURNEYS.md): p79's
// local programmes and cost norms from the shipped examples, and the Public
// Security union's plan rules.
var demoPlugins = []struct {
	tenant, plugin, capability string
	settings                   map[string]string
}{
	{"p79", "localprograms", "ProgramCatalog", map[string]string{"file": "examples/p79.yaml"}},
	{"p79", "costnorms", "CostNorms", map[string]string{"table": "examples/p79.yaml"}},
	{"bca", "bca-rules", "PlanRules", map[string]string{}},
}

// seedPlugins is the "plugins" seed step (--demo only): enables the demo
// tenants' plugins unless the tenant already chose about them.
func seedPlugins(ctx context.Context, a *App, o SeedOptions) error {
	if !o.Demo {
		return nil
	}
	st := host.NewDBStore(a.DB)
	n := 0
	for _, d := range demoPlugins {
		tps, err := st.TenantPlugins(ctx, d.tenant)
		if err != nil {
			return err
		}
		chosen := false
		for _, tp := range tps {
			chosen = chosen || tp.Plugin == d.plugin
		}
		if chosen {
			continue
		}
		if err := st.Put(ctx, d.tenant, host.TenantPlugin{Plugin: d.plugin, Enabled: true, Settings: d.settings,
			Capabilities: []string{d.capability}, UpdatedBy: "seed"}); err != nil {
			return err
		}
		n++
	}
	fmt.Fprintf(o.Out, "plugins: %d enabled for demo tenants\n", n)
	return nil
}
