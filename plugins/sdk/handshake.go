// Package sdk is the contract between doanbd and its plugins, and the helpers
// plugin authors use: a fixed handshake (magic cookie and an integer protocol
// version), gRPC only, and Serve, which recovers panics, logs to stderr and
// exits when the host process dies.
//
// A plugin is a main package that calls Serve with the capabilities it
// implements:
//
//	func main() {
//		sdk.Serve(sdk.Plugin{Name: "bca-rules", Version: "1.0.0", PlanRules: rules{}})
//	}
//
// A plugin must not write to stdout: the host reads its handshake line there.
package sdk

import (
	goplugin "github.com/hashicorp/go-plugin"

	"doanbd/plugins/sdk/pluginv1"
)

// ProtocolVersion is the version of the plugin contract (package
// doanbd.plugin.v1). It changes only with a breaking change to the proto.
const ProtocolVersion = 1

// The magic cookie is not a secret: it only stops a plugin binary started by
// hand from waiting forever for a host that is not there.
const (
	MagicCookieKey   = "DOANBD_PLUGIN"
	MagicCookieValue = "8f1d6c2e-doanbd-training-plugin"
)

// HostPIDEnv names the variable through which the host tells the plugin its
// process id, so the plugin can exit when the host dies.
const HostPIDEnv = "DOANBD_PLUGIN_HOST_PID"

// pluginKey is the single entry of the go-plugin plugin set.
const pluginKey = "doanbd"

// Handshake is the go-plugin handshake both sides must agree on.
func Handshake() goplugin.HandshakeConfig {
	return goplugin.HandshakeConfig{
		ProtocolVersion:  ProtocolVersion,
		MagicCookieKey:   MagicCookieKey,
		MagicCookieValue: MagicCookieValue,
	}
}

// Capability names as written in plugin.yaml.
const (
	CapProgramCatalog = "ProgramCatalog"
	CapPlanRules      = "PlanRules"
	CapCostNorms      = "CostNorms"
)

var capNames = map[pluginv1.Capability]string{
	pluginv1.Capability_CAPABILITY_PROGRAM_CATALOG: CapProgramCatalog,
	pluginv1.Capability_CAPABILITY_PLAN_RULES:      CapPlanRules,
	pluginv1.Capability_CAPABILITY_COST_NORMS:      CapCostNorms,
}

// CapabilityName returns the manifest name of a capability, or "" if unknown.
func CapabilityName(c pluginv1.Capability) string { return capNames[c] }

// KnownCapability reports whether name is a capability of this protocol.
func KnownCapability(name string) bool {
	for _, n := range capNames {
		if n == name {
			return true
		}
	}
	return false
}
