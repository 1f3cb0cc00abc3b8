package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/user"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"doanbd/core"
	"doanbd/tenants"
)

func tenantCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "tenant", Short: "Tenant registry: list tenants, merge one into its successor"}
	cmd.AddCommand(tenantListCmd(g), tenantMergeCmd(g))
	return cmd
}

// withApp opens the app (migrating in the embedded mode) for a one-shot command.
func withApp(g *globals, fn func(ctx context.Context, a *App) error) error {
	cfg, err := g.load()
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	a, err := Open(ctx, cfg, newLogger(cfg))
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(ctx, a)
}

func tenantListCmd(g *globals) *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List active tenants (--all: ended ones too)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(g, func(ctx context.Context, a *App) error {
				f := tenants.ListFilter{Status: core.TenantActive}
				if all {
					f.Status = ""
				}
				list, err := a.newTenantStore().List(ctx, f)
				if err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					return enc.Encode(list)
				}
				return printTenants(cmd.OutOrStdout(), list)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of tenants")
	cmd.Flags().BoolVar(&all, "all", false, "include tenants that have ended")
	return cmd
}

func printTenants(out io.Writer, list []core.Tenant) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SLUG\tNAME\tKIND\tSTATUS\tPARENT\tVALID_TO\tSUCCESSOR")
	for _, t := range list {
		to := ""
		if t.ValidTo != nil {
			to = t.ValidTo.Format(time.DateOnly)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Kind, t.Status, dash(t.Parent), dash(to), dash(t.Successor))
	}
	return w.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func tenantMergeCmd(g *globals) *cobra.Command {
	var from, into, on string
	var dry bool
	cmd := &cobra.Command{
		Use:   "merge --from SLUG --into SLUG --on YYYY-MM-DD [--dry-run]",
		Short: "End a tenant on a date and move its live data to its successor (history stays under the old name)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			date, err := time.Parse(time.DateOnly, on)
			if err != nil {
				return fmt.Errorf("--on %q: want a date YYYY-MM-DD (the old tenant's last day)", on)
			}
			return withApp(g, func(ctx context.Context, a *App) error {
				req := tenants.MergeRequest{From: from, Into: into, On: date, DryRun: dry, Actor: cliActor()}
				res, err := a.newTenantStore().Merge(ctx, req, a.mergeSteps())
				if err != nil {
					if core.ErrorCode(err) == core.EINVALID {
						return errors.New("merge refused: " + core.ErrorMessage(err))
					}
					return err
				}
				printMerge(cmd.OutOrStdout(), res)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "slug of the tenant that ends")
	cmd.Flags().StringVar(&into, "into", "", "slug of its successor")
	cmd.Flags().StringVar(&on, "on", "", "last day of the old tenant (YYYY-MM-DD)")
	cmd.Flags().BoolVar(&dry, "dry-run", false, "print what would move and change nothing")
	for _, f := range []string{"from", "into", "on"} {
		_ = cmd.MarkFlagRequired(f) // cannot fail: the flags exist
	}
	return cmd
}

func printMerge(out io.Writer, r tenants.MergeResult) {
	on := r.On.Format(time.DateOnly)
	switch {
	case r.DryRun && r.AlreadyMerged:
		fmt.Fprintf(out, "dry run: %s was already merged into %s on %s; steps would move:\n", r.From, r.Into, on)
	case r.DryRun:
		fmt.Fprintf(out, "dry run: merging %s into %s on %s would end %s and move:\n", r.From, r.Into, on, r.From)
	case r.AlreadyMerged && r.Moved() == 0:
		fmt.Fprintf(out, "%s was already merged into %s on %s: nothing to do\n", r.From, r.Into, on)
		return
	case r.AlreadyMerged:
		fmt.Fprintf(out, "%s was already merged into %s on %s; moved what was left:\n", r.From, r.Into, on)
	default:
		fmt.Fprintf(out, "merged %s into %s: %s ended on %s, successor %s; moved:\n", r.From, r.Into, r.From, on, r.Into)
	}
	if len(r.Steps) == 0 {
		fmt.Fprintln(out, "  (no merge steps registered)")
	}
	for _, s := range r.Steps {
		fmt.Fprintf(out, "  %-24s %d\n", s.Step, s.Rows)
	}
	if r.DryRun {
		fmt.Fprintln(out, "nothing changed")
	}
}

// cliActor names the operator in the audit log.
func cliActor() core.Principal {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return core.Principal{Email: "cli:" + name, Via: "cli"}
}
