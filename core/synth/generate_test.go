package synth_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"doanbd/configs"
	"doanbd/core/synth"
	"doanbd/workflows/definition"
	"doanbd/workflows/engine"
)

// fixedInputs stand in for the database: a few tenants of every kind and
// three programmes.
func fixedInputs() synth.Inputs {
	return synth.Inputs{
		Tenants: []synth.Tenant{
			{Slug: "tw", Kind: "central", Name: "Ban Chấp hành Trung ương Đoàn TNCS Hồ Chí Minh"},
			{Slug: "bca", Kind: "ministry", Name: "Đoàn Thanh niên Công an nhân dân"},
			{Slug: "p01", Kind: "province", Code: "01", Name: "Thành Đoàn Hà Nội"},
			{Slug: "p66", Kind: "province", Code: "66", Name: "Tỉnh Đoàn Đắk Lắk"},
			{Slug: "p79", Kind: "province", Code: "79", Name: "Thành Đoàn Thành phố Hồ Chí Minh"},
			{Slug: "p91", Kind: "province", Code: "91", Name: "Tỉnh Đoàn An Giang"},
			{Slug: "dkdn", Kind: "affiliated", Name: "Đoàn Khối Doanh nghiệp Trung ương"},
		},
		Programs: []synth.Program{
			{ID: "prog-1", Code: "TW1-BTX", Name: "Bồi dưỡng Bí thư Đoàn xã", Group: "TW1", Version: 1, Audience: `{"titles":["bi_thu_xa"]}`, Hours: 40},
			{ID: "prog-2", Code: "TW2", Name: "Kiến thức, kỹ năng công tác Đoàn, Hội, Đội", Group: "TW2", Version: 1, Audience: `{}`, Hours: 24},
			{ID: "prog-3", Code: "TW4-CDS", Name: "Chuyển đổi số và kinh tế số", Group: "TW4", Version: 1, Audience: `{}`, Hours: 16},
		},
	}
}

func digest(t *testing.T, o synth.Options, in synth.Inputs) string {
	t.Helper()
	g, err := synth.NewGenerator(o, in)
	if err != nil {
		t.Fatal(err)
	}
	d, err := g.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDeterministic(t *testing.T) {
	o := synth.Options{Seed: 1, Cadres: 5000}
	first := digest(t, o, fixedInputs())
	if again := digest(t, o, fixedInputs()); again != first {
		t.Fatalf("same seed, different data: %s then %s", first, again)
	}
	// The order the database returns tenants in does not matter.
	in := fixedInputs()
	for i, j := 0, len(in.Tenants)-1; i < j; i, j = i+1, j-1 {
		in.Tenants[i], in.Tenants[j] = in.Tenants[j], in.Tenants[i]
	}
	if got := digest(t, o, in); got != first {
		t.Fatalf("tenant order changed the data: %s vs %s", got, first)
	}
	for _, other := range []synth.Options{{Seed: 2, Cadres: 5000}, {Seed: 1, Cadres: 5001}, {Seed: 1, Cadres: 5000, Plans: 10},
		{Seed: 1, Cadres: 5000, Enrolments: 19_000}} {
		if got := digest(t, other, fixedInputs()); got == first {
			t.Fatalf("options %+v gave the same data as seed 1", other)
		}
	}
}

func generate(t *testing.T, o synth.Options) []*synth.TenantData {
	t.Helper()
	g, err := synth.NewGenerator(o, fixedInputs())
	if err != nil {
		t.Fatal(err)
	}
	var out []*synth.TenantData
	for i := range g.Tenants() {
		out = append(out, g.Tenant(i))
	}
	return out
}

func TestCounts(t *testing.T) {
	for _, tc := range []struct{ cadres, plans, wantPlans int }{
		{7, 0, 35}, {1000, 0, 35}, {12345, 0, 35}, {3000, 12, 12}, {3000, 50, 50},
	} {
		data := generate(t, synth.Options{Cadres: tc.cadres, Plans: tc.plans})
		cadres, annual := 0, 0
		for _, d := range data {
			cadres += len(d.Cadres)
			for _, p := range d.Plans {
				if p.Kind == "annual" {
					annual++
				}
			}
		}
		if cadres != tc.cadres || annual != tc.wantPlans {
			t.Errorf("cadres %d plans %d: got %d cadres, %d annual plans; want %d plans", tc.cadres, tc.plans, cadres, annual, tc.wantPlans)
		}
	}
}

func TestNamesVietnamese(t *testing.T) {
	data := generate(t, synth.Options{Cadres: 20000})
	family := map[string]int{}
	n, accented := 0, 0
	for _, d := range data {
		for _, c := range d.Cadres {
			n++
			if !norm.NFC.IsNormalString(c.FullName) || !utf8.ValidString(c.FullName) {
				t.Fatalf("name %q is not NFC", c.FullName)
			}
			ws := strings.Fields(c.FullName)
			if len(ws) < 2 || strings.Join(ws, " ") != c.FullName {
				t.Fatalf("name %q: want at least two words, single spaces", c.FullName)
			}
			for _, r := range c.FullName {
				if r >= utf8.RuneSelf {
					accented++
					break
				}
			}
			family[ws[0]]++
		}
	}
	if accented*100 < n*90 {
		t.Errorf("only %d of %d names have diacritics", accented, n)
	}
	share := float64(family["Nguyễn"]) / float64(n)
	if share < 0.28 || share > 0.42 {
		t.Errorf("Nguyễn is %.1f%% of family names, want about 35%%", 100*share)
	}
	for _, f := range []string{"Trần", "Lê", "Phạm", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Hoàng", "Huỳnh", "Vũ", "Võ"} {
		if family[f] == 0 {
			t.Errorf("no cadre has the family name %s", f)
		}
	}
	if family["Trần"] < family["Bùi"] || family["Lê"] < family["Đỗ"] {
		t.Errorf("family names out of their usual order: %v", family)
	}
}

// TestPathsFollowDefinition checks every generated history against the
// shipped annual-plan workflow: each step is one of its transitions, steps
// chain from the initial state, and the last reaches the target state.
func TestPathsFollowDefinition(t *testing.T) {
	src, err := configs.FS.ReadFile("workflows/annual_plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, probs := definition.Parse(src, engine.Catalog)
	if probs != nil {
		t.Fatal(probs)
	}
	for _, state := range synth.States {
		if d.States[state] == nil {
			t.Fatalf("state %s is not in the definition", state)
		}
		for v := 0; v < 4; v++ {
			at := d.Initial
			for _, s := range synth.Path(state, v) {
				ok := false
				for _, tr := range d.Transitions {
					if tr.Action == s.Action && tr.To == s.To && contains(tr.From, s.From) {
						ok = true
					}
				}
				if !ok || s.From != at {
					t.Fatalf("%s (variant %d): step %+v from %s is not a transition of the definition", state, v, s, at)
				}
				at = s.To
			}
			if at != state {
				t.Fatalf("%s (variant %d): path ends in %s", state, v, at)
			}
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
