package ui

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/cadre/importer"
	"doanbd/core/cadre/xlsx"
	"doanbd/core/web"
)

// Importer is what the import wizard needs of the roster import pipeline
// (core/cadre/importer.Importer). It must be the instance whose jobs the
// worker runs: it keeps the live progress of a running commit.
type Importer interface {
	Upload(ctx context.Context, tenant, fileName string, content []byte) (importer.Import, error)
	Get(ctx context.Context, tenant, id string) (importer.Import, error)
	List(ctx context.Context, tenant string, limit, offset int) ([]importer.Import, int, error)
	Problems(ctx context.Context, tenant, id, severity string, limit, offset int) ([]importer.Problem, int, error)
	Rows(ctx context.Context, tenant, id string, validOnly bool, limit, offset int) ([]importer.PreviewRow, int, error)
	Commit(ctx context.Context, tenant, id, mode string) (importer.Import, error)
}

const problemPageSize = 100

func (u *UI) registerImports(s *web.Server) {
	if u.importer == nil || u.roster == nil {
		return
	}
	s.TenantPage(http.MethodGet, "/imports/new", objCadre, actImport, u.importStart)
	s.TenantPage(http.MethodGet, "/imports/template", objCadre, actImport, u.importTemplate)
	s.TenantPage(http.MethodPost, "/imports", objCadre, actImport, u.importUpload)
	s.TenantPage(http.MethodGet, "/imports/:id", objCadre, actImport, u.importShow)
	s.TenantPage(http.MethodGet, "/imports/:id/progress", objCadre, actImport, u.importProgress)
	s.TenantPage(http.MethodPost, "/imports/:id/commit", objCadre, actImport, u.importCommit)
}

type importRow struct {
	importer.Import
	StatusLabel string
	Running     bool
}

type importStartData struct {
	Recent []importRow
}

func (u *UI) importView(v *View, im importer.Import) importRow {
	p := u.cat.For(v.Lang)
	return importRow{Import: im, StatusLabel: p.Label("import.status.", im.Status),
		Running: im.Status == importer.StatusUploaded || im.Status == importer.StatusParsing || im.Status == importer.StatusCommitting}
}

// importStart handles GET /t/:tenant/imports/new: the template, the upload
// form and the recent imports.
func (u *UI) importStart(c *gin.Context) error {
	v := u.view(c, "import.title")
	list, _, err := u.importer.List(c.Request.Context(), v.Tenant.ID, 10, 0)
	if err != nil {
		return err
	}
	d := importStartData{}
	for _, im := range list {
		d.Recent = append(d.Recent, u.importView(v, im))
	}
	v.Form = emptyForm(u.cat.For(v.Lang), nil)
	v.Data = d
	return u.html(c, "import_start", v)
}

// importTemplate handles GET /t/:tenant/imports/template: the workbook to
// fill, with the tenant's open units and the titles as drop-down lists. The
// units are read afresh (not from the pages' cache): a unit created a
// moment ago must be in the list.
func (u *UI) importTemplate(c *gin.Context) error {
	t := web.TenantOf(c).ID
	units, err := u.units.Roster.UnitIndex(c.Request.Context(), t)
	if err != nil {
		return err
	}
	d := xlsx.TemplateData{Titles: u.roster.Titles().All()}
	for _, un := range units.Units {
		if un.ActiveOn(cadre.Today()) {
			d.Units = append(d.Units, un)
		}
	}
	var b bytes.Buffer
	if err := xlsx.Template(&b, d); err != nil {
		return core.Internal(err, "write import template")
	}
	c.Header("Content-Disposition", `attachment; filename="mau-nhap-can-bo.xlsx"`)
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b.Bytes())
	return nil
}

// importUpload handles POST /t/:tenant/imports (multipart, field "file").
func (u *UI) importUpload(c *gin.Context) error {
	v := u.view(c, "import.title")
	p := u.cat.For(v.Lang)
	f, err := newForm(c, p)
	if err != nil {
		return err
	}
	v.Form = f
	fh, ferr := c.FormFile("file")
	if ferr != nil {
		f.Fail("file", "import.file_required")
	} else {
		content, err := readUpload(fh, importer.MaxFileSize)
		if err != nil {
			f.Fail("file", "import.file_unreadable")
		} else {
			im, err := u.importer.Upload(c.Request.Context(), v.Tenant.ID, fh.Filename, content)
			if err == nil {
				return u.redirect(c, "/t/"+v.Tenant.ID+"/imports/"+im.ID, "")
			}
			if !f.Take(err, nil) {
				return err
			}
		}
	}
	v.Data, v.Status = importStartData{}, http.StatusUnprocessableEntity
	return u.html(c, "import_start", v)
}

// readUpload reads at most limit+1 bytes of an uploaded file (the service
// refuses what is larger).
func readUpload(fh *multipart.FileHeader, limit int64) ([]byte, error) {
	fl, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer fl.Close()
	return io.ReadAll(io.LimitReader(fl, limit+1))
}

type importShowData struct {
	Import   importRow
	Problems []importer.Problem
	Pager    pager
	Preview  []previewRow
	Severity string
}

type previewRow struct {
	importer.PreviewRow
	Birth, Gender, Title, Employment string
}

// importShow handles GET /t/:tenant/imports/:id: the progress while the file
// is checked or written, then the preview with every problem by row and
// column and the two ways to commit.
func (u *UI) importShow(c *gin.Context) error {
	v := u.view(c, "import.title")
	im, err := u.importer.Get(c.Request.Context(), v.Tenant.ID, c.Param("id"))
	if err != nil {
		return err
	}
	if err := u.importData(c, v, im); err != nil {
		return err
	}
	v.Form = emptyForm(u.cat.For(v.Lang), url.Values{"mode": {importer.ModeValidOnly}})
	return u.html(c, "import", v)
}

// importData fills the import page: on a checked file, a page of problems
// and the first rows as they will be written.
func (u *UI) importData(c *gin.Context, v *View, im importer.Import) error {
	ctx := c.Request.Context()
	d := importShowData{Import: u.importView(v, im), Severity: c.Query("severity")}
	if d.Severity != importer.SeverityError && d.Severity != importer.SeverityWarning {
		d.Severity = ""
	}
	if im.Status == importer.StatusParsed || im.Status == importer.StatusCommitFailed {
		offset := listWindow(c, problemPageSize)
		probs, total, err := u.importer.Problems(ctx, v.Tenant.ID, im.ID, d.Severity, problemPageSize, offset)
		if err != nil {
			return err
		}
		d.Problems, d.Pager = probs, newPager(c, offset, problemPageSize, len(probs), total)
		rows, _, err := u.importer.Rows(ctx, v.Tenant.ID, im.ID, false, 20, 0)
		if err != nil {
			return err
		}
		p := u.cat.For(v.Lang)
		titles := u.roster.Titles()
		for _, r := range rows {
			pr := previewRow{PreviewRow: r, Birth: r.BirthDate.VN(), Gender: p.Label("cadre.gender.", r.Gender),
				Employment: p.Label("cadre.employment.", r.Employment), Title: r.Title}
			if tt, ok := titles.ByCode(r.Title); ok {
				pr.Title = tt.Name
			}
			d.Preview = append(d.Preview, pr)
		}
	}
	if d.Import.Running {
		v.Refresh = 3
	}
	v.Data = d
	return nil
}

// importProgress handles GET /t/:tenant/imports/:id/progress (htmx, every
// two seconds while a step runs): the progress box, or a redirect to the
// page once the step has finished.
func (u *UI) importProgress(c *gin.Context) error {
	v := u.frame(c, "import.title")
	v.Tenant = web.TenantOf(c)
	im, err := u.importer.Get(c.Request.Context(), v.Tenant.ID, c.Param("id"))
	if err != nil {
		return err
	}
	row := u.importView(v, im)
	if !row.Running {
		c.Header("HX-Redirect", "/t/"+v.Tenant.ID+"/imports/"+im.ID)
	}
	v.Data = importShowData{Import: row}
	return u.fragment(c, "import", "progress", v)
}

// importCommit handles POST /t/:tenant/imports/:id/commit (mode all or
// valid_only).
func (u *UI) importCommit(c *gin.Context) error {
	v := u.view(c, "import.title")
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	id := c.Param("id")
	_, err = u.importer.Commit(c.Request.Context(), v.Tenant.ID, id, f.Get("mode"))
	if err == nil {
		return u.redirect(c, "/t/"+v.Tenant.ID+"/imports/"+id, "")
	}
	if !f.Take(err, nil) {
		return err
	}
	im, gerr := u.importer.Get(c.Request.Context(), v.Tenant.ID, id)
	if gerr != nil {
		return gerr
	}
	if err := u.importData(c, v, im); err != nil {
		return err
	}
	v.Form, v.Status = f, http.StatusUnprocessableEntity
	return u.html(c, "import", v)
}
