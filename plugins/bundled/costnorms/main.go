// Command costnorms is the doanbd plugin that computes a class's budget
// lines from a province's own table of cost norms (định mức chi) with
// effective dates: lecturer pay per session by rank, meals (per-diem),
// venue, documents, field trip, certificates and class management. A
// province whose council adopts new norms adds a table with a new effective
// date; classes are costed by the norms in force on their date.
//
// Capabilities: CostNorms. Settings (per tenant):
//
//	table   the norms file, relative to the plugin's directory
//	        (for example examples/p79.yaml); required
//
// When the plugin fails, doanbd falls back to the tenant's rate tables and
// shows a warning.
package main

import (
	"context"
	"os"

	"doanbd/core"
	"doanbd/plugins/bundled/costnorms/norms"
	"doanbd/plugins/sdk"
)

// version must match plugin.yaml.
const version = "1.0.0"

type costs struct{ dir string }

func (c costs) ClassCosts(_ context.Context, call sdk.Call, r core.CostRequest) ([]core.CostLine, error) {
	bk, err := norms.Load(c.dir, call.Settings["table"])
	if err != nil {
		return nil, sdk.UserError("%s", err.Error())
	}
	lines, err := bk.Lines(r)
	if err != nil {
		return nil, sdk.UserError("%s", err.Error())
	}
	return lines, nil
}

func main() {
	dir, err := os.Getwd()
	if err != nil {
		os.Stderr.WriteString("costnorms: " + err.Error() + "\n")
		os.Exit(1)
	}
	sdk.Serve(sdk.Plugin{Name: "costnorms", Version: version, CostNorms: costs{dir: dir}})
}
