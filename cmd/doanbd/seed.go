package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"doanbd/configs"
	"doanbd/core/cadre"
	"doanbd/core/cadre/roster"
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

// demoEnrolments are trainings of p79's demo cadres (by name), so the cadre
// page shows a training history: finished courses with certificates, one
// not completed, one running now.
var demoEnrolments = []struct {
	cadre, program     string
	start, end, result string
	cert               string
}{
	{"Nguyễn Văn An", "TW2-CB", "2023-06-12", "2023-06-16", cadre.EnrolmentCompleted, "15/2023/CC-TĐ-P79"},
	{"Nguyễn Văn An", "TW1-PBTT", "2025-03-10", "2025-03-21", cadre.EnrolmentCompleted, "42/2025/CC-TĐ-P79"},
	{"Nguyễn Văn An", "TW4-CDS", "2026-11-16", "2026-12-04", cadre.EnrolmentInProgress, ""},
	{"Trần Thị Bích Ngọc", "TW1-BTX", "2024-05-13", "2024-05-24", cadre.EnrolmentCompleted, "88/2024/CC-TĐ-P79"},
	{"Trần Thị Bích Ngọc", "TW3-TC", "2025-09-08", "2025-09-12", cadre.EnrolmentNotCompleted, ""},
	{"Võ Minh Tuấn", "TINH3-BTCD", "2024-08-05", "2024-08-07", cadre.EnrolmentCompleted, "131/2024/CC-TĐ-P79"},
}

// seedDemoEnrolments is the "enrolments" seed step: with --demo, a few of
// p79's demo cadres get a training history, unless they have one already.
// Programme names and hours come from the shipped catalogue.
func seedDemoEnrolments(ctx context.Context, a *App, o SeedOptions) error {
	if !o.Demo {
		return nil
	}
	src, err := configs.FS.ReadFile("seed/programs.yaml")
	if err != nil {
		return fmt.Errorf("read embedded programs seed: %w", err)
	}
	var doc struct {
		Programs []struct {
			Code, Group, Name string
			Modules           []struct{ Hours int }
		}
	}
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return fmt.Errorf("programs seed: %w", err)
	}
	progs := map[string]cadre.EnrolmentInput{}
	for _, p := range doc.Programs {
		in := cadre.EnrolmentInput{ProgramCode: p.Code, ProgramName: p.Name, ProgramGroup: p.Group}
		for _, m := range p.Modules {
			in.Hours += m.Hours
		}
		progs[p.Code] = in
	}
	r, _, err := a.RosterParts()
	if err != nil {
		return err
	}
	const tenant = "p79"
	cs, _, err := r.ListCadres(ctx, tenant, roster.Filter{Status: "all", Limit: 200})
	if err != nil {
		return err
	}
	ids := map[string]string{}
	for _, c := range cs {
		ids[c.FullName] = c.ID
	}
	has := map[string]bool{}
	added := 0
	for _, e := range demoEnrolments {
		id, ok := ids[e.cadre]
		if !ok {
			continue // the demo roster was not seeded (p79 had units already)
		}
		if _, seen := has[id]; !seen {
			es, err := r.Enrolments(ctx, tenant, id)
			if err != nil {
				return err
			}
			has[id] = len(es) > 0
		}
		if has[id] {
			continue
		}
		in, ok := progs[e.program]
		if !ok {
			return fmt.Errorf("demo enrolment: programme %s is not in the catalogue", e.program)
		}
		if in.StartOn, err = cadre.ParseISO(e.start); err != nil {
			return err
		}
		if in.EndOn, err = cadre.ParseISO(e.end); err != nil {
			return err
		}
		in.Year, in.Result, in.CertificateNo = in.StartOn.Time().Year(), e.result, e.cert
		if e.result == cadre.EnrolmentCompleted {
			in.CompletedOn = in.EndOn
		}
		if _, err := r.RecordEnrolment(ctx, tenant, id, in); err != nil {
			return fmt.Errorf("demo enrolment of %s: %w", e.cadre, err)
		}
		added++
	}
	if added > 0 {
		fmt.Fprintf(o.Out, "enrolments (demo): p79 has %d trainings of demo cadres\n", added)
	}
	return nil
}
