package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"doanbd/core/audit"
)

func auditCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Audit log tools"}
	cmd.AddCommand(&cobra.Command{
		Use:   "verify",
		Short: "Check every audit chain; print OK or the first tampered row (exit status 1)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(g, func(ctx context.Context, a *App) error {
				rep, err := audit.Verify(ctx, a.DB)
				if err != nil {
					return err
				}
				if !rep.OK() {
					fmt.Fprintf(cmd.OutOrStdout(), "TAMPERED: %s\n", rep.Broken)
					return errors.New("audit log verification failed")
				}
				fmt.Fprintf(cmd.OutOrStdout(), "OK: %d chain(s), %d row(s) verified\n", rep.Chains, rep.Rows)
				return nil
			})
		},
	})
	return cmd
}
