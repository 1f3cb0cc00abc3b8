package host

import (
	"context"
	"testing"
)

// gatedStore blocks SetStatus until released, recording what it wrote.
type gatedStore struct {
	*memStore
	entered chan string
	release chan struct{}
}

func (s *gatedStore) SetStatus(ctx context.Context, plugin, status, reason string) error {
	s.entered <- status
	<-s.release
	return s.memStore.SetStatus(ctx, plugin, status, reason)
}

// TestStatusWriterKeepsLatest: statuses queued while a write is in flight
// collapse to the latest one per plugin, written after the first; Close
// waits for the writer and later reports are dropped.
func TestStatusWriterKeepsLatest(t *testing.T) {
	st := &gatedStore{memStore: newMemStore(), entered: make(chan string, 10), release: make(chan struct{})}
	bg := newBackground()
	w := &statusWriter{store: st, bg: bg, warn: func(p string, err error) { t.Errorf("status of %s: %v", p, err) }}
	w.save("x", StatusOK, "")
	if got := <-st.entered; got != StatusOK {
		t.Fatalf("first write %q", got)
	}
	w.save("x", StatusFailed, "crash 1")
	w.save("x", StatusOK, "")
	w.save("x", StatusFailed, "crash 2")
	close(st.release)
	if got := <-st.entered; got != StatusFailed {
		t.Fatalf("second write %q, want the latest (failed)", got)
	}
	bg.Close()
	if n := len(st.entered); n != 0 {
		t.Errorf("%d more writes; the queued statuses should have collapsed into one", n)
	}
	if s := st.statuses["x"]; s.Status != StatusFailed || s.Reason != "crash 2" {
		t.Errorf("stored %+v", s)
	}
	w.save("x", StatusOK, "")
	bg.Wait()
	if s := st.statuses["x"]; s.Status != StatusFailed || len(st.entered) != 0 {
		t.Errorf("a status saved after Close was written: %+v", s)
	}
}
