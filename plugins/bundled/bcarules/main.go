// Command bca-rules is the doanbd plugin with the extra plan rules of the
// Public Security youth union (tenant bca): every class is held in an
// internal venue, and only cadres of the force's own units are nominated.
// It shows how a ministry customises the programme without changing doanbd.
//
// Capabilities: PlanRules. Settings (per tenant, all optional): own_tenant
// (default "bca"), internal_only ("false" turns the venue rule off).
package main

import (
	"context"

	"doanbd/core"
	"doanbd/plugins/bundled/bcarules/rules"
	"doanbd/plugins/sdk"
)

// version must match plugin.yaml.
const version = "1.0.0"

type planRules struct{}

func (planRules) CheckPlan(_ context.Context, call sdk.Call, plan core.PlanForRules) ([]core.Violation, error) {
	return rules.Check(plan, call.Settings), nil
}

func main() {
	sdk.Serve(sdk.Plugin{Name: "bca-rules", Version: version, PlanRules: planRules{}})
}
