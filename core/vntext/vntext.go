// Package vntext handles Vietnamese text the way people read it: it normalises
// to Unicode NFC (files from macOS arrive decomposed, NFD), folds text for
// searches that ignore diacritics and case ("nguyen van an" finds "Nguyễn Văn
// An", "Đ" matches "D"), and builds sort keys that order names the Vietnamese
// way: by the given name (the last word) first, then the rest, with the
// letters in the Vietnamese alphabet order (a ă â b c d đ e ê …) and tones
// only breaking ties.
package vntext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Clean returns s in NFC with surrounding space trimmed and every run of
// white space inside collapsed to one ASCII space. Every text the roster
// stores goes through it.
func Clean(s string) string {
	if isPlainASCII(s) {
		return collapse(s)
	}
	return collapse(norm.NFC.String(s))
}

// NFC returns s in Unicode normalisation form C without touching spaces.
func NFC(s string) string {
	if isPlainASCII(s) {
		return s
	}
	return norm.NFC.String(s)
}

// isPlainASCII reports whether s is ASCII, which is already NFC.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// collapse trims s and turns every run of white space into one space.
func collapse(s string) string {
	// Fast path: nothing to change.
	clean := true
	prevSpace := true
	for _, r := range s {
		sp := unicode.IsSpace(r)
		if sp && (r != ' ' || prevSpace) {
			clean = false
			break
		}
		prevSpace = sp
	}
	if clean && !prevSpace {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// Fold returns the search form of s: NFC, diacritics removed, đ turned into
// d, lower case, white space collapsed. Fold("  Nguyễn  Văn ĐỨC") is
// "nguyen van duc". The result is what the roster stores in its search column
// and what queries are folded to before matching.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true // drop leading space, collapse runs
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r):
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		default:
			r = unicode.ToLower(r)
		}
		space = false
		b.WriteRune(r)
	}
	return strings.TrimRight(b.String(), " ")
}

// SplitName splits a full name into the given name (its last word) and the
// rest (family and middle names). "Nguyễn Thị Minh Khai" → ("Khai",
// "Nguyễn Thị Minh").
func SplitName(full string) (given, rest string) {
	ws := strings.Fields(full)
	if len(ws) == 0 {
		return "", ""
	}
	return ws[len(ws)-1], strings.Join(ws[:len(ws)-1], " ")
}

// Words returns the folded words of s: letters and digits only, everything
// else separates words. Words("H'Hen Niê") is ["h", "hen", "nie"].
func Words(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// SearchForm is the stored search column of a name: its Words joined by
// single spaces. A query's Words joined the same way is then a plain
// substring of it, on any database.
func SearchForm(s string) string { return strings.Join(Words(s), " ") }
