package api

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/authz"
	"doanbd/core/cadre"
	"doanbd/core/cadre/importer"
	"doanbd/core/cadre/roster"
	"doanbd/core/cadre/xlsx"
	"doanbd/core/web"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// CommitInput chooses what a commit writes.
type CommitInput struct {
	Mode string `json:"mode"` // all | valid_only
}

func (a *API) importRoutes() {
	a.route(http.MethodGet, "/cadres/import/template", objCadre, authz.ActImport, a.template, web.Doc{Tags: tagImports, ResponseType: xlsxType,
		Summary: "Tệp mẫu Excel để nhập danh sách cán bộ: tiêu đề tiếng Việt, danh sách chọn (giới tính, chế độ công tác, chức danh, đơn vị)."})
	a.route(http.MethodPost, "/cadres/imports", objCadre, authz.ActImport, a.upload, web.Doc{Tags: tagImports, Status: http.StatusAccepted,
		RequestType: "multipart/form-data", Response: importer.Import{},
		Summary: "Tải lên tệp .xlsx (trường file). Tệp được kiểm tra trong nền; theo dõi tiến độ ở GET /cadres/imports/{id}."})
	a.route(http.MethodGet, "/cadres/imports", objCadre, authz.ActImport, a.listImports, web.Doc{Tags: tagImports,
		Response: web.List[importer.Import]{}, Query: pageDoc, Summary: "Các lần nhập dữ liệu, mới nhất trước."})
	a.route(http.MethodGet, "/cadres/imports/:id", objCadre, authz.ActImport, a.getImport, web.Doc{Tags: tagImports, Response: importer.Import{},
		Summary: "Trạng thái và tiến độ một lần nhập: uploaded → parsing → parsed (xem lỗi) → committing → committed, hoặc failed / commit_failed."})
	a.route(http.MethodGet, "/cadres/imports/:id/problems", objCadre, authz.ActImport, a.problems, web.Doc{Tags: tagImports,
		Response: web.List[importer.Problem]{}, Query: withPage(map[string]string{"severity": "error | warning"}),
		Summary: "Các lỗi và cảnh báo theo dòng, cột (\"Dòng 12, cột Số CCCD: phải có 12 chữ số\")."})
	a.route(http.MethodGet, "/cadres/imports/:id/rows", objCadre, authz.ActImport, a.rows, web.Doc{Tags: tagImports,
		Response: web.List[importer.PreviewRow]{}, Query: withPage(map[string]string{"valid": "true: chỉ các dòng hợp lệ"}),
		Summary: "Xem trước các dòng đã đọc (không có dữ liệu nhạy cảm)."})
	a.route(http.MethodPost, "/cadres/imports/:id/commit", objCadre, authz.ActImport, a.commit, web.Doc{Tags: tagImports,
		Status: http.StatusAccepted, Request: CommitInput{Mode: importer.ModeValidOnly}, Response: importer.Import{},
		Summary: "Ghi vào danh sách cán bộ: all (chỉ khi không còn lỗi) hoặc valid_only. Ghi trong một giao dịch, chạy nền; lỗi giữa chừng thì danh sách không đổi."})
	a.route(http.MethodGet, "/cadres/export", objCadre, authz.ActExport, a.export, web.Doc{Tags: tagImports, ResponseType: xlsxType,
		Query: withoutPage(listQuery, map[string]string{"format": "xlsx (mặc định) | csv (UTF-8 có BOM)",
			"include": "sensitive: thêm cột số CCCD, dân tộc, tôn giáo (cần quyền read_sensitive; lượt xuất được ghi nhật ký)"}),
		Summary: "Xuất danh sách cán bộ ra Excel hoặc CSV với cùng bộ lọc như danh sách; dữ liệu nhạy cảm chỉ khi có include=sensitive."})
}

func withoutPage(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func attachment(c *gin.Context, contentType, name string) {
	c.Header("Content-Type", contentType)
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
}

func (a *API) template(c *gin.Context) error {
	units, _, err := a.roster.ListUnits(c.Request.Context(), tenantOf(c), roster.UnitFilter{ActiveOn: cadre.Today()})
	if err != nil {
		return err
	}
	attachment(c, xlsxType, "mau-nhap-can-bo.xlsx")
	c.Status(http.StatusOK)
	return xlsx.Template(c.Writer, xlsx.TemplateData{Titles: a.roster.Titles().All(), Units: units})
}

func (a *API) upload(c *gin.Context) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return core.Invalid("Chưa chọn tệp.", core.FieldError{Field: "file", Message: "gửi tệp .xlsx trong trường file (multipart/form-data)"})
	}
	f, err := fh.Open()
	if err != nil {
		return core.Internal(err, "open upload")
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, importer.MaxFileSize+1))
	if err != nil {
		return core.Internal(err, "read upload")
	}
	imp, err := a.imports.Upload(c.Request.Context(), tenantOf(c), fh.Filename, content)
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/t/"+tenantOf(c)+"/cadres/imports/"+imp.ID)
	c.JSON(http.StatusAccepted, imp)
	return nil
}

func (a *API) listImports(c *gin.Context) error {
	p, err := web.PageOf(c)
	if err != nil {
		return err
	}
	is, total, err := a.imports.List(c.Request.Context(), tenantOf(c), p.Limit, p.Offset)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, web.NewList(is, total, p))
	return nil
}

func (a *API) getImport(c *gin.Context) error {
	imp, err := a.imports.Get(c.Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, imp)
	return nil
}

func (a *API) problems(c *gin.Context) error {
	p, err := web.PageOf(c)
	if err != nil {
		return err
	}
	sev := c.Query("severity")
	if sev != "" && sev != importer.SeverityError && sev != importer.SeverityWarning {
		return core.Invalid("Tham số không hợp lệ.", core.FieldError{Field: "severity", Message: "phải là error hoặc warning"})
	}
	ps, total, err := a.imports.Problems(c.Request.Context(), tenantOf(c), c.Param("id"), sev, p.Limit, p.Offset)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, web.NewList(ps, total, p))
	return nil
}

func (a *API) rows(c *gin.Context) error {
	p, err := web.PageOf(c)
	if err != nil {
		return err
	}
	valid, err := boolQuery(c, "valid")
	if err != nil {
		return err
	}
	rs, total, err := a.imports.Rows(c.Request.Context(), tenantOf(c), c.Param("id"), valid, p.Limit, p.Offset)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, web.NewList(rs, total, p))
	return nil
}

func (a *API) commit(c *gin.Context) error {
	var in CommitInput
	if err := decode(c, &in); err != nil {
		return err
	}
	imp, err := a.imports.Commit(ctxOf(c).Request.Context(), tenantOf(c), c.Param("id"), in.Mode)
	if err != nil {
		return err
	}
	c.JSON(http.StatusAccepted, imp)
	return nil
}

// exportColumns are the exported columns: the template's, without the
// sensitive ones unless asked for (exports leave the system: CCCD,
// ethnicity and religion go out only with include=sensitive, to a user
// allowed to read them, and the export is audited), plus the status.
func exportColumns(sensitive bool) []xlsx.Column {
	var cols []xlsx.Column
	for _, c := range xlsx.Columns {
		switch c.Field {
		case cadre.FSince, cadre.FPlanTitle, cadre.FPlanSince:
			continue
		case cadre.FCCCD, cadre.FEthnicity, cadre.FReligion:
			if !sensitive {
				continue
			}
		}
		cols = append(cols, c)
	}
	return append(cols, xlsx.Column{Field: "status", Header: "Trạng thái", Label: "Trạng thái", Width: 16})
}

func (a *API) export(c *gin.Context) error {
	f, err := filterOf(c)
	if err != nil {
		return err
	}
	if err := f.Validate(a.roster.Titles()); err != nil {
		return err
	}
	format := c.DefaultQuery("format", "xlsx")
	sensitive := false
	switch c.Query("include") {
	case "":
	case "sensitive":
		if err := a.authorizeSensitive(c); err != nil {
			return err
		}
		sensitive = true
	default:
		return core.Invalid("Tham số không hợp lệ.", core.FieldError{Field: "include", Message: "chỉ nhận giá trị sensitive"})
	}
	cols := exportColumns(sensitive)
	ctx := c.Request.Context()
	units, err := a.roster.UnitIndex(ctx, tenantOf(c))
	if err != nil {
		return err
	}
	unitName := map[string]string{}
	for _, u := range units.Units {
		unitName[u.ID] = xlsx.UnitChoice(u)
	}
	name := fmt.Sprintf("danh-sach-can-bo-%s-%s", tenantOf(c), time.Now().UTC().Format("20060102"))
	var w xlsx.Writer
	switch format {
	case "xlsx":
		attachment(c, xlsxType, name+".xlsx")
		w, err = xlsx.NewXLSX(c.Writer, xlsx.SheetCadres, cols)
	case "csv":
		attachment(c, "text/csv; charset=utf-8", name+".csv")
		w, err = xlsx.NewCSV(c.Writer, cols)
	default:
		return core.Invalid("Định dạng không hỗ trợ.", core.FieldError{Field: "format", Message: "phải là xlsx hoặc csv"})
	}
	if err != nil {
		c.Writer.Header().Del("Content-Disposition")
		return core.Internal(err, "start export")
	}
	titles := a.roster.Titles()
	n := 0
	row := func(x cadre.Cadre, s *cadre.Sensitive) error {
		n++
		vals := make([]any, 0, len(cols))
		for _, col := range cols {
			vals = append(vals, exportValue(col.Field, n, x, s, unitName, titles))
		}
		return w.Write(vals)
	}
	if sensitive {
		err = a.roster.EachCadreSensitive(ctx, tenantOf(c), f, func(x cadre.Cadre, s cadre.Sensitive) error { return row(x, &s) })
	} else {
		err = a.roster.EachCadre(ctx, tenantOf(c), f, func(x cadre.Cadre) error { return row(x, nil) })
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		if !c.Writer.Written() {
			c.Writer.Header().Del("Content-Disposition")
			return err
		}
		// Bytes are on the wire: the client gets a truncated file; log why.
		a.opt.Log.Error("export broken off", "tenant", tenantOf(c), "request_id", web.RequestID(c), "err", err)
	}
	return nil
}

// exportValue is one cell of an exported cadre, by the column's field.
func exportValue(field string, n int, x cadre.Cadre, s *cadre.Sensitive, unitName map[string]string, titles *cadre.Titles) any {
	switch field {
	case xlsx.FieldSTT:
		return strconv.Itoa(n)
	case cadre.FFullName:
		return x.FullName
	case cadre.FBirthDate:
		return x.BirthDate
	case cadre.FGender:
		return cadre.LabelOf(cadre.Genders, x.Gender)
	case cadre.FPhone:
		return x.Phone
	case cadre.FEmail:
		return x.Email
	case cadre.FUnit:
		return unitName[x.UnitID]
	case cadre.FTitle:
		return titles.Name(x.Title)
	case cadre.FEmployment:
		return cadre.LabelOf(cadre.Employments, x.Employment)
	case "status":
		return cadre.LabelOf(cadre.Statuses, x.Status)
	}
	if s != nil {
		switch field {
		case cadre.FCCCD:
			return s.CCCD
		case cadre.FEthnicity:
			return s.Ethnicity
		case cadre.FReligion:
			return s.Religion
		}
	}
	return ""
}
