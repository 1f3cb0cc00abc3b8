package synth_test

import (
	"testing"

	"doanbd/core/cadre"
	"doanbd/core/synth"
)

// TestEnrolments: four per cadre by default, shared like the cadres, over
// 2023–2027, consistent with the result and with cadres who left, and each
// cadre's programmes fit the cadre.
func TestEnrolments(t *testing.T) {
	for _, tc := range []struct{ enrolments, want int }{{0, 4 * 3000}, {5000, 5000}, {-1, 0}} {
		data := generate(t, synth.Options{Cadres: 3000, Enrolments: tc.enrolments})
		total := 0
		for _, d := range data {
			n := 0
			for _, c := range d.Cadres {
				n += len(c.Enrolments)
			}
			if tc.want > 0 && len(d.Cadres) > 50 && n < 3*len(d.Cadres)*tc.want/(4*3000) {
				t.Errorf("%s: %d enrolments for %d cadres", d.Tenant.Slug, n, len(d.Cadres))
			}
			total += n
		}
		// Cadres who left before 2023 have none: a few short of the aim.
		if total > tc.want || total < tc.want*97/100 {
			t.Errorf("enrolments %d: got %d, want about %d", tc.enrolments, total, tc.want)
		}
	}
	classes, certs := 0, map[string]bool{}
	for _, d := range generate(t, synth.Options{Cadres: 3000}) {
		planned := map[string]bool{}
		for _, p := range d.Plans {
			for _, c := range p.Classes {
				planned[c.ID] = true
			}
		}
		for _, c := range d.Cadres {
			for _, e := range c.Enrolments {
				if e.Year < 2023 || e.Year > 2027 || e.Start.Time().Year() != e.Year || e.End.Before(e.Start) {
					t.Fatalf("%s: enrolment %+v", c.FullName, e)
				}
				switch e.Result {
				case cadre.EnrolmentCompleted:
					if e.Completed != e.End || e.Certificate == "" || certs[d.Tenant.Slug+e.Certificate] || e.End.After(synth.DefaultAsOf) {
						t.Fatalf("completed enrolment %+v", e)
					}
					certs[d.Tenant.Slug+e.Certificate] = true
				case cadre.EnrolmentInProgress:
					if !e.Completed.IsZero() || e.Certificate != "" || e.End.Before(synth.DefaultAsOf) {
						t.Fatalf("enrolment in progress %+v", e)
					}
				case cadre.EnrolmentNotCompleted:
					if !e.Completed.IsZero() || e.Certificate != "" {
						t.Fatalf("enrolment not completed %+v", e)
					}
				default:
					t.Fatalf("result %q", e.Result)
				}
				if c.Status == cadre.Left && e.End.After(c.LeftOn) {
					t.Fatalf("%s left on %s but trained until %s", c.FullName, c.LeftOn, e.End)
				}
				if e.Program.Code == "TW1-BTX" && c.Title != "bi_thu_xa" && (c.Planning == nil || c.Planning.Title != "bi_thu_xa") {
					t.Fatalf("%s (%s) took the commune secretaries' programme", c.FullName, c.Title)
				}
				if e.ClassID != "" {
					if !planned[e.ClassID] {
						t.Fatalf("enrolment in class %s, not one of %s's", e.ClassID, d.Tenant.Slug)
					}
					classes++
				}
			}
		}
	}
	if classes == 0 {
		t.Error("no enrolment is in a planned class")
	}
}
