package synth_test

import (
	"os"
	"strconv"
	"testing"

	"doanbd/core/cadre/cadretest"
	"doanbd/core/synth"
)

// BenchmarkSeed writes SYNTH_CADRES cadres (default 500,000) and
// SYNTH_ENROLMENTS enrolments (default four per cadre, -1 none) on SQLite
// and PostgreSQL and reports cadres/s (`go test -bench Seed -benchtime 1x`).
func BenchmarkSeed(b *testing.B) {
	n, enrols := 500_000, 0
	if v, err := strconv.Atoi(os.Getenv("SYNTH_CADRES")); err == nil {
		n = v
	}
	if v, err := strconv.Atoi(os.Getenv("SYNTH_ENROLMENTS")); err == nil {
		enrols = v
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				var db cadretest.DB
				if dialect == "sqlite" {
					db = sqliteAt(b, b.TempDir())
				} else {
					db = cadretest.Postgres(b)
				}
				p := prepare(b, db)
				p.deps.Progress = os.Stderr
				b.StartTimer()
				res, err := synth.Seed(cadretest.Ctx(b), p.deps, synth.Options{Cadres: n, Enrolments: enrols})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(res.CadresPerSecond(), "cadres/s")
				b.Logf("%s: %s in %s (CPU %s)", dialect, res.Counts, res.Elapsed, res.CPU)
			}
		})
	}
}
