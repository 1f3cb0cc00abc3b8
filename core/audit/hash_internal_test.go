package audit

import (
	"encoding/json"
	"testing"
	"time"
)

func chain(n int) []*Record {
	var out []*Record
	prev := ""
	for i := 1; i <= n; i++ {
		r := &Record{Tenant: "p01", Seq: int64(i), ID: "id" + string(rune('a'+i)), At: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC),
			Action: "cadre.update", Object: "cadre", Detail: json.RawMessage(`{}`), PrevHash: prev}
		r.Hash = r.computeHash()
		prev = r.Hash
		out = append(out, r)
	}
	return out
}

// A forger who changes a row and recomputes its hash breaks the next link.
func TestRehashedRowBreaksNextLink(t *testing.T) {
	rs := chain(3)
	h := head{Tenant: "p01", Seq: 3, Hash: rs[2].Hash}
	rs[1].ActorEmail = "someone-else@example.vn"
	rs[1].Hash = rs[1].computeHash()
	if b := checkRow(rs[1], 1, rs[0].Hash, h); b != nil {
		t.Fatalf("the rehashed row itself verifies on its own, got %v", b)
	}
	b := checkRow(rs[2], 2, rs[1].Hash, h)
	if b == nil || b.Seq != 3 || b.Problem != "prev_hash does not match the hash of the row before it" {
		t.Fatalf("next row: %v, want a broken link at seq 3", b)
	}
}

// The encoding is unambiguous: moving text between fields changes the hash.
func TestHashFieldBoundaries(t *testing.T) {
	a := chain(1)[0]
	b := *a
	a.Action, a.Object = "ab", "c"
	b.Action, b.Object = "a", "bc"
	if a.computeHash() == b.computeHash() {
		t.Fatal("fields shifted across a boundary hash the same")
	}
	c := *a
	c.At = c.At.In(time.FixedZone("ICT", 7*3600)) // same instant, other zone
	if a.computeHash() != c.computeHash() {
		t.Fatal("the hash depends on the time zone of At")
	}
}
