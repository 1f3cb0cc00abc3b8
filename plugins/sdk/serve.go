package sdk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"doanbd/core"
)

// Call is what every capability call carries besides its payload: the tenant
// it is made for and that tenant's settings for this plugin.
type Call struct {
	Tenant   string
	Settings map[string]string
}

// ProgramCatalog is implemented by plugins that supply local programmes.
type ProgramCatalog interface {
	LocalPrograms(ctx context.Context, call Call) ([]core.LocalProgram, error)
}

// PlanRules is implemented by plugins that check plans.
type PlanRules interface {
	CheckPlan(ctx context.Context, call Call, plan core.PlanForRules) ([]core.Violation, error)
}

// CostNorms is implemented by plugins that compute class budget lines.
type CostNorms interface {
	ClassCosts(ctx context.Context, call Call, r core.CostRequest) ([]core.CostLine, error)
}

// Plugin describes a plugin: its identity (which must match its plugin.yaml)
// and the capabilities it implements (nil ones are not offered).
type Plugin struct {
	Name           string
	Version        string
	ProgramCatalog ProgramCatalog
	PlanRules      PlanRules
	CostNorms      CostNorms
	// Procs is how many CPUs the plugin's Go runtime uses (GOMAXPROCS);
	// default 1, see tuneRuntime. Raise it only for handlers that compute
	// for long and are called concurrently.
	Procs int
}

// Capabilities lists the manifest names of the capabilities p implements.
func (p Plugin) Capabilities() []string {
	var caps []string
	if p.ProgramCatalog != nil {
		caps = append(caps, CapProgramCatalog)
	}
	if p.PlanRules != nil {
		caps = append(caps, CapPlanRules)
	}
	if p.CostNorms != nil {
		caps = append(caps, CapCostNorms)
	}
	return caps
}

// UserError returns an error whose message the host may show to users; write
// it in Vietnamese ("Chưa cấu hình tệp chương trình."). Any other error a
// handler returns is logged and reported to the host as an internal failure.
func UserError(format string, args ...any) error {
	return status.Errorf(codes.FailedPrecondition, format, args...)
}

// UserMessage returns the message of an error made with UserError.
func UserMessage(err error) (string, bool) {
	if s, ok := status.FromError(err); ok && s.Code() == codes.FailedPrecondition {
		return s.Message(), true
	}
	return "", false
}

// hostWatchInterval is how often a plugin checks that its host is alive.
const hostWatchInterval = 250 * time.Millisecond

// Serve runs the plugin until the host stops it. It never returns: the
// process exits when the host closes the connection or dies. Logs are JSON
// lines on stderr, which the host copies into its own log tagged with the
// plugin's name; nothing may be written to stdout.
func Serve(p Plugin) {
	// os.Stderr is captured now: go-plugin later points os.Stderr at a pipe,
	// while the real stderr is what the host reads line by line.
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)
	if p.Name == "" || p.Version == "" || len(p.Capabilities()) == 0 {
		log.Error("plugin misconfigured: Name, Version and at least one capability are required")
		os.Exit(1)
	}
	go watchHost(log)
	tuneRuntime(p.Procs)
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: Handshake(),
		Plugins:         goplugin.PluginSet{pluginKey: &grpcPlugin{impl: p}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts, serverOptions()...)
			return grpc.NewServer(append(opts, grpc.ChainUnaryInterceptor(recoverUnary(log)))...)
		},
		Logger: hclog.New(&hclog.LoggerOptions{Name: p.Name, Level: hclog.Warn, Output: os.Stderr, JSONFormat: true}),
	})
	os.Exit(0)
}

// watchHost exits the process when the host is gone, so a host killed with
// SIGKILL leaves no plugin behind: the plugin is then re-parented and its
// parent id changes. The host passes its pid explicitly because the parent
// may already be gone when this starts.
func watchHost(log *slog.Logger) {
	want := os.Getppid()
	if v, err := strconv.Atoi(os.Getenv(HostPIDEnv)); err == nil && v > 0 {
		want = v
	}
	for {
		if os.Getppid() != want {
			log.Warn("host process is gone; plugin exiting", "host_pid", want)
			os.Exit(0)
		}
		time.Sleep(hostWatchInterval)
	}
}

// recoverUnary turns a panic in a handler into an Internal error for that
// call (with the stack in the plugin's log) instead of a dead plugin, and
// makes every non-status error an Internal one.
func recoverUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic in plugin call", "method", info.FullMethod, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				resp, err = nil, status.Errorf(codes.Internal, "plugin panicked in %s: %v", info.FullMethod, r)
			}
		}()
		resp, err = h(ctx, req)
		if err != nil {
			if _, ok := status.FromError(err); !ok {
				log.Error("plugin call failed", "method", info.FullMethod, "err", err)
				code := codes.Internal
				if errors.Is(err, context.DeadlineExceeded) {
					code = codes.DeadlineExceeded
				} else if errors.Is(err, context.Canceled) {
					code = codes.Canceled
				}
				err = status.Errorf(code, "%s: %v", info.FullMethod, err)
			}
		}
		return resp, err
	}
}
