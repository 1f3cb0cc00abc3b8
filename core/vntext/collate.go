package vntext

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The Vietnamese alphabet, with the Latin letters Vietnamese does not use
// (f, j, w, z: they occur in names of ethnic minorities and foreigners) in
// their Latin places. A sort key encodes each letter as one byte, 'A'+index,
// so that keys compare correctly byte by byte (SQLite BINARY, PostgreSQL
// COLLATE "C").
var alphabet = []rune("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")

var letterIndex = func() map[rune]byte {
	m := make(map[rune]byte, len(alphabet))
	for i, r := range alphabet {
		m[r] = byte(i)
	}
	return m
}()

// Combining marks that make a different letter (ă â ê ô ơ ư)…
const (
	markBreve      = '\u0306'
	markCircumflex = '\u0302'
	markHorn       = '\u031B'
)

// …and the five tone marks, in dictionary order after the level tone:
// huyền, hỏi, ngã, sắc, nặng.
var toneOf = map[rune]byte{
	'\u0300': 1, // grave (huyền)
	'\u0309': 2, // hook above (hỏi)
	'\u0303': 3, // tilde (ngã)
	'\u0301': 4, // acute (sắc)
	'\u0323': 5, // dot below (nặng)
}

// Each word is encoded as its letters followed by one tone byte; words are
// joined by wordSep. Dictionaries order syllable by syllable, so a word's tone
// decides before the next word is looked at ("Anh" before "Ánh" whatever the
// family names), but never before its own letters ("Ác" before "Ăn"). wordSep
// sorts below the tone bytes, which sort below digits and letters, so "An"
// comes before "An Bình" and before "Anh".
const (
	wordSep  = '!'
	toneBase = '"' // tones 0–5 are '"' … '\''
	other    = '~' // prefix of a character outside the alphabet
)

// Key returns the sort key of a phrase in reading order: letters in the
// Vietnamese alphabet order, case ignored, tones as a tie-breaker.
func Key(s string) string {
	return encode(strings.Fields(s))
}

// NameKey returns the sort key of a person's full name: the given name first,
// then the family and middle names, so that lists sort the Vietnamese way.
func NameKey(full string) string {
	ws := strings.Fields(full)
	if len(ws) > 1 {
		ws = append([]string{ws[len(ws)-1]}, ws[:len(ws)-1]...)
	}
	return encode(ws)
}

// CompareNames orders two full names the Vietnamese way.
func CompareNames(a, b string) int { return strings.Compare(NameKey(a), NameKey(b)) }

func encode(words []string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(wordSep)
		}
		b.WriteByte(toneBase + encodeWord(&b, w))
	}
	return b.String()
}

// encodeWord writes the letters of one word and returns its tone (0–5).
func encodeWord(out *strings.Builder, w string) byte {
	var tone byte
	var base rune
	var breve, circ, horn bool
	flush := func() {
		if base == 0 {
			return
		}
		r := base
		switch {
		case r == 'a' && breve:
			r = 'ă'
		case r == 'a' && circ:
			r = 'â'
		case r == 'e' && circ:
			r = 'ê'
		case r == 'o' && circ:
			r = 'ô'
		case r == 'o' && horn:
			r = 'ơ'
		case r == 'u' && horn:
			r = 'ư'
		}
		if i, ok := letterIndex[r]; ok {
			out.WriteByte('A' + i)
		} else if r >= '0' && r <= '9' {
			out.WriteByte(byte(r))
		} else if unicode.IsLetter(r) {
			out.WriteByte(other)
			out.WriteRune(r)
		}
		base, breve, circ, horn = 0, false, false, false
	}
	for _, r := range norm.NFD.String(w) {
		if unicode.Is(unicode.Mn, r) {
			switch r {
			case markBreve:
				breve = true
			case markCircumflex:
				circ = true
			case markHorn:
				horn = true
			default:
				if t, ok := toneOf[r]; ok && tone == 0 {
					tone = t
				}
			}
			continue
		}
		flush()
		if r == 'Đ' {
			r = 'đ'
		}
		base = unicode.ToLower(r)
	}
	flush()
	return tone
}
