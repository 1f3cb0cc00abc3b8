package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func seedCmd(g *globals) *cobra.Command {
	var demo bool
	var syn syntheticFlags
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Load reference data (tenants, programmes); --demo adds demo users for every role",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			ctx, stop := signalContext()
			defer stop()
			if _, err := migrate(ctx, cfg); err != nil {
				return err
			}
			a, err := Open(ctx, cfg, newLogger(cfg))
			if err != nil {
				return err
			}
			defer a.Close()
			o := SeedOptions{Demo: demo, Out: cmd.OutOrStdout()}
			for _, s := range a.seedSteps() {
				if err := s.Run(ctx, a, o); err != nil {
					return fmt.Errorf("seed %s: %w", s.Name, err)
				}
			}
			return syn.run(ctx, a, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&demo, "demo", false, "also add demo users and demo data")
	syn.add(cmd.Flags())
	return cmd
}
