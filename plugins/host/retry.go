package host

import "time"

// A plugin marked failed is not given up on for good: after
// Options.FailedCooldown the next call starts it once more, and an
// administrator may ask for that at once (Host.Reset). That second chance
// is a single try: a crash before a call has succeeded marks it failed
// again, with a new cool-down, instead of three more crashes.

// startLocked starts the supervisor of an idle (or retried) plugin. mu is held.
func (p *proc) startLocked() {
	p.setState(stateStarting)
	p.runs.Add(1)
	go p.run()
}

// retryLocked moves a failed plugin back to idle for its second chance.
// mu is held.
func (p *proc) retryLocked(why string) {
	p.log.Info("trying a failed plugin again", "why", why, "failed_for", time.Since(p.failedAt).Round(time.Second), "reason", p.reason)
	p.crashes, p.backoff = nil, 0
	p.retrying.Store(true)
	p.setState(stateIdle)
}

// recovered ends the second chance of generation gen after a good call.
func (p *proc) recovered(gen int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen == gen && p.state == stateRunning && p.retrying.Load() {
		p.retrying.Store(false)
		p.log.Info("failed plugin is serving again")
	}
}

// reset gives a failed plugin its second chance now; false if it is not
// failed.
func (p *proc) reset() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != stateFailed {
		return false
	}
	p.retryLocked("reset by an administrator")
	return true
}
