package sdk

import (
	"context"
	"fmt"
	"sync"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"doanbd/core"
	pb "doanbd/plugins/sdk/pluginv1"
)

// grpcPlugin is the one entry of the go-plugin plugin set. On the plugin
// side it registers the services of the implemented capabilities; on the
// host side it hands out a Client.
type grpcPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	impl Plugin
}

// PluginSet is the plugin set the host passes to go-plugin.
func PluginSet() goplugin.PluginSet { return goplugin.PluginSet{pluginKey: &grpcPlugin{}} }

// Dispense returns the Client of a started go-plugin client.
func Dispense(rpc goplugin.ClientProtocol) (*Client, error) {
	raw, err := rpc.Dispense(pluginKey)
	if err != nil {
		return nil, err
	}
	c, ok := raw.(*Client)
	if !ok {
		return nil, fmt.Errorf("dispense plugin: unexpected client type %T", raw)
	}
	return c, nil
}

func (g *grpcPlugin) GRPCServer(_ *goplugin.GRPCBroker, s *grpc.Server) error {
	p := g.impl
	caps := []pb.Capability{}
	if p.ProgramCatalog != nil {
		pb.RegisterProgramCatalogServer(s, catalogServer{impl: p.ProgramCatalog})
		caps = append(caps, pb.Capability_CAPABILITY_PROGRAM_CATALOG)
	}
	if p.PlanRules != nil {
		pb.RegisterPlanRulesServer(s, rulesServer{impl: p.PlanRules})
		caps = append(caps, pb.Capability_CAPABILITY_PLAN_RULES)
	}
	if p.CostNorms != nil {
		pb.RegisterCostNormsServer(s, costsServer{impl: p.CostNorms})
		caps = append(caps, pb.Capability_CAPABILITY_COST_NORMS)
	}
	pb.RegisterInfoServer(s, infoServer{desc: &pb.DescribeResponse{Name: p.Name, Version: p.Version,
		ProtocolVersion: ProtocolVersion, Capabilities: caps}})
	return nil
}

func (g *grpcPlugin) GRPCClient(_ context.Context, _ *goplugin.GRPCBroker, cc *grpc.ClientConn) (any, error) {
	return NewClient(cc), nil
}

type infoServer struct {
	pb.UnimplementedInfoServer
	desc *pb.DescribeResponse
}

func (s infoServer) Describe(context.Context, *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	return s.desc, nil
}

func (s infoServer) Ping(context.Context, *pb.PingRequest) (*pb.PingResponse, error) {
	return &pb.PingResponse{}, nil
}

type catalogServer struct {
	pb.UnimplementedProgramCatalogServer
	impl ProgramCatalog
}

func (s catalogServer) LocalPrograms(ctx context.Context, r *pb.LocalProgramsRequest) (*pb.LocalProgramsResponse, error) {
	ps, err := s.impl.LocalPrograms(ctx, callFromProto(r.GetCall()))
	if err != nil {
		return nil, err
	}
	return &pb.LocalProgramsResponse{Programs: programsToProto(ps)}, nil
}

type rulesServer struct {
	pb.UnimplementedPlanRulesServer
	impl PlanRules
}

func (s rulesServer) CheckPlan(ctx context.Context, r *pb.CheckPlanRequest) (*pb.CheckPlanResponse, error) {
	call := callFromProto(r.GetCall())
	plan, err := planFromProto(call.Tenant, r.GetPlan())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	vs, err := s.impl.CheckPlan(ctx, call, plan)
	if err != nil {
		return nil, err
	}
	return &pb.CheckPlanResponse{Violations: violationsToProto(vs)}, nil
}

type costsServer struct {
	pb.UnimplementedCostNormsServer
	impl CostNorms
}

func (s costsServer) ClassCosts(ctx context.Context, r *pb.ClassCostsRequest) (*pb.ClassCostsResponse, error) {
	call := callFromProto(r.GetCall())
	req, err := costRequestFromProto(call, r.GetRequest())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	ls, err := s.impl.ClassCosts(ctx, call, req)
	if err != nil {
		return nil, err
	}
	return &pb.ClassCostsResponse{Lines: linesToProto(ls)}, nil
}

// Description is what a plugin says about itself.
type Description struct {
	Name            string
	Version         string
	ProtocolVersion int
	Capabilities    []string // manifest names; unknown ones as "?<number>"
}

// Client is the host's typed view of a running plugin. Every method needs a
// context with a deadline; the host sets one on every call.
type Client struct {
	info    pb.InfoClient
	catalog pb.ProgramCatalogClient
	rules   pb.PlanRulesClient
	costs   pb.CostNormsClient
	plans   sync.Pool // *planBuffers
}

// NewClient wraps a connection to a plugin.
func NewClient(cc grpc.ClientConnInterface) *Client {
	return &Client{info: pb.NewInfoClient(cc), catalog: pb.NewProgramCatalogClient(cc),
		rules: pb.NewPlanRulesClient(cc), costs: pb.NewCostNormsClient(cc)}
}

// Describe asks the plugin for its name, version and capabilities.
func (c *Client) Describe(ctx context.Context) (Description, error) {
	r, err := c.info.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return Description{}, err
	}
	d := Description{Name: r.GetName(), Version: r.GetVersion(), ProtocolVersion: int(r.GetProtocolVersion())}
	for _, cp := range r.GetCapabilities() {
		n := CapabilityName(cp)
		if n == "" {
			n = "?" + cp.String()
		}
		d.Capabilities = append(d.Capabilities, n)
	}
	return d, nil
}

// Ping checks that the plugin answers.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.info.Ping(ctx, &pb.PingRequest{})
	return err
}

// LocalPrograms calls the ProgramCatalog capability.
func (c *Client) LocalPrograms(ctx context.Context, call Call) ([]core.LocalProgram, error) {
	r, err := c.catalog.LocalPrograms(ctx, &pb.LocalProgramsRequest{Call: callToProto(call)})
	if err != nil {
		return nil, err
	}
	return programsFromProto(r.GetPrograms()), nil
}

// CheckPlan calls the PlanRules capability.
func (c *Client) CheckPlan(ctx context.Context, call Call, plan core.PlanForRules) ([]core.Violation, error) {
	b, _ := c.plans.Get().(*planBuffers)
	if b == nil {
		b = new(planBuffers)
	}
	r, err := c.rules.CheckPlan(ctx, &pb.CheckPlanRequest{Call: callToProto(call), Plan: b.encode(plan)})
	c.plans.Put(b) // the request is encoded once the call returns
	if err != nil {
		return nil, err
	}
	return violationsFromProto(r.GetViolations()), nil
}

// ClassCosts calls the CostNorms capability.
func (c *Client) ClassCosts(ctx context.Context, call Call, req core.CostRequest) ([]core.CostLine, error) {
	r, err := c.costs.ClassCosts(ctx, &pb.ClassCostsRequest{Call: callToProto(call), Request: costRequestToProto(req)})
	if err != nil {
		return nil, err
	}
	return linesFromProto(r.GetLines()), nil
}
