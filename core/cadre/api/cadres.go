package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/authz"
	"doanbd/core/cadre"
	"doanbd/core/cadre/roster"
	"doanbd/core/web"
)

// Detail is a cadre with, on request and permission, its sensitive fields.
type Detail struct {
	cadre.Cadre
	Sensitive *cadre.Sensitive `json:"sensitive,omitempty"`
}

// Choices are the codes the roster accepts, with Vietnamese labels.
type Choices struct {
	Titles      []cadre.Title  `json:"titles"`
	Levels      []cadre.Choice `json:"levels"`
	Employments []cadre.Choice `json:"employments"`
	Genders     []cadre.Choice `json:"genders"`
	Statuses    []cadre.Choice `json:"statuses"`
	Positions   []cadre.Choice `json:"position_kinds"`
}

// LookupInput asks for the cadres with one CCCD.
type LookupInput struct {
	CCCD string `json:"cccd"`
}

// EndInput ends a planning-pool place.
type EndInput struct {
	Until cadre.Date `json:"until"`
}

var listQuery = map[string]string{
	"q":          "tìm theo họ tên, không phân biệt dấu và hoa thường (\"nguyen van an\" tìm được \"Nguyễn Văn An\"); mỗi từ khớp đầu một từ của tên, theo thứ tự",
	"unit":       "mã định danh đơn vị",
	"subtree":    "true: gồm cả các đơn vị trực thuộc của unit",
	"title":      "mã chức danh",
	"employment": "chuyen_trach | ban_chuyen_trach | kiem_nhiem",
	"planning":   "mã chức danh chủ chốt đang quy hoạch, hoặc any",
	"status":     "active (mặc định) | left | transferred_out | all",
}

func (a *API) cadreRoutes() {
	ex := cadre.CadreInput{FullName: "Nguyễn Văn An", BirthDate: cadre.NewDate(1995, 3, 15), Gender: cadre.Male,
		CCCD: ptr("079095012345"), Ethnicity: ptr("Kinh"), Religion: ptr(""), Phone: "0912345678", Email: "an@example.vn",
		UnitID: "…", Title: "bi_thu_xa", Employment: cadre.FullTime, PositionSince: cadre.NewDate(2022, 5, 1)}
	a.route(http.MethodGet, "/cadres", objCadre, actRead, a.listCadres, web.Doc{Tags: tagCadres, Response: CadreList{},
		Summary: "Danh sách cán bộ, sắp theo tên (tên gọi trước, rồi họ và tên đệm, theo bảng chữ cái tiếng Việt). Tổng số đếm tối đa 10.000 (total_capped: còn nhiều hơn).", Query: withPage(listQuery)})
	a.route(http.MethodPost, "/cadres", objCadre, actWrite, a.createCadre, web.Doc{Tags: tagCadres, Status: http.StatusCreated,
		Summary: "Thêm cán bộ. Số CCCD, dân tộc, tôn giáo được mã hóa khi lưu; số điện thoại lưu dạng +84.", Request: ex, Response: cadre.Cadre{}})
	a.route(http.MethodGet, "/cadres/choices", objCadre, actRead, a.choices, web.Doc{Tags: tagCadres, Response: Choices{},
		Summary: "Danh mục mã dùng cho hồ sơ cán bộ: chức danh, cấp đơn vị, chế độ công tác, giới tính, trạng thái."})
	a.route(http.MethodPost, "/cadres/lookup", objCadre, authz.ActReadSensitive, a.lookup, web.Doc{Tags: tagCadres,
		Request: LookupInput{CCCD: "079095012345"}, Response: []cadre.Cadre{},
		Summary: "Tìm cán bộ theo đúng số CCCD (cần quyền xem dữ liệu nhạy cảm; mỗi lần tìm được ghi nhật ký)."})
	a.route(http.MethodGet, "/cadres/:id", objCadre, actRead, a.getCadre, web.Doc{Tags: tagCadres, Response: Detail{},
		Query:   map[string]string{"include": "sensitive: kèm số CCCD, dân tộc, tôn giáo (cần quyền read_sensitive; được ghi nhật ký)"},
		Summary: "Hồ sơ một cán bộ."})
	a.route(http.MethodGet, "/cadres/:id/sensitive", objCadre, authz.ActReadSensitive, a.sensitive, web.Doc{Tags: tagCadres,
		Response: cadre.Sensitive{}, Summary: "Số CCCD, dân tộc, tôn giáo của cán bộ (giải mã; mỗi lần xem được ghi nhật ký)."})
	a.route(http.MethodPut, "/cadres/:id", objCadre, actWrite, a.updateCadre, web.Doc{Tags: tagCadres, Request: ex, Response: cadre.Cadre{},
		Summary: "Sửa hồ sơ. Bỏ trống cccd/ethnicity/religion (không gửi) thì giữ nguyên; đổi đơn vị hoặc chức danh được ghi vào quá trình công tác."})
	a.route(http.MethodDelete, "/cadres/:id", objCadre, actWrite, a.deleteCadre, web.Doc{Tags: tagCadres, Status: http.StatusNoContent,
		Summary: "Xóa hồ sơ tạo nhầm (được ghi nhật ký). Cán bộ thôi công tác: thêm quá trình công tác loại left."})
	a.route(http.MethodGet, "/cadres/:id/positions", objCadre, actRead, a.positions, web.Doc{Tags: tagCadres, Response: []cadre.Position{},
		Summary: "Quá trình công tác: bổ nhiệm, điều động, thôi công tác, chuyển đi, chuyển đến."})
	a.route(http.MethodPost, "/cadres/:id/positions", objCadre, actWrite, a.addPosition, web.Doc{Tags: tagCadres, Status: http.StatusCreated,
		Request:  roster.PositionInput{Kind: cadre.Appointed, UnitID: "…", Title: "bi_thu_xa", On: cadre.NewDate(2025, 7, 1), Decision: "Số 12-QĐ/TĐTN"},
		Response: cadre.Position{}, Summary: "Bổ nhiệm (appointed), điều động (moved) hoặc thôi công tác (left)."})
	a.route(http.MethodGet, "/cadres/:id/planning", objCadre, actRead, a.planning, web.Doc{Tags: tagCadres, Response: []cadre.Planning{},
		Summary: "Quy hoạch chức danh chủ chốt của cán bộ (đang và đã kết thúc)."})
	a.route(http.MethodPost, "/cadres/:id/planning", objCadre, actWrite, a.addPlanning, web.Doc{Tags: tagCadres, Status: http.StatusCreated,
		Request: roster.PlanningInput{Title: "bi_thu_tinh", Since: cadre.NewDate(2024, 1, 1)}, Response: cadre.Planning{},
		Summary: "Đưa cán bộ vào quy hoạch một chức danh chủ chốt."})
	a.route(http.MethodPost, "/cadres/:id/planning/:pid/end", objCadre, actWrite, a.endPlanning, web.Doc{Tags: tagCadres,
		Request: EndInput{Until: cadre.NewDate(2026, 1, 1)}, Response: cadre.Planning{}, Summary: "Đưa cán bộ ra khỏi quy hoạch (mặc định hôm nay)."})
}

func ptr(s string) *string { return &s }

func (a *API) choices(c *gin.Context) error {
	c.JSON(http.StatusOK, Choices{Titles: a.roster.Titles().All(), Levels: cadre.Levels, Employments: cadre.Employments,
		Genders: cadre.Genders, Statuses: cadre.Statuses, Positions: cadre.PositionKinds})
	return nil
}

// filterOf reads the list filters of /cadres and /cadres/export.
func filterOf(c *gin.Context) (roster.Filter, error) {
	sub, err := boolQuery(c, "subtree")
	if err != nil {
		return roster.Filter{}, err
	}
	return roster.Filter{Q: c.Query("q"), UnitID: c.Query("unit"), Subtree: sub, Title: c.Query("title"),
		Employment: c.Query("employment"), Planning: c.Query("planning"), Status: c.Query("status")}, nil
}

func (a *API) listCadres(c *gin.Context) error {
	p, err := web.PageOf(c)
	if err != nil {
		return err
	}
	f, err := filterOf(c)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = p.Limit, p.Offset
	cs, total, err := a.roster.ListCadres(c.Request.Context(), tenantOf(c), f)
	if err != nil {
		return err
	}
	out := CadreList{List: web.NewList(cs, min(total, roster.CountCap), p), TotalCapped: total > roster.CountCap}
	c.JSON(http.StatusOK, out)
	return nil
}

// CadreList is a page of cadres. Totals are counted up to roster.CountCap:
// total_capped means there are more than total.
type CadreList struct {
	web.List[cadre.Cadre]
	TotalCapped bool `json:"total_capped"`
}

func (a *API) createCadre(c *gin.Context) error {
	var in cadre.CadreInput
	if err := decode(c, &in); err != nil {
		return err
	}
	out, err := a.roster.CreateCadre(c.Request.Context(), tenantOf(c), in)
	if err != nil {
		return err
	}
	return created(c, "/api/v1/t/"+tenantOf(c)+"/cadres/"+out.ID, out)
}

func (a *API) getCadre(c *gin.Context) error {
	ctx := ctxOf(c).Request.Context()
	out, err := a.roster.GetCadre(ctx, tenantOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	d := Detail{Cadre: out}
	switch c.Query("include") {
	case "":
	case "sensitive":
		// The route needs "read"; the sensitive part needs read_sensitive too.
		if err := a.authorizeSensitive(c); err != nil {
			return err
		}
		s, err := a.roster.ReadSensitive(ctx, tenantOf(c), out.ID)
		if err != nil {
			return err
		}
		d.Sensitive = &s
	default:
		return core.Invalid("Tham số không hợp lệ.", core.FieldError{Field: "include", Message: "chỉ nhận giá trị sensitive"})
	}
	c.JSON(http.StatusOK, d)
	return nil
}

func (a *API) sensitive(c *gin.Context) error {
	s, err := a.roster.ReadSensitive(ctxOf(c).Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s)
	return nil
}

func (a *API) lookup(c *gin.Context) error {
	var in LookupInput
	if err := decode(c, &in); err != nil {
		return err
	}
	cs, err := a.roster.LookupCCCD(ctxOf(c).Request.Context(), tenantOf(c), in.CCCD)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, cs)
	return nil
}

func (a *API) updateCadre(c *gin.Context) error {
	var in cadre.CadreInput
	if err := decode(c, &in); err != nil {
		return err
	}
	out, err := a.roster.UpdateCadre(c.Request.Context(), tenantOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func (a *API) deleteCadre(c *gin.Context) error {
	if err := a.roster.DeleteCadre(ctxOf(c).Request.Context(), tenantOf(c), c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (a *API) positions(c *gin.Context) error {
	ps, err := a.roster.Positions(c.Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, ps)
	return nil
}

func (a *API) addPosition(c *gin.Context) error {
	var in roster.PositionInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := a.roster.AddPosition(c.Request.Context(), tenantOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return created(c, "/api/v1/t/"+tenantOf(c)+"/cadres/"+c.Param("id")+"/positions", p)
}

func (a *API) planning(c *gin.Context) error {
	ps, err := a.roster.Planning(c.Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, ps)
	return nil
}

func (a *API) addPlanning(c *gin.Context) error {
	var in roster.PlanningInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := a.roster.AddPlanning(c.Request.Context(), tenantOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return created(c, "/api/v1/t/"+tenantOf(c)+"/cadres/"+c.Param("id")+"/planning", p)
}

func (a *API) endPlanning(c *gin.Context) error {
	var in EndInput
	if c.Request.ContentLength != 0 {
		if err := decode(c, &in); err != nil {
			return err
		}
	}
	p, err := a.roster.EndPlanning(c.Request.Context(), tenantOf(c), c.Param("id"), c.Param("pid"), in.Until)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, p)
	return nil
}

// authorizeSensitive checks read_sensitive on top of what the route itself
// needs (read or export), for include=sensitive.
func (a *API) authorizeSensitive(c *gin.Context) error {
	ctx := ctxOf(c).Request.Context()
	g := a.srv.Guard()
	p, _ := core.PrincipalFrom(ctx)
	if g == nil {
		return core.Errorf(core.EFORBIDDEN, "Bạn không có quyền xem dữ liệu nhạy cảm.")
	}
	return g.Authorize(ctx, p, tenantOf(c), objCadre, authz.ActReadSensitive)
}
