package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"doanbd/plugins/sdk"
)

// start launches the process and checks what it says about itself.
func (p *proc) start() error {
	if err := p.m.VerifyChecksum(); err != nil {
		return &permanentError{err}
	}
	cmd := exec.Command(p.m.Path(), p.m.Args...)
	cmd.Dir = p.m.Dir
	// No host environment: secrets stay home. go-plugin adds only its
	// handshake variables (SkipHostEnv).
	cmd.Env = []string{sdk.HostPIDEnv + "=" + strconv.Itoa(os.Getpid())}
	stderr := newLineLogger(p.log, "stderr", p.opt.StderrRate, p.opt.StderrBurst)
	cl := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake(),
		Plugins:          sdk.PluginSet(),
		Cmd:              cmd,
		SkipHostEnv:      true,
		GRPCDialOptions:  sdk.DialOptions(),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		StartTimeout:     p.opt.StartTimeout,
		Stderr:           stderr,
		SyncStdout:       newLineLogger(p.log, "stdout", p.opt.StderrRate, p.opt.StderrBurst),
		SyncStderr:       stderr,
		// go-plugin's own log is off: the plugin's output is logged by
		// lineLogger and the supervisor logs what matters itself.
		Logger: hclog.New(&hclog.LoggerOptions{Level: hclog.Off, Output: io.Discard}),
	})
	rpc, err := p.connect(cl)
	if err != nil {
		killHard(cl, cmd)
		stderr.Flush()
		return err
	}
	p.mu.Lock()
	if p.state != stateStarting { // stopped meanwhile
		p.mu.Unlock()
		killHard(cl, cmd)
		return errStopped
	}
	p.cmd, p.cl, p.rpc, p.stderr = cmd, cl, rpc, stderr
	p.gen++
	p.startedAt = time.Now()
	p.reason = ""
	// Queued before callers can see the plugin running, so whatever they
	// do next happens after it (as with failLocked).
	p.status(StatusOK, "")
	p.setState(stateRunning)
	p.mu.Unlock()
	p.log.Info("plugin started", "pid", cmd.Process.Pid, "version", p.m.Version)
	return nil
}

func (p *proc) connect(cl *goplugin.Client) (*sdk.Client, error) {
	proto, err := cl.Client()
	if err != nil {
		return nil, startError(err)
	}
	rpc, err := sdk.Dispense(proto)
	if err != nil {
		return nil, &permanentError{err}
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.opt.CallTimeout)
	defer cancel()
	d, err := rpc.Describe(ctx)
	if err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	if err := p.m.matches(d); err != nil {
		return nil, &permanentError{err}
	}
	return rpc, nil
}

// startError explains go-plugin's start errors; the deterministic ones are
// permanent.
func startError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "Unrecognized remote plugin message"):
		line, _, _ := strings.Cut(strings.TrimPrefix(msg, "Unrecognized remote plugin message: "), "\n")
		if strings.TrimSpace(line) == "" { // stdout closed without a line: the process ended
			return errors.New("plugin exited before serving")
		}
		return &permanentError{fmt.Errorf("plugin printed to stdout before serving (first line %q); plugins must not write to stdout", line)}
	case strings.Contains(msg, "Incompatible API version"), strings.Contains(msg, "incompatible core API version"),
		strings.Contains(msg, "unsupported plugin protocol"):
		return &permanentError{fmt.Errorf("handshake: %w", err)}
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		return errors.New("plugin did not start within the start timeout")
	case strings.Contains(msg, "plugin exited before we could connect"):
		return errors.New("plugin exited before serving")
	}
	return fmt.Errorf("start: %w", err)
}

// matches checks what a started plugin says against its manifest.
func (m Manifest) matches(d sdk.Description) error {
	if d.Name != m.Name || d.Version != m.Version || d.ProtocolVersion != m.ProtocolVersion {
		return fmt.Errorf("plugin says it is %s %s (protocol %d) but its manifest says %s %s (protocol %d)",
			d.Name, d.Version, d.ProtocolVersion, m.Name, m.Version, m.ProtocolVersion)
	}
	have := strings.Join(d.Capabilities, ",")
	want := strings.Join(m.Capabilities, ",")
	if !sameSet(d.Capabilities, m.Capabilities) {
		return fmt.Errorf("plugin implements capabilities [%s] but its manifest declares [%s]", have, want)
	}
	return nil
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	set := map[string]bool{}
	for _, x := range a {
		set[x] = true
	}
	for _, x := range b {
		if !set[x] {
			return false
		}
	}
	return true
}

// killHard kills the process at once and releases go-plugin's resources.
func killHard(cl *goplugin.Client, cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
	cl.Kill()
}
