package consolidation

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/web"
)

// Register installs the routes of the national estimate (central office only:
// any other tenant answers not found).
func (s *Service) Register(srv *web.Server) {
	tags := []string{"Dự toán toàn quốc"}
	srv.TenantAPI(http.MethodGet, "/budget-estimates/:id", "budget", "read", s.get)
	srv.Document(http.MethodGet, "/api/v1/t/:tenant/budget-estimates/:id", web.Doc{Tags: tags, Response: Estimate{},
		Summary: "Dự toán kinh phí của một năm (:id là năm): với Trung ương Đoàn là dự toán toàn quốc đã tổng hợp; với đơn vị khác là phần của đơn vị, tính từ các kế hoạch đã phê duyệt."})
	srv.TenantAPI(http.MethodPost, "/budget-estimates/:id/recompute", "budget", "consolidate", s.recompute)
	srv.Document(http.MethodPost, "/api/v1/t/:tenant/budget-estimates/:id/recompute", web.Doc{Tags: tags, Response: Estimate{},
		Summary: "Tổng hợp lại dự toán năm từ các kế hoạch đã phê duyệt (nguồn ngân sách trung ương)."})
	srv.TenantAPI(http.MethodGet, "/budget-estimates/:id/export", "budget", "read", s.export)
	srv.Document(http.MethodGet, "/api/v1/t/:tenant/budget-estimates/:id/export", web.Doc{Tags: tags,
		ResponseType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		Summary:      "Xuất dự toán năm ra Excel (theo đơn vị, nguồn kinh phí và nhóm chương trình)."})
}

// get: GET /api/v1/t/{tenant}/budget-estimates/{year}
func (s *Service) get(c *gin.Context) error {
	e, err := s.Get(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, e)
	return nil
}

// recompute: POST /api/v1/t/{tenant}/budget-estimates/{year}/recompute
func (s *Service) recompute(c *gin.Context) error {
	if web.TenantOf(c).ID != core.CentralTenant {
		return core.Errorf(core.ENOTFOUND, "Không tìm thấy dự toán.")
	}
	p, _ := core.PrincipalFrom(c.Request.Context())
	e, err := s.Recompute(c.Request.Context(), c.Param("id"), p.UserID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, e)
	return nil
}

// export: GET /api/v1/t/{tenant}/budget-estimates/{year}/export — XLSX.
func (s *Service) export(c *gin.Context) error {
	e, err := s.Get(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	b, err := Workbook(e)
	if err != nil {
		return core.Internal(err, "estimate workbook")
	}
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=\"du-toan-%s.xlsx\"", e.ID))
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b)
	return nil
}

// Workbook renders the estimate: one sheet by tenant, group and source, one
// with national totals by group. Money in đồng with dot thousands.
func Workbook(e *Estimate) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	money, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr(`#,##0 "đ"`)})
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	sheet := "Theo đơn vị"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	title := fmt.Sprintf("DỰ TOÁN KINH PHÍ BỒI DƯỠNG CÁN BỘ ĐOÀN NĂM %d (trạng thái: %s)", e.Year, e.Status)
	rows := [][]any{{title}, {}, {"Đơn vị", "Nhóm chương trình", "Nguồn kinh phí", "Số lớp", "Số học viên", "Kinh phí (đồng)"}}
	if e.Detail != nil {
		for _, r := range e.Detail.Rows {
			rows = append(rows, []any{r.Tenant, r.Group, name(r.FundingSource), r.Classes, r.Learners, r.Amount})
		}
	}
	rows = append(rows, []any{"Tổng cộng", "", "", "", "", e.Total})
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			return nil, err
		}
	}
	last := len(rows)
	_ = f.SetCellStyle(sheet, "A1", "F3", bold)
	_ = f.SetCellStyle(sheet, "F4", fmt.Sprintf("F%d", last), money)
	_ = f.SetColWidth(sheet, "A", "C", 24)
	_ = f.SetColWidth(sheet, "D", "F", 16)
	g := "Theo nhóm chương trình"
	if _, err := f.NewSheet(g); err != nil {
		return nil, err
	}
	grows := [][]any{{"Nhóm chương trình", "Nguồn kinh phí", "Số lớp", "Số học viên", "Kinh phí (đồng)"}}
	if e.Detail != nil {
		for _, r := range e.Detail.ByGroup {
			grows = append(grows, []any{r.Group, name(r.FundingSource), r.Classes, r.Learners, r.Amount})
		}
	}
	for i, r := range grows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(g, cell, &r); err != nil {
			return nil, err
		}
	}
	_ = f.SetCellStyle(g, "A1", "E1", bold)
	_ = f.SetCellStyle(g, "E2", fmt.Sprintf("E%d", len(grows)), money)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func name(source string) string {
	if n, ok := budget.SourceNames[source]; ok {
		return n
	}
	return source
}

func ptr[T any](v T) *T { return &v }
