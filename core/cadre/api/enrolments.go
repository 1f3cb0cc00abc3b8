package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"doanbd/core/cadre"
	"doanbd/core/web"
)

// enrolmentRoutes serve a cadre's training history: read with the roster's
// read permission, recorded with its write permission.
func (a *API) enrolmentRoutes() {
	ex := cadre.EnrolmentInput{ProgramCode: "TW1-BTX", ProgramName: "Bồi dưỡng Bí thư Đoàn cấp xã và cán bộ quy hoạch chức danh Bí thư Đoàn cấp xã",
		ProgramGroup: "TW1", Year: 2025, StartOn: cadre.NewDate(2025, 5, 12), EndOn: cadre.NewDate(2025, 5, 16), Hours: 40,
		Result: cadre.EnrolmentCompleted, CompletedOn: cadre.NewDate(2025, 5, 16), CertificateNo: "125/CC-TĐTN"}
	a.route(http.MethodGet, "/cadres/:id/enrolments", objCadre, actRead, a.enrolments, web.Doc{Tags: tagCadres,
		Response: []cadre.Enrolment{},
		Summary:  "Quá trình bồi dưỡng của cán bộ, mới nhất trước; gồm cả các khóa học trước khi chuyển đến (origin_tenant là đơn vị nơi học)."})
	a.route(http.MethodPost, "/cadres/:id/enrolments", objCadre, actWrite, a.addEnrolment, web.Doc{Tags: tagCadres,
		Status: http.StatusCreated, Request: ex, Response: cadre.Enrolment{},
		Summary: "Ghi nhận một khóa bồi dưỡng của cán bộ. result: in_progress (mặc định), completed (cần completed_on), not_completed. " +
			"Có class_id (lớp trong kế hoạch của đơn vị) thì chương trình, năm và ngày học bỏ trống được lấy từ lớp."})
}

// enrolments handles GET /api/v1/t/:tenant/cadres/:id/enrolments.
func (a *API) enrolments(c *gin.Context) error {
	es, err := a.roster.Enrolments(c.Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, es)
	return nil
}

// addEnrolment handles POST /api/v1/t/:tenant/cadres/:id/enrolments.
func (a *API) addEnrolment(c *gin.Context) error {
	var in cadre.EnrolmentInput
	if err := decode(c, &in); err != nil {
		return err
	}
	e, err := a.roster.RecordEnrolment(c.Request.Context(), tenantOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return created(c, "/api/v1/t/"+tenantOf(c)+"/cadres/"+c.Param("id")+"/enrolments", e)
}
