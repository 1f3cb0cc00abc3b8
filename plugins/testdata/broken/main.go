// Command broken is a deliberately misbehaving doanbd plugin for the host's
// tests. How it misbehaves at start is chosen by its arguments (from the
// manifest); how it misbehaves in a call is chosen by the tenant setting
// "mode":
//
//	--name NAME      name to report (must match the manifest), default "broken"
//	--start MODE     serve (default) | stdout (print to stdout before serving)
//	                 | exit (exit 3 before serving) | hang (never serve)
//
//	mode=ok          answer correctly
//	mode=crash       exit the process in the middle of the call
//	mode=hang        never answer
//	mode=garbage     answer with invalid data
//	mode=panic       panic in the handler
//	mode=flood       write "lines" (default 20000) lines to stderr, then answer
//	mode=env         CheckPlan answers with one warning listing its environment
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"doanbd/core"
	"doanbd/plugins/sdk"
)

type broken struct{}

// misbehave acts out the call-time mode; it returns only for ok, garbage
// and flood.
func misbehave(call sdk.Call) string {
	mode := call.Settings["mode"]
	switch mode {
	case "crash":
		fmt.Fprintln(os.Stderr, "broken: crashing on purpose")
		os.Exit(2)
	case "hang":
		select {}
	case "panic":
		panic("broken: panicking on purpose")
	case "flood":
		n, err := strconv.Atoi(call.Settings["lines"])
		if err != nil || n <= 0 {
			n = 20000
		}
		for i := range n {
			fmt.Fprintf(os.Stderr, "broken: flooding stderr, line %d of %d\n", i+1, n)
		}
	}
	return mode
}

func (broken) LocalPrograms(_ context.Context, call sdk.Call) ([]core.LocalProgram, error) {
	if misbehave(call) == "garbage" {
		return []core.LocalProgram{{Code: "", Name: "", Modules: []core.LocalModule{{Name: "x", Hours: -5}}}}, nil
	}
	return []core.LocalProgram{{Code: "BRK-1", Name: "Chương trình thử nghiệm", Modules: []core.LocalModule{{Code: "M1", Name: "Chuyên đề 1", Hours: 4}}}}, nil
}

func (broken) CheckPlan(_ context.Context, call sdk.Call, p core.PlanForRules) ([]core.Violation, error) {
	switch misbehave(call) {
	case "garbage":
		return []core.Violation{{Severity: "catastrophic", ClassID: "no-such-class", Message: ""}}, nil
	case "env":
		return []core.Violation{{Severity: core.SeverityWarning, Field: "env", Message: strings.Join(os.Environ(), "\n")}}, nil
	}
	var vs []core.Violation
	for _, c := range p.Classes {
		if c.Learners > 100 {
			vs = append(vs, core.Violation{Severity: core.SeverityWarning, Field: "learners", ClassID: c.ID, Message: "Lớp đông hơn 100 học viên."})
		}
	}
	return vs, nil
}

func (broken) ClassCosts(_ context.Context, call sdk.Call, r core.CostRequest) ([]core.CostLine, error) {
	if misbehave(call) == "garbage" {
		return []core.CostLine{{Item: "venue", Quantity: 2, UnitAmount: -1000, Amount: 7, FundingSource: ""}}, nil
	}
	return []core.CostLine{{Item: "documents", Description: "Tài liệu", Quantity: int64(r.Learners), Unit: "bộ",
		UnitAmount: 50000, Amount: int64(r.Learners) * 50000, FundingSource: "local"}}, nil
}

func main() {
	name := flag.String("name", "broken", "name to report")
	start := flag.String("start", "serve", "start-up behaviour")
	flag.Parse()
	switch *start {
	case "stdout":
		fmt.Println("hello from a plugin that prints before serving")
	case "exit":
		fmt.Fprintln(os.Stderr, "broken: exiting before serving")
		os.Exit(3)
	case "hang":
		select {}
	}
	sdk.Serve(sdk.Plugin{Name: *name, Version: "0.0.1", ProgramCatalog: broken{}, PlanRules: broken{}, CostNorms: broken{}})
}
