package synth

import (
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"doanbd/core/cadre"
)

// rng is a deterministic random stream. Every tenant and every kind of data
// has its own stream (seed, tenant, kind), so what one tenant gets does not
// depend on how many rows another tenant got or on which goroutine made it.
type rng struct {
	*rand.Rand
	idMs uint64 // the next id's millisecond prefix
}

func newRNG(seed int64, tenant, kind string, idTime time.Time) *rng {
	h := fnv.New64a()
	h.Write([]byte(tenant))
	h.Write([]byte{0})
	h.Write([]byte(kind))
	return &rng{Rand: rand.New(rand.NewPCG(uint64(seed), h.Sum64())), idMs: uint64(idTime.UnixMilli())}
}

// id returns an id shaped like sqldb.NewID (12 hex digits of a millisecond
// time, 20 random hex digits), drawn from the stream so it is reproducible.
// Like NewID's, the ids of a stream increase in the order they are made
// (the time prefix advances a millisecond per id), so inserting rows in
// that order appends to the id indexes instead of splitting pages.
func (r *rng) id() string {
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], r.idMs<<16)
	r.idMs++
	binary.BigEndian.PutUint64(raw[6:14], r.Uint64())
	binary.BigEndian.PutUint16(raw[14:], uint16(r.Uint32()))
	var out [32]byte
	hex.Encode(out[:], raw[:])
	return string(out[:])
}

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.Float64() < p }

// between returns an int in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.IntN(hi-lo+1) }

// pick returns one element of xs.
func pick[T any](r *rng, xs []T) T { return xs[r.IntN(len(xs))] }

// dateBetween returns a civil date in [from, to].
func (r *rng) dateBetween(from, to cadre.Date) cadre.Date {
	days := int(to.Time().Sub(from.Time()).Hours() / 24)
	if days <= 0 {
		return from
	}
	return cadre.DateOf(from.Time().AddDate(0, 0, r.IntN(days+1)))
}

// weighted picks among choices by integer weights.
type weighted[T any] struct {
	items []T
	cum   []int
}

func newWeighted[T any](pairs ...wpair[T]) *weighted[T] {
	w := &weighted[T]{}
	total := 0
	for _, p := range pairs {
		total += p.w
		w.items = append(w.items, p.v)
		w.cum = append(w.cum, total)
	}
	return w
}

type wpair[T any] struct {
	v T
	w int
}

func (w *weighted[T]) pick(r *rng) T {
	n := r.IntN(w.cum[len(w.cum)-1])
	lo, hi := 0, len(w.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if w.cum[mid] > n {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return w.items[lo]
}
