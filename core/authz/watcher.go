package authz

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/casbin/casbin/v2/persist"
	"github.com/redis/go-redis/v9"
)

// WatcherChannel is the Redis pub/sub channel of policy changes.
const WatcherChannel = "doanbd:authz:policy"

// RedisWatcher tells the other processes that the policy changed, over Redis
// pub/sub (the Redis the job queue already uses; in the embedded mode the
// in-process one). A message carries the sender's id so a process does not
// reload for its own changes; several messages that arrive while a reload
// runs are served by one more reload. Pub/sub loses messages while a
// connection is down, so processes also poll for changes (AutoReload).
type RedisWatcher struct {
	rdb     redis.UniversalClient
	channel string
	id      string
	log     *slog.Logger
	ps      *redis.PubSub

	mu       sync.Mutex
	callback func(string)
	wake     chan struct{}
	done     chan struct{}
	closed   bool
	stopOnce sync.Once
}

var _ persist.Watcher = (*RedisWatcher)(nil)

// NewRedisWatcher subscribes to channel and starts delivering messages.
func NewRedisWatcher(ctx context.Context, rdb redis.UniversalClient, channel string, log *slog.Logger) (*RedisWatcher, error) {
	if log == nil {
		log = slog.Default()
	}
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("watcher id: %w", err)
	}
	w := &RedisWatcher{rdb: rdb, channel: channel, id: hex.EncodeToString(b[:]), log: log,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	w.ps = rdb.Subscribe(ctx, channel)
	if _, err := w.ps.Receive(ctx); err != nil { // the subscription confirmation
		_ = w.ps.Close()
		return nil, fmt.Errorf("subscribe to %s: %w", channel, err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); w.receive() }()
	go func() { defer wg.Done(); w.deliver() }()
	go func() { wg.Wait(); close(w.done) }()
	return w, nil
}

// receive turns messages from other processes into a wake-up.
func (w *RedisWatcher) receive() {
	defer w.stop()
	for m := range w.ps.Channel() {
		if m.Payload == w.id {
			continue
		}
		select {
		case w.wake <- struct{}{}:
		default: // a reload is already pending: it will see this change too
		}
	}
}

// deliver runs the callback once per pending wake-up.
func (w *RedisWatcher) deliver() {
	for range w.wake {
		w.mu.Lock()
		cb := w.callback
		w.mu.Unlock()
		if cb != nil {
			cb(w.channel)
		}
	}
}

func (w *RedisWatcher) stop() { w.stopOnce.Do(func() { close(w.wake) }) }

// SetUpdateCallback sets what runs when another process changed the policy.
func (w *RedisWatcher) SetUpdateCallback(f func(string)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.callback = f
	return nil
}

// Update announces a change made by this process.
func (w *RedisWatcher) Update() error {
	w.mu.Lock()
	closed := w.closed
	w.mu.Unlock()
	if closed {
		return errors.New("watcher closed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.rdb.Publish(ctx, w.channel, w.id).Err(); err != nil {
		return fmt.Errorf("publish policy change: %w", err)
	}
	return nil
}

// Close unsubscribes and waits for a running callback to finish.
func (w *RedisWatcher) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	w.mu.Unlock()
	if err := w.ps.Close(); err != nil {
		w.log.Warn("close policy watcher", "err", err)
	}
	<-w.done
}

// AutoReload checks every interval, until ctx ends, whether the stored
// policy changed without an announcement reaching this process, and reloads
// it then: announcements lost while a connection was down, and changes made
// by one-shot commands (`doanbd user add`), which in the embedded mode do not
// share the server's in-process Redis. The check is one indexed query.
func (s *Service) AutoReload(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if changed, err := s.ReloadIfChanged(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("policy change check failed", "err", err)
			} else if changed {
				s.log.Info("policy reloaded after a change made elsewhere")
			}
		}
	}
}
