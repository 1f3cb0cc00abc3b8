package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"doanbd/workflows/definition"
	"doanbd/workflows/engine"
)

func workflowCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "workflow", Short: "Workflow definitions"}
	cmd.AddCommand(&cobra.Command{
		Use:   "validate FILE...",
		Short: "Check workflow definitions; each problem is printed with its line number",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bad := 0
			for _, f := range args {
				src, err := os.ReadFile(f)
				if err != nil {
					return fmt.Errorf("read %s: %w", f, err)
				}
				d, probs := definition.Parse(src, engine.Catalog)
				if probs != nil {
					bad++
					for _, p := range probs {
						fmt.Fprintf(cmd.ErrOrStderr(), "%s:%d: %s\n", f, p.Line, p.Message)
					}
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%s, %d states, %d transitions, hash %.12s)\n",
					f, d.Name, len(d.States), len(d.Transitions), d.Hash)
			}
			if bad > 0 {
				return errors.New("invalid workflow definition")
			}
			return nil
		},
	})
	return cmd
}
