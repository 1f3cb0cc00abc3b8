// Package queue connects Asynq to Redis: a real server in production, an
// in-process Redis-protocol server (miniredis) on loopback in the embedded mode.
package queue

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
)

// Embedded is an in-process Redis-protocol server for the single-node mode.
// Its contents live in memory only: the outbox re-enqueues unfinished work
// after a restart, so nothing is lost with it.
type Embedded struct {
	m    *miniredis.Miniredis
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// StartEmbedded starts miniredis on a free loopback port. miniredis only
// expires keys when its clock is advanced, so a ticker advances it in step
// with the wall clock (Asynq's leases and locks rely on expiry).
func StartEmbedded() (*Embedded, error) { return StartEmbeddedAddr("127.0.0.1:0") }

// StartEmbeddedAddr starts the embedded server on addr (host:port; port 0
// picks a free one). A new server on the address of one that was closed is
// how a restart that lost the in-process queue looks to clients.
func StartEmbeddedAddr(addr string) (*Embedded, error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr(addr); err != nil {
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	e := &Embedded{m: m, stop: make(chan struct{})}
	e.wg.Add(1)
	go e.tick()
	return e, nil
}

func (e *Embedded) tick() {
	defer e.wg.Done()
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-e.stop:
			return
		case now := <-t.C:
			e.m.FastForward(now.Sub(last))
			last = now
		}
	}
}

// Addr is host:port of the embedded server.
func (e *Embedded) Addr() string { return e.m.Addr() }

// Close stops the server; its contents are gone. Calling it again does nothing.
func (e *Embedded) Close() {
	e.once.Do(func() {
		close(e.stop)
		e.wg.Wait()
		e.m.Close()
	})
}

// ConnOpt returns Asynq's connection option for a Redis URL
// (redis://, rediss://, or redis-sentinel:// for failover).
func ConnOpt(redisURL string) (asynq.RedisConnOpt, error) {
	opt, err := asynq.ParseRedisURI(redisURL)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	return opt, nil
}

// Ping checks the queue answers (used by /readyz).
func Ping(ctx context.Context, insp *asynq.Inspector) error {
	done := make(chan error, 1)
	go func() {
		_, err := insp.Queues()
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// slogAdapter sends Asynq's logs to slog.
type slogAdapter struct{ l *slog.Logger }

// Logger adapts slog for asynq.Config.Logger.
func Logger(l *slog.Logger) asynq.Logger { return slogAdapter{l.With("lib", "asynq")} }

func (a slogAdapter) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a slogAdapter) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a slogAdapter) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a slogAdapter) Error(args ...any) { a.l.Error(fmt.Sprint(args...)) }
func (a slogAdapter) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...)) }
