package seal

import (
	"bytes"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestSealOpen(t *testing.T) {
	s, err := New(key(1))
	if err != nil {
		t.Fatal(err)
	}
	ct := s.Seal("cccd", "r1", "001095012345")
	if bytes.Contains(ct, []byte("001095012345")) {
		t.Fatal("sealed value contains the plaintext")
	}
	if got, err := s.Open("cccd", "r1", ct); err != nil || got != "001095012345" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if bytes.Equal(ct, s.Seal("cccd", "r1", "001095012345")) {
		t.Error("two seals of one value must differ (random nonce)")
	}
	for _, tc := range []struct{ field, id string }{{"religion", "r1"}, {"cccd", "r2"}} {
		if _, err := s.Open(tc.field, tc.id, ct); err == nil {
			t.Errorf("value moved to %s/%s must not open", tc.field, tc.id)
		}
	}
	other, _ := New(key(2))
	if _, err := other.Open("cccd", "r1", ct); err == nil {
		t.Error("another key must not open the value")
	}
	if s.Seal("cccd", "r1", "") != nil {
		t.Error("empty value must seal to nil")
	}
	if got, err := s.Open("cccd", "r1", nil); err != nil || got != "" {
		t.Errorf("Open(nil) = %q, %v", got, err)
	}
}

func TestIndex(t *testing.T) {
	a, _ := New(key(1))
	b, _ := New(key(2))
	if a.Index("001095012345") != a.Index("001095012345") {
		t.Error("index must be deterministic")
	}
	if a.Index("001095012345") == a.Index("001095012346") || a.Index("001095012345") == b.Index("001095012345") {
		t.Error("index must depend on the value and the key")
	}
	if len(a.Index("001095012345")) != 32 || a.Index("") != "" {
		t.Error("index shape")
	}
	if _, err := New(key(1)[:16]); err == nil {
		t.Error("short key accepted")
	}
}
