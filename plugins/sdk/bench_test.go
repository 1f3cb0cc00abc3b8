package sdk

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"doanbd/core"
	pb "doanbd/plugins/sdk/pluginv1"
)

// warnAll answers a warning for every nominee, like a rules plugin that
// finds much to say.
type warnAll struct{}

func (warnAll) CheckPlan(_ context.Context, _ Call, p core.PlanForRules) ([]core.Violation, error) {
	var vs []core.Violation
	for _, c := range p.Classes {
		for i, n := range c.Nominees {
			if i%5 == 0 {
				vs = append(vs, core.Violation{Severity: core.SeverityWarning, Field: fmt.Sprintf("nominees[%d]", i), ClassID: c.ID,
					Message: "Cán bộ «" + n.Name + "» đã quá tuổi quy định của chức danh."})
			}
		}
	}
	return vs, nil
}

// BenchmarkServeCheckPlan is the plugin side of a PlanRules call without
// the transport: decode the request, convert, run the rules, encode the
// answer. Plan: 20 classes × 10 nominees, as in `doanbd bench`.
func BenchmarkServeCheckPlan(b *testing.B) {
	plan := core.PlanForRules{Tenant: "bca", Year: 2027}
	for i := range 20 {
		c := core.ClassForRules{ID: fmt.Sprintf("class-%02d", i), ProgramCode: "TW3-TC-BCA", Learners: 60,
			Start: time.Date(2027, 3, 1+i, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 3, 3+i, 0, 0, 0, 0, time.UTC),
			Place: "Trường Đại học An ninh nhân dân", VenueKind: core.VenueInternal, Format: "in_person"}
		for j := range 10 {
			c.Nominees = append(c.Nominees, core.NomineeForRules{CadreID: fmt.Sprintf("k%03d", i*10+j), Name: "Nguyễn Văn An",
				BirthDate: time.Date(1995, 1, 1+j, 0, 0, 0, 0, time.UTC), Title: "bi_thu_chi_doan", UnitTenant: "bca"})
		}
		plan.Classes = append(plan.Classes, c)
	}
	req, err := proto.Marshal(&pb.CheckPlanRequest{Call: callToProto(Call{Tenant: "bca"}), Plan: planToProto(plan)})
	if err != nil {
		b.Fatal(err)
	}
	srv := rulesServer{impl: warnAll{}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var r pb.CheckPlanRequest
		if err := proto.Unmarshal(req, &r); err != nil {
			b.Fatal(err)
		}
		resp, err := srv.CheckPlan(ctx, &r)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := proto.Marshal(resp); err != nil {
			b.Fatal(err)
		}
	}
}
