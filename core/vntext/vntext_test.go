package vntext

import (
	"slices"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestClean(t *testing.T) {
	nfd := norm.NFD.String("Nguyễn Văn Đức")
	if nfd == "Nguyễn Văn Đức" {
		t.Fatal("test input is not decomposed")
	}
	for _, tc := range []struct{ in, want string }{
		{nfd, "Nguyễn Văn Đức"},
		{"  Trần\tThị \n Bích  ", "Trần Thị Bích"},
		{"An", "An"},
		{"", ""},
		{" \t", ""},
	} {
		if got := Clean(tc.in); got != tc.want {
			t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if !norm.NFC.IsNormalString(Clean(tc.in)) {
			t.Errorf("Clean(%q) is not NFC", tc.in)
		}
	}
}

func TestFold(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Nguyễn Văn An", "nguyen van an"},
		{norm.NFD.String("Nguyễn Văn An"), "nguyen van an"},
		{"ĐẶNG THỊ ĐÀO", "dang thi dao"},
		{"  Lê   Hữu  Ước ", "le huu uoc"},
		{"H'Hen Niê", "h'hen nie"},
		{"Phạm Ngọc Thạch 2", "pham ngoc thach 2"},
	} {
		if got := Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSplitName(t *testing.T) {
	g, r := SplitName("Nguyễn Thị Minh Khai")
	if g != "Khai" || r != "Nguyễn Thị Minh" {
		t.Fatalf("SplitName = %q, %q", g, r)
	}
	if g, r := SplitName("Mai"); g != "Mai" || r != "" {
		t.Fatalf("SplitName(Mai) = %q, %q", g, r)
	}
}

// TestLetterOrder checks the alphabet order a ă â b c d đ e ê … that a byte
// comparison of keys must give, and that tones only break ties.
func TestLetterOrder(t *testing.T) {
	ordered := []string{"a", "à", "ả", "ã", "á", "ạ", "ă", "ằ", "â", "b", "c", "d", "đ", "e", "ê", "g", "h", "i", "k",
		"l", "m", "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "x", "y"}
	for i := 1; i < len(ordered); i++ {
		a, b := Key(ordered[i-1]), Key(ordered[i])
		if a >= b {
			t.Errorf("Key(%q)=%q should sort before Key(%q)=%q", ordered[i-1], a, ordered[i], b)
		}
	}
	// Letters outrank tones: "Ác" (a + acute) sorts before "Ăn" (ă, level tone).
	if Key("Ác") >= Key("Ăn") {
		t.Error("tone must not outrank the letter")
	}
	// Case is ignored; NFD and NFC give the same key.
	if Key("ĐỨC") != Key("đức") || Key(norm.NFD.String("Đức")) != Key("Đức") {
		t.Error("keys must ignore case and normalisation form")
	}
}

func TestNameOrder(t *testing.T) {
	names := []string{
		"Trần Văn Đức",
		"Nguyễn Văn Dũng",
		"Lê Thị Ánh",
		"Nguyễn Thị An",
		"Phạm Anh",
		"Hoàng Văn Anh",
		"Vũ Thị Ân",
		"Đỗ Minh Ăn",
		"Bùi Quang Ba",
		"Mai",
	}
	want := []string{
		"Nguyễn Thị An",   // An, rest "Nguyễn Thị"
		"Hoàng Văn Anh",   // Anh, rest "Hoàng…" before "Phạm"
		"Phạm Anh",        //
		"Lê Thị Ánh",      // Ánh ties with Anh on letters, then tone
		"Đỗ Minh Ăn",      // ă after a
		"Vũ Thị Ân",       // â after ă
		"Bùi Quang Ba",    //
		"Nguyễn Văn Dũng", // d
		"Trần Văn Đức",    // đ after d
		"Mai",
	}
	got := slices.Clone(names)
	slices.SortFunc(got, CompareNames)
	if !slices.Equal(got, want) {
		t.Errorf("sorted:\n got %q\nwant %q", got, want)
	}
}

func TestSearchForm(t *testing.T) {
	if got := SearchForm("  H'Hen  Niê-Đào "); got != "h hen nie dao" {
		t.Errorf("SearchForm = %q", got)
	}
	if got := Words("Nguyễn, Văn  AN"); !slices.Equal(got, []string{"nguyen", "van", "an"}) {
		t.Errorf("Words = %q", got)
	}
}
