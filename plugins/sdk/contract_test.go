package sdk

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	pb "doanbd/plugins/sdk/pluginv1"
)

var update = flag.Bool("update", false, "rewrite testdata/contract.txt with the current contract")

// contract lists every service method, message field and enum value of the
// protocol, one per line, with its number and type.
func contract() []string {
	var out []string
	fd := pb.File_plugin_proto
	for i := 0; i < fd.Services().Len(); i++ {
		s := fd.Services().Get(i)
		for j := 0; j < s.Methods().Len(); j++ {
			m := s.Methods().Get(j)
			out = append(out, fmt.Sprintf("rpc %s.%s(%s) %s", s.Name(), m.Name(), m.Input().Name(), m.Output().Name()))
		}
	}
	for i := 0; i < fd.Messages().Len(); i++ {
		msg := fd.Messages().Get(i)
		for j := 0; j < msg.Fields().Len(); j++ {
			f := msg.Fields().Get(j)
			typ := f.Kind().String()
			switch {
			case f.IsMap():
				typ = "map<" + f.MapKey().Kind().String() + "," + f.MapValue().Kind().String() + ">"
			case f.Kind() == protoreflect.MessageKind:
				typ = string(f.Message().Name())
			case f.Kind() == protoreflect.EnumKind:
				typ = string(f.Enum().Name())
			}
			if f.Cardinality() == protoreflect.Repeated && !f.IsMap() {
				typ = "repeated " + typ
			}
			out = append(out, fmt.Sprintf("field %s.%s = %d %s", msg.Name(), f.Name(), f.Number(), typ))
		}
	}
	for i := 0; i < fd.Enums().Len(); i++ {
		e := fd.Enums().Get(i)
		for j := 0; j < e.Values().Len(); j++ {
			v := e.Values().Get(j)
			out = append(out, fmt.Sprintf("enum %s.%s = %d", e.Name(), v.Name(), v.Number()))
		}
	}
	slices.Sort(out)
	return out
}

// TestContractCompatible is the breaking-change check of the protocol: every
// line of the recorded contract must still hold (nothing removed, renamed,
// renumbered or retyped). Additions are allowed; record them with -update.
// A deliberate break needs a new package and ProtocolVersion.
func TestContractCompatible(t *testing.T) {
	const golden = "testdata/contract.txt"
	now := contract()
	if *update {
		if err := os.WriteFile(golden, []byte(strings.Join(now, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	recorded := strings.Split(strings.TrimSpace(string(b)), "\n")
	for _, line := range recorded {
		if !slices.Contains(now, line) {
			t.Errorf("breaking change to protocol %d: %q no longer holds", ProtocolVersion, line)
		}
	}
	for _, line := range now {
		if !slices.Contains(recorded, line) {
			t.Errorf("new in the contract (run go test ./plugins/sdk -run Contract -update to record it): %s", line)
		}
	}
}
