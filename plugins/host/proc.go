package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"doanbd/plugins/sdk"
)

type procState int

const (
	stateIdle     procState = iota // never started: plugins start on first use
	stateStarting                  // process being started
	stateRunning                   // serving
	stateBackoff                   // crashed; restarts when the backoff ends
	stateFailed                    // given up on until the cool-down ends or a reset; the host keeps working without it
	stateStopped                   // host shut down
)

// exitPoll is how often a running plugin's process is checked for exit; it
// bounds how long a crash goes unnoticed when no call is made.
const exitPoll = 100 * time.Millisecond

// errStopped is returned after Close.
var errStopped = errors.New("plugin host is shut down")

// errRestarting is returned when a plugin is not back in time for a call.
var errRestarting = errors.New("plugin is restarting")

// failedError is returned for a plugin marked failed.
type failedError struct{ reason string }

func (e *failedError) Error() string { return "plugin failed: " + e.reason }

// permanentError is a start failure that retrying cannot fix (bad checksum,
// output on stdout, wrong protocol): the plugin is marked failed at once.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// proc supervises one plugin's process: lazy start with a timeout, exit
// checks and pings, restart with exponential backoff, and giving up after
// MaxCrashes crashes within CrashWindow.
type proc struct {
	m      Manifest
	opt    *Options
	log    *slog.Logger
	status func(status, reason string) // persists status changes, without blocking

	mu        sync.Mutex
	state     procState
	changed   chan struct{} // closed and replaced on every state change
	gen       int           // increments on every successful start
	cmd       *exec.Cmd
	cl        *goplugin.Client
	rpc       *sdk.Client
	stderr    *lineLogger
	reason    string
	crashes   []time.Time
	backoff   time.Duration
	restartAt time.Time // when a plugin in backoff restarts
	startedAt time.Time
	restarts  int
	failedAt  time.Time   // when it was marked failed
	retrying  atomic.Bool // on a second chance: the next crash fails it again at once
	stop      chan struct{}
	runs      sync.WaitGroup // the supervisor goroutine
	bg        *background    // the host's background work (process clean-up)
}

func newProc(m Manifest, opt *Options, log *slog.Logger, bg *background, status func(string, string)) *proc {
	return &proc{m: m, opt: opt, log: log.With("plugin", m.Name), status: status, bg: bg,
		changed: make(chan struct{}), stop: make(chan struct{})}
}

// setState must be called with mu held.
func (p *proc) setState(s procState) {
	p.state = s
	close(p.changed)
	p.changed = make(chan struct{})
}

// acquire returns a client of the running plugin, starting it if needed and
// waiting (at most StartTimeout) while it starts or restarts.
func (p *proc) acquire(ctx context.Context) (*sdk.Client, int, error) {
	wait := time.NewTimer(p.opt.StartTimeout + time.Second)
	defer wait.Stop()
	for {
		p.mu.Lock()
		switch p.state {
		case stateRunning:
			if !p.cl.Exited() {
				c, gen := p.rpc, p.gen
				p.mu.Unlock()
				return c, gen, nil
			}
			p.crashLocked("process exited")
		case stateFailed:
			if time.Since(p.failedAt) < p.opt.FailedCooldown {
				r := p.reason
				p.mu.Unlock()
				return nil, 0, &failedError{reason: r}
			}
			p.retryLocked("cool-down over")
			p.startLocked()
		case stateStopped:
			p.mu.Unlock()
			return nil, 0, errStopped
		case stateBackoff:
			if time.Until(p.restartAt) > time.Second {
				p.mu.Unlock() // a long backoff: answer now rather than hold the caller
				return nil, 0, errRestarting
			}
		case stateIdle:
			p.startLocked()
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		case <-wait.C:
			return nil, 0, errRestarting
		}
	}
}

// call runs fn against the plugin with the per-call deadline. A call that
// overruns its deadline counts as a crash: the plugin is killed and
// restarted, since a stuck handler may hold locks the next call needs.
func (p *proc) call(ctx context.Context, fn func(ctx context.Context, c *sdk.Client) error) error {
	c, gen, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, p.opt.CallTimeout)
	defer cancel()
	err = fn(cctx, c)
	if err == nil {
		if p.retrying.Load() {
			p.recovered(gen)
		}
		return nil
	}
	if ctx.Err() != nil {
		return err // the caller gave up: not the plugin's fault
	}
	switch status.Code(err) {
	case codes.DeadlineExceeded:
		p.crashed(gen, fmt.Sprintf("call exceeded its %s deadline", p.opt.CallTimeout))
	case codes.Unavailable:
		// On a local socket this means the process is gone (or going).
		p.crashed(gen, "connection lost: "+status.Convert(err).Message())
	}
	return err
}

// run is the supervisor goroutine: it starts the process, watches it, and
// restarts it after each crash until it fails for good or the host stops.
func (p *proc) run() {
	defer p.runs.Done()
	for {
		if err := p.start(); err != nil {
			p.mu.Lock()
			if p.state == stateStarting {
				var perm *permanentError
				if errors.As(err, &perm) {
					p.failLocked(err.Error())
				} else {
					p.crashLocked(err.Error())
				}
			}
			p.mu.Unlock()
		} else {
			p.watch()
		}
		p.mu.Lock()
		if p.state != stateBackoff {
			p.mu.Unlock()
			return
		}
		b := p.backoff
		p.mu.Unlock()
		select {
		case <-time.After(b):
		case <-p.stop:
			return
		}
		p.mu.Lock()
		if p.state != stateBackoff {
			p.mu.Unlock()
			return
		}
		p.restarts++
		p.setState(stateStarting)
		p.mu.Unlock()
	}
}

// watch returns once the running plugin is judged dead or the host stops.
func (p *proc) watch() {
	p.mu.Lock()
	gen, cl, rpc := p.gen, p.cl, p.rpc
	p.mu.Unlock()
	exit := time.NewTicker(exitPoll)
	defer exit.Stop()
	lastPing := time.Now()
	for {
		p.mu.Lock()
		if p.gen != gen || p.state != stateRunning {
			p.mu.Unlock()
			return
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-p.stop:
			return
		case <-ch:
			continue
		case <-exit.C:
		}
		if cl.Exited() {
			p.crashed(gen, "process exited")
			continue
		}
		if time.Since(lastPing) < p.opt.PingInterval {
			continue
		}
		lastPing = time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), p.opt.CallTimeout)
		err := rpc.Ping(ctx)
		cancel()
		if err != nil {
			p.crashed(gen, "ping failed: "+err.Error())
			continue
		}
		p.mu.Lock()
		if p.gen == gen && time.Since(p.startedAt) > p.opt.BackoffResetAfter {
			p.backoff = 0
		}
		p.mu.Unlock()
	}
}

// crashed records a crash of generation gen (ignored if that generation is
// already gone).
func (p *proc) crashed(gen int, reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen == gen && p.state == stateRunning {
		p.crashLocked(reason)
	}
}

// crashLocked records a crash of the current process (or start attempt) and
// moves to backoff, or to failed after too many crashes. mu is held.
func (p *proc) crashLocked(reason string) {
	if p.retrying.Load() {
		p.failLocked("failed again on its second chance: " + reason)
		return
	}
	now := time.Now()
	keep := p.crashes[:0]
	for _, t := range p.crashes {
		if now.Sub(t) <= p.opt.CrashWindow {
			keep = append(keep, t)
		}
	}
	p.crashes = append(keep, now)
	p.releaseLocked()
	if len(p.crashes) >= p.opt.MaxCrashes {
		p.failLocked(fmt.Sprintf("crashed %d times within %s; last: %s", len(p.crashes), p.opt.CrashWindow, reason))
		return
	}
	p.backoff = min(max(2*p.backoff, p.opt.BackoffBase), p.opt.BackoffMax)
	p.restartAt = now.Add(p.backoff)
	p.reason = reason
	p.log.Warn("plugin crashed; restarting after backoff", "reason", reason, "backoff", p.backoff, "crashes", len(p.crashes))
	p.setState(stateBackoff)
}

// failLocked gives up on the plugin. mu is held.
func (p *proc) failLocked(reason string) {
	p.releaseLocked()
	p.reason = reason
	p.failedAt = time.Now()
	p.retrying.Store(false)
	p.log.Error("plugin marked failed; the host continues without it", "reason", reason, "retry_after", p.opt.FailedCooldown)
	p.setState(stateFailed)
	p.status(StatusFailed, reason) // asynchronous: the caller may be inside a transaction
}

// releaseLocked kills the current process, if any, at once; go-plugin's
// clean-up (waiting for the process and its pipes) runs in the background.
func (p *proc) releaseLocked() {
	if p.cl == nil {
		return
	}
	cl, cmd, stderr := p.cl, p.cmd, p.stderr
	p.cl, p.cmd, p.rpc, p.stderr = nil, nil, nil, nil
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
	clean := func() {
		cl.Kill()
		stderr.Flush()
	}
	if !p.bg.Go(clean) {
		clean() // the host is closed (a supervisor stops first, so not expected): clean up here
	}
}

// close stops the plugin for good: asks it to exit, then kills it.
func (p *proc) close(grace time.Duration) {
	p.mu.Lock()
	if p.state == stateStopped {
		p.mu.Unlock()
		return
	}
	cl, cmd, stderr := p.cl, p.cmd, p.stderr
	p.cl, p.cmd, p.rpc, p.stderr = nil, nil, nil, nil
	close(p.stop)
	p.setState(stateStopped)
	p.mu.Unlock()
	// A start in progress notices the stop when it returns, and kills what
	// it started.
	p.runs.Wait()
	if cl == nil {
		return
	}
	done := make(chan struct{})
	go func() { cl.Kill(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
		<-done
	}
	stderr.Flush()
}

// snapshot is the supervisor's state for listings.
type snapshot struct {
	State    procState
	Reason   string
	PID      int
	Restarts int
	Crashes  int
	RetryAt  time.Time // for a failed plugin: when a call tries it again
}

func (p *proc) snapshot() snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := snapshot{State: p.state, Reason: p.reason, Restarts: p.restarts, Crashes: len(p.crashes)}
	if p.state == stateFailed {
		s.RetryAt = p.failedAt.Add(p.opt.FailedCooldown)
	}
	if p.state == stateRunning && p.cmd != nil && p.cmd.Process != nil {
		s.PID = p.cmd.Process.Pid
	}
	return s
}
