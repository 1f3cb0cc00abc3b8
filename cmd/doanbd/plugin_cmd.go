package main

import (
	"context"
	"encoding/json"

	"github.com/spf13/cobra"

	"doanbd/plugins/host"
)

func pluginCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "plugin", Short: "Installed plugins"}
	cmd.AddCommand(pluginListCmd(g))
	return cmd
}

// listOnlyStore keeps `plugin list` from overwriting the statuses that
// running servers reported: the command only reads them.
type listOnlyStore struct{ *host.DBStore }

func (listOnlyStore) SetStatus(context.Context, string, string, string) error { return nil }

func pluginListCmd(g *globals) *cobra.Command {
	var asJSON, noProbe bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List installed plugins: version, capabilities, status (ok/failed/disabled), tenants using them",
		Long: `List the plugins found in the plugin directory (DOANBD_PLUGIN_DIR, default bin/plugins).

A plugin is "failed" when its manifest or checksum is wrong, when it does not
start and answer here (skipped with --no-probe), or when a running server last
reported it failed (for example after repeated crashes); "disabled" when no
tenant has enabled it; otherwise "ok".`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(g, func(ctx context.Context, a *App) error {
				st := host.NewDBStore(a.DB)
				h, err := host.New(host.Options{Dir: a.Cfg.PluginDir, Store: listOnlyStore{st}, Log: a.Log})
				if err != nil {
					return err
				}
				defer h.Close()
				rows, err := host.List(ctx, h, st, !noProbe)
				if err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					return enc.Encode(rows)
				}
				return host.WriteTable(cmd.OutOrStdout(), rows)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&noProbe, "no-probe", false, "do not start plugins to check them")
	return cmd
}
