package sdk

import (
	"runtime"
	"runtime/debug"

	"google.golang.org/grpc"
)

// Transport and runtime settings of a plugin connection. A call is a few
// kilobytes each way over a local socket, so its cost is not the bytes but
// the frames and thread wake-ups around them (measured with `doanbd bench
// --only plugins` and in-run comparisons of variants).

// flowWindow is a fixed HTTP/2 flow-control window per stream and per
// connection, larger than any plan a tenant sends. A fixed window turns off
// gRPC's bandwidth estimator, which sent a ping after the data of nearly
// every call (and woke the other process to answer it), and makes window
// updates rare.
const flowWindow = 1 << 20

// gcPercent lets a plugin's small heap grow to five times its live data
// before collecting: each call allocates tens of kilobytes that die at
// once, and with the default a collection ran every few dozen calls.
const gcPercent = 400

// DialOptions are the gRPC options the host connects to plugins with.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithStaticStreamWindowSize(flowWindow), grpc.WithStaticConnWindowSize(flowWindow)}
}

func serverOptions() []grpc.ServerOption {
	return []grpc.ServerOption{grpc.StaticStreamWindowSize(flowWindow), grpc.StaticConnWindowSize(flowWindow)}
}

// tuneRuntime sets the plugin process's Go runtime: procs CPUs (default 1)
// and a relaxed garbage collector. With one CPU a call's goroutine hand-offs
// (socket reader → handler → writer) stay on one thread instead of waking
// idle ones, which costs less CPU and fewer context switches; calls still
// run concurrently, interleaved.
func tuneRuntime(procs int) {
	if procs <= 0 {
		procs = 1
	}
	runtime.GOMAXPROCS(procs)
	debug.SetGCPercent(gcPercent)
}
