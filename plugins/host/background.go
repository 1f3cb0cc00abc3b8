package host

import (
	"context"
	"sync"
	"time"
)

// background runs the host's fire-and-forget work (status and catalogue
// writes, clean-up of killed processes) and lets Close wait for it. Work is
// started from request goroutines and supervisors at any time, so this is a
// counter under a mutex rather than a bare sync.WaitGroup, whose Add must
// never race with Wait: wait means "until nothing runs", and after close
// new work is refused.
type background struct {
	mu     sync.Mutex
	idle   *sync.Cond
	n      int
	closed bool
}

func newBackground() *background {
	b := &background{}
	b.idle = sync.NewCond(&b.mu)
	return b
}

// Go runs fn in its own goroutine; it reports false (and does nothing) once
// the host is closed.
func (b *background) Go(fn func()) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.n++
	go func() {
		defer b.done()
		fn()
	}()
	return true
}

func (b *background) done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n--
	if b.n == 0 {
		b.idle.Broadcast()
	}
}

// Wait returns when no background work is running.
func (b *background) Wait() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.n > 0 {
		b.idle.Wait()
	}
}

// Close refuses new work and waits for the work already running.
func (b *background) Close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.Wait()
}

// statusReport is a plugin status waiting to be written.
type statusReport struct{ status, reason string }

// statusWriter writes plugin statuses in the background, one writer at a
// time and only the latest per plugin, so a quick "ok" then "failed" can
// never land in the database in the other order.
type statusWriter struct {
	store Store
	bg    *background
	warn  func(plugin string, err error)

	mu      sync.Mutex
	pending map[string]statusReport
	writing bool
}

// save queues plugin's status; it never blocks on the database (the caller
// may hold a supervisor's lock or be inside a transaction).
func (w *statusWriter) save(plugin, status, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending == nil {
		w.pending = map[string]statusReport{}
	}
	w.pending[plugin] = statusReport{status, reason}
	if !w.writing {
		w.writing = w.bg.Go(w.drain)
	}
}

func (w *statusWriter) drain() {
	for {
		w.mu.Lock()
		var plugin string
		var r statusReport
		found := false
		for plugin, r = range w.pending {
			found = true
			break
		}
		if !found {
			w.writing = false
			w.mu.Unlock()
			return
		}
		delete(w.pending, plugin)
		w.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := w.store.SetStatus(ctx, plugin, r.status, r.reason)
		cancel()
		if err != nil {
			w.warn(plugin, err)
		}
	}
}
