// Command localprograms is the doanbd plugin that serves a tenant's local
// programmes (programmes "by local need", the fourth provincial line of the
// 2023–2027 scheme) from a YAML file the tenant supplies. The programmes
// appear in the tenant's catalogue next to the central ones.
//
// Capabilities: ProgramCatalog. Settings (per tenant):
//
//	file   the programme file, relative to the plugin's directory
//	       (for example examples/p79.yaml); required
//
// The operator places tenants' files under the plugin's directory; absolute
// paths and paths that leave it are refused. The file is read on every call,
// so an edited file takes effect at once.
package main

import (
	"context"
	"os"

	"doanbd/core"
	"doanbd/plugins/bundled/localprograms/catalog"
	"doanbd/plugins/sdk"
)

// version must match plugin.yaml.
const version = "1.0.0"

type programs struct{ dir string }

func (p programs) LocalPrograms(_ context.Context, call sdk.Call) ([]core.LocalProgram, error) {
	ps, err := catalog.Load(p.dir, call.Settings["file"])
	if err != nil {
		return nil, sdk.UserError("%s", err.Error())
	}
	return ps, nil
}

func main() {
	// The host starts plugins in their own directory.
	dir, err := os.Getwd()
	if err != nil {
		os.Stderr.WriteString("localprograms: " + err.Error() + "\n")
		os.Exit(1)
	}
	sdk.Serve(sdk.Plugin{Name: "localprograms", Version: version, ProgramCatalog: programs{dir: dir}})
}
