// Package api exposes the workflow engine over HTTP: transitions, history,
// status and available actions per subject, the cross-tenant inbox,
// delegations, notifications, documents and definition overrides.
package api

import (
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/web"
	"doanbd/workflows/engine"
)

// subjectRoutes maps a URL collection to a subject type and its Casbin object.
var subjectRoutes = []struct{ Path, Type, Object string }{
	{"/plans/:id", "plan", "plan"},
	{"/programs/:id", "program", "program"},
	{"/budget-estimates/:id", "budget", "budget"},
}

// Register installs the routes and their documentation.
func Register(s *web.Server, e *engine.Engine) {
	h := handlers{e: e}
	tags := []string{"Quy trình phê duyệt"}
	for _, r := range subjectRoutes {
		typ := r.Type
		base := "/api/v1/t/:tenant" + r.Path
		// Reading the subject is enough to ask; the engine authorizes the
		// specific transition (plan.approve, plan.review…) itself.
		s.TenantAPI(http.MethodPost, r.Path+"/transitions", r.Object, "read", func(c *gin.Context) error { return h.fire(c, typ) })
		s.Document(http.MethodPost, base+"/transitions", web.Doc{Tags: tags, Request: engine.FireInput{}, Response: engine.State{},
			Summary: "Thực hiện một thao tác của quy trình (gửi duyệt, duyệt, trả lại kèm ý kiến, ghi nhận quyết định…); 409 khi người khác vừa xử lý."})
		s.TenantAPI(http.MethodGet, r.Path+"/history", r.Object, "read", func(c *gin.Context) error { return h.history(c, typ) })
		s.Document(http.MethodGet, base+"/history", web.Doc{Tags: tags, Response: historyList{},
			Summary: "Lịch sử xử lý (ai, khi nào, từ trạng thái nào sang trạng thái nào, ý kiến, thay mặt ai)."})
		s.TenantAPI(http.MethodGet, r.Path+"/workflow", r.Object, "read", func(c *gin.Context) error { return h.status(c, typ) })
		s.Document(http.MethodGet, base+"/workflow", web.Doc{Tags: tags, Response: engine.State{},
			Summary: "Trạng thái hiện tại, hạn xử lý và các thao tác người gọi được thực hiện (available_actions)."})
	}
	s.Authed(http.MethodGet, "/api/v1/inbox", "inbox", "read", h.inbox)
	s.Document(http.MethodGet, "/api/v1/inbox", web.Doc{Tags: tags, Response: inboxList{},
		Summary: "Hộp việc: mọi hồ sơ ở mọi đơn vị mà người gọi (hoặc người đã ủy quyền cho người gọi) được xử lý ngay, kèm hạn."})
	s.Authed(http.MethodGet, "/api/v1/notifications", "inbox", "read", h.notifications)
	s.Document(http.MethodGet, "/api/v1/notifications", web.Doc{Tags: tags, Response: notificationList{}, Summary: "Thông báo trong ứng dụng của người gọi."})
	s.Authed(http.MethodPost, "/api/v1/notifications/:id/read", "inbox", "read", h.markRead)
	s.Document(http.MethodPost, "/api/v1/notifications/:id/read", web.Doc{Tags: tags, Status: http.StatusNoContent, Summary: "Đánh dấu đã đọc."})
	s.Authed(http.MethodGet, "/api/v1/delegations", "inbox", "read", h.delegations)
	s.Document(http.MethodGet, "/api/v1/delegations", web.Doc{Tags: tags, Response: delegationList{}, Summary: "Các ủy quyền người gọi đã giao hoặc được giao."})
	s.Authed(http.MethodDelete, "/api/v1/delegations/:id", "inbox", "read", h.revoke)
	s.Document(http.MethodDelete, "/api/v1/delegations/:id", web.Doc{Tags: tags, Status: http.StatusNoContent, Summary: "Thu hồi một ủy quyền của người gọi."})
	s.TenantAPI(http.MethodPost, "/delegations", "inbox", "read", h.delegate)
	s.Document(http.MethodPost, "/api/v1/t/:tenant/delegations", web.Doc{Tags: tags, Request: delegationInput{}, Response: engine.Delegation{}, Status: http.StatusCreated,
		Summary: "Ủy quyền xử lý công việc của người gọi cho người khác trong một khoảng ngày."})
	s.TenantAPI(http.MethodPost, "/files", "plan", "read", h.upload)
	s.Document(http.MethodPost, "/api/v1/t/:tenant/files", web.Doc{Tags: tags, RequestType: "multipart/form-data", Response: engine.File{}, Status: http.StatusCreated,
		Summary: "Tải lên văn bản PDF (ví dụ quyết định của UBND tỉnh), trường \"file\"; tối đa 20 MB."})
	s.TenantAPI(http.MethodGet, "/files/:id", "plan", "read", h.file)
	s.Document(http.MethodGet, "/api/v1/t/:tenant/files/:id", web.Doc{Tags: tags, ResponseType: "application/pdf", Summary: "Tải về văn bản đã lưu."})
	s.TenantAPI(http.MethodGet, "/workflows", "workflow", "read", h.definitions)
	s.Document(http.MethodGet, "/api/v1/t/:tenant/workflows", web.Doc{Tags: tags, Response: definitionList{},
		Summary: "Các phiên bản định nghĩa quy trình: của hệ thống và của đơn vị."})
	s.TenantAPI(http.MethodPut, "/workflows", "workflow", "manage", h.override)
	s.Document(http.MethodPut, "/api/v1/t/:tenant/workflows", web.Doc{Tags: tags, RequestType: "application/yaml", Response: engine.DefinitionInfo{},
		Summary: "Tải lên bản quy trình riêng của đơn vị (YAML), kiểm tra như `doanbd workflow validate`; lỗi kèm số dòng."})
}

// List shapes, for the documentation.
type (
	historyList struct {
		Items []engine.HistoryEntry `json:"items"`
	}
	inboxList struct {
		Items []engine.InboxItem `json:"items"`
		Total int                `json:"total"`
	}
	notificationList struct {
		Items []engine.Notification `json:"items"`
	}
	delegationList struct {
		Items []engine.Delegation `json:"items"`
	}
	definitionList struct {
		Items []engine.DefinitionInfo `json:"items"`
	}
)

type handlers struct{ e *engine.Engine }

func principal(c *gin.Context) core.Principal {
	p, _ := core.PrincipalFrom(c.Request.Context())
	return p
}

// fire: POST /api/v1/t/{tenant}/{subjects}/{id}/transitions {"action","comment","fields"}
func (h handlers) fire(c *gin.Context, typ string) error {
	var in engine.FireInput
	if err := c.ShouldBindJSON(&in); err != nil {
		return core.Invalid("Dữ liệu gửi lên không đúng định dạng JSON.", core.FieldError{Field: "body", Message: "JSON không hợp lệ"})
	}
	t := web.TenantOf(c)
	if _, err := h.e.Fire(c.Request.Context(), principal(c), t.ID, typ, c.Param("id"), in); err != nil {
		return err
	}
	st, err := h.e.Status(c.Request.Context(), principal(c), t.ID, typ, c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, st)
	return nil
}

// history: GET /api/v1/t/{tenant}/{subjects}/{id}/history
func (h handlers) history(c *gin.Context, typ string) error {
	hs, err := h.e.History(c.Request.Context(), web.TenantOf(c).ID, typ, c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": hs})
	return nil
}

// status: GET /api/v1/t/{tenant}/{subjects}/{id}/workflow — state and available_actions.
func (h handlers) status(c *gin.Context, typ string) error {
	st, err := h.e.Status(c.Request.Context(), principal(c), web.TenantOf(c).ID, typ, c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, st)
	return nil
}

// inbox: GET /api/v1/inbox — everything the caller may act on now, across tenants.
func (h handlers) inbox(c *gin.Context) error {
	items, err := h.e.Inbox(c.Request.Context(), principal(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "total": len(items)})
	return nil
}

// notifications: GET /api/v1/notifications
func (h handlers) notifications(c *gin.Context) error {
	ns, err := h.e.Notifications(c.Request.Context(), principal(c).UserID, 100)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": ns})
	return nil
}

// markRead: POST /api/v1/notifications/{id}/read
func (h handlers) markRead(c *gin.Context) error {
	if err := h.e.MarkRead(c.Request.Context(), principal(c).UserID, c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

type delegationInput struct {
	ToUser   string `json:"to_user"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
}

// delegate: POST /api/v1/t/{tenant}/delegations {"to_user","starts_on","ends_on"} (dates yyyy-mm-dd or dd/mm/yyyy)
func (h handlers) delegate(c *gin.Context) error {
	var in delegationInput
	if err := c.ShouldBindJSON(&in); err != nil {
		return core.Invalid("Dữ liệu gửi lên không đúng định dạng JSON.", core.FieldError{Field: "body", Message: "JSON không hợp lệ"})
	}
	from, err1 := parseDay(in.StartsOn)
	to, err2 := parseDay(in.EndsOn)
	if err1 != nil || err2 != nil {
		return core.Invalid("Ngày không hợp lệ.", core.FieldError{Field: "starts_on", Message: "dùng dạng dd/mm/yyyy"})
	}
	d, err := h.e.Delegate(c.Request.Context(), principal(c), web.TenantOf(c).ID, in.ToUser, from, to.Add(24*time.Hour-time.Second))
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, d)
	return nil
}

func parseDay(s string) (time.Time, error) {
	for _, l := range []string{"2006-01-02", "02/01/2006"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Parse("2006-01-02", s)
}

// delegations: GET /api/v1/delegations
func (h handlers) delegations(c *gin.Context) error {
	ds, err := h.e.Delegations(c.Request.Context(), principal(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": ds})
	return nil
}

// revoke: DELETE /api/v1/delegations/{id}
func (h handlers) revoke(c *gin.Context) error {
	if err := h.e.RevokeDelegation(c.Request.Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// upload: POST /api/v1/t/{tenant}/files (multipart "file", PDF only) → {"id": …}
func (h handlers) upload(c *gin.Context) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return core.Invalid("Chưa chọn tệp.", core.FieldError{Field: "file", Message: "hãy chọn tệp PDF"})
	}
	f, err := fh.Open()
	if err != nil {
		return core.Internal(err, "open upload")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, engine.MaxFileSize+1))
	if err != nil {
		return core.Internal(err, "read upload")
	}
	saved, err := h.e.Upload(c.Request.Context(), principal(c), web.TenantOf(c).ID, fh.Filename, data)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, saved)
	return nil
}

// file: GET /api/v1/t/{tenant}/files/{id}
func (h handlers) file(c *gin.Context) error {
	f, err := h.e.File(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", "attachment; filename=\"document.pdf\"")
	c.Data(http.StatusOK, f.ContentType, f.Data)
	return nil
}

// definitions: GET /api/v1/t/{tenant}/workflows
func (h handlers) definitions(c *gin.Context) error {
	ds, err := h.e.Definitions(c.Request.Context(), web.TenantOf(c).ID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": ds})
	return nil
}

// override: PUT /api/v1/t/{tenant}/workflows (body: the YAML definition) —
// validated like `doanbd workflow validate`; problems come back with line numbers.
func (h handlers) override(c *gin.Context) error {
	src, err := io.ReadAll(io.LimitReader(c.Request.Body, 1<<20))
	if err != nil {
		return core.Invalid("Không đọc được định nghĩa.", core.FieldError{Field: "body", Message: "tệp quá lớn hoặc lỗi truyền"})
	}
	d, err := h.e.Override(c.Request.Context(), web.TenantOf(c).ID, principal(c).UserID, src)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, d)
	return nil
}
