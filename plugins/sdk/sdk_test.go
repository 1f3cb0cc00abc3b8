package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"doanbd/core"
	"doanbd/core/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

// echo implements every capability by handing its input back, so a round
// trip through the real gRPC services shows nothing is lost on the wire.
type echo struct{ plan core.PlanForRules }

func (e *echo) LocalPrograms(_ context.Context, call Call) ([]core.LocalProgram, error) {
	if call.Settings["fail"] != "" {
		return nil, UserError("Chưa cấu hình tệp «%s».", call.Settings["fail"])
	}
	return []core.LocalProgram{{Code: "P79-KCN", Name: "Khu chế xuất", Modules: []core.LocalModule{{Code: "M1", Name: "Một", Hours: 4}},
		Audience: core.LocalAudience{Titles: []string{"bi_thu_chi_doan"}, Levels: []string{"co_so"}, Employment: []string{"chuyen_trach"}}}}, nil
}

func (e *echo) CheckPlan(_ context.Context, call Call, p core.PlanForRules) ([]core.Violation, error) {
	if call.Settings["panic"] != "" {
		panic("boom")
	}
	e.plan = p
	return []core.Violation{{Severity: core.SeverityWarning, Field: "nominees[0]", ClassID: "c1", Message: "Quá tuổi " + call.Tenant}}, nil
}

func (e *echo) ClassCosts(_ context.Context, call Call, r core.CostRequest) ([]core.CostLine, error) {
	return []core.CostLine{{Item: "documents", Description: r.Date.Format("02/01/2006") + " " + call.Settings["table"],
		Quantity: int64(r.Learners), Unit: "bộ", UnitAmount: 50000, Amount: int64(r.Learners) * 50000, FundingSource: "local"}}, nil
}

// serve runs p's gRPC services in-process (as Serve registers them) and
// returns a host-side Client.
func serve(t *testing.T, p Plugin) *Client {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	s := grpc.NewServer(grpc.ChainUnaryInterceptor(recoverUnary(slogDiscard())))
	if err := (&grpcPlugin{impl: p}).GRPCServer(nil, s); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	cc, err := grpc.NewClient("passthrough:///bufnet", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cc.Close() })
	return NewClient(cc)
}

func TestRoundTrip(t *testing.T) {
	e := &echo{}
	c := serve(t, Plugin{Name: "echo", Version: "1.2.3", ProgramCatalog: e, PlanRules: e, CostNorms: e})
	ctx := context.Background()

	d, err := c.Describe(ctx)
	if err != nil || d.Name != "echo" || d.Version != "1.2.3" || d.ProtocolVersion != ProtocolVersion ||
		!slices.Equal(d.Capabilities, []string{CapProgramCatalog, CapPlanRules, CapCostNorms}) {
		t.Fatalf("describe: %+v, %v", d, err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}

	ps, err := c.LocalPrograms(ctx, Call{Tenant: "p79"})
	if err != nil || len(ps) != 1 || ps[0].Audience.Levels[0] != "co_so" || ps[0].Modules[0].Hours != 4 {
		t.Fatalf("programs: %+v, %v", ps, err)
	}
	_, err = c.LocalPrograms(ctx, Call{Tenant: "p79", Settings: map[string]string{"fail": "p79.yaml"}})
	if msg, ok := UserMessage(err); !ok || msg != "Chưa cấu hình tệp «p79.yaml»." {
		t.Fatalf("user error: %v", err)
	}

	plan := core.PlanForRules{Tenant: "bca", Year: 2027, Classes: []core.ClassForRules{{ID: "c1", ProgramCode: "TW3-TC", Learners: 40,
		Start: day("2027-03-01"), End: day("2027-03-03"), Place: "Trường", VenueKind: core.VenueInternal, Format: "in_person",
		Nominees: []core.NomineeForRules{{CadreID: "k1", Name: "Trần Văn Bình", BirthDate: day("1990-01-31"), Title: "bi_thu_xa", UnitTenant: "bca"},
			{CadreID: "k2", Name: "Không rõ ngày sinh"}}},
		{ID: "c2", ProgramCode: "TW2"}, // no nominees: stays nil
		{ID: "c3", Nominees: []core.NomineeForRules{{CadreID: "k3", Name: "Lê Thị Cúc", BirthDate: day("1999-12-01"), UnitTenant: "p79"}}}}}
	vs, err := c.CheckPlan(ctx, Call{Tenant: "bca"}, plan)
	if err != nil || len(vs) != 1 || vs[0].Severity != core.SeverityWarning || vs[0].Message != "Quá tuổi bca" {
		t.Fatalf("violations: %+v, %v", vs, err)
	}
	if !reflect.DeepEqual(e.plan, plan) {
		t.Fatalf("plan arrived as\n%+v\nsent\n%+v", e.plan, plan)
	}

	lines, err := c.ClassCosts(ctx, Call{Tenant: "p79", Settings: map[string]string{"table": "t.yaml"}},
		core.CostRequest{Date: day("2026-04-15"), Learners: 30, Days: 2})
	if err != nil || len(lines) != 1 || lines[0].Amount != 1_500_000 || lines[0].Description != "15/04/2026 t.yaml" {
		t.Fatalf("lines: %+v, %v", lines, err)
	}
}

// TestPlanBuffersReused: the client reuses its request records; a smaller
// plan after a larger one must arrive without leftovers, and vice versa.
func TestPlanBuffersReused(t *testing.T) {
	e := &echo{}
	c := serve(t, Plugin{Name: "echo", Version: "1.0.0", PlanRules: e})
	big := core.PlanForRules{Tenant: "bca", Year: 2027}
	for i := range 3 {
		cl := core.ClassForRules{ID: fmt.Sprintf("c%d", i+1), Place: "Hội trường", Start: day("2027-03-01")}
		for j := range 4 - i {
			cl.Nominees = append(cl.Nominees, core.NomineeForRules{CadreID: fmt.Sprintf("k%d%d", i, j), Name: "Cán bộ", BirthDate: day("1996-05-04")})
		}
		big.Classes = append(big.Classes, cl)
	}
	small := core.PlanForRules{Tenant: "bca", Year: 2028, Classes: []core.ClassForRules{{ID: "c1"},
		{ID: "c2", Nominees: []core.NomineeForRules{{CadreID: "x"}}}}}
	for i, plan := range []core.PlanForRules{big, small, big, small} {
		if _, err := c.CheckPlan(context.Background(), Call{Tenant: "bca"}, plan); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(e.plan, plan) {
			t.Fatalf("call %d: plan arrived as\n%+v\nsent\n%+v", i, e.plan, plan)
		}
	}
}

func TestPanicRecovered(t *testing.T) {
	e := &echo{}
	c := serve(t, Plugin{Name: "echo", Version: "1", PlanRules: e})
	_, err := c.CheckPlan(context.Background(), Call{Settings: map[string]string{"panic": "1"}}, core.PlanForRules{})
	if status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("panic became %v", err)
	}
	// The server survived the panic.
	if _, err := c.CheckPlan(context.Background(), Call{}, core.PlanForRules{}); err != nil {
		t.Fatal(err)
	}
	// A capability the plugin does not have is Unimplemented.
	if _, err := c.LocalPrograms(context.Background(), Call{}); status.Code(err) != codes.Unimplemented {
		t.Fatalf("missing capability: %v", err)
	}
}

func TestInterceptorErrors(t *testing.T) {
	icpt := recoverUnary(slogDiscard())
	info := &grpc.UnaryServerInfo{FullMethod: "/doanbd.plugin.v1.PlanRules/CheckPlan"}
	for _, c := range []struct {
		err  error
		want codes.Code
	}{
		{errors.New("disk on fire"), codes.Internal},
		{context.DeadlineExceeded, codes.DeadlineExceeded},
		{UserError("Thiếu bảng."), codes.FailedPrecondition},
	} {
		_, err := icpt(context.Background(), nil, info, func(context.Context, any) (any, error) { return nil, c.err })
		if status.Code(err) != c.want {
			t.Errorf("%v became %v, want %v", c.err, err, c.want)
		}
	}
}

func TestBadDatesRejected(t *testing.T) {
	if _, err := planFromProto("p79", planToProto(core.PlanForRules{})); err != nil {
		t.Fatal(err)
	}
	p := planToProto(core.PlanForRules{Classes: []core.ClassForRules{{ID: "c1"}}})
	for _, bad := range []string{"05/03/2026", "2026-02-30", "2026-13-01", "2026-1-01", "２026-01-01", "2026-00-10"} {
		p.Classes[0].Start = bad
		if _, err := planFromProto("p79", p); err == nil || !strings.Contains(err.Error(), "classes[0].start") {
			t.Errorf("bad date %q: %v", bad, err)
		}
	}
	p = planToProto(core.PlanForRules{Classes: []core.ClassForRules{{ID: "c1"}, {ID: "c2", Nominees: []core.NomineeForRules{{CadreID: "k1"}, {CadreID: "k2"}}}}})
	p.Classes[1].Nominees[1].BirthDate = "1995-02-30"
	if _, err := planFromProto("p79", p); err == nil || !strings.Contains(err.Error(), "classes[1].nominees[1].birth_date") {
		t.Errorf("bad birth date: %v", err)
	}
	for _, d := range []time.Time{day("2027-03-01"), day("0999-12-31"), day("2024-02-29"), time.Date(2026, 5, 4, 23, 59, 0, 0, time.UTC)} {
		got, err := parseDate(dateString(d))
		if y, m, dd := d.Date(); err != nil || got != time.Date(y, m, dd, 0, 0, 0, 0, time.UTC) {
			t.Errorf("%s → %q → %s, %v", d, dateString(d), got, err)
		}
	}
}

func slogDiscard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
