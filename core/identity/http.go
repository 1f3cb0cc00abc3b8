package identity

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/web"
)

// Install puts the CSRF middleware on the engine and registers the routes:
//
//	POST /api/v1/auth/login        public: email+password → API token
//	POST /api/v1/auth/logout       revoke the bearer token, or end the session
//	GET  /api/v1/me                the caller and their roles per tenant
//	POST /api/v1/t/:tenant/users   add a user (or a role to a user) in the tenant
//	GET  /api/v1/t/:tenant/users   users holding a role in the tenant
func (s *Service) Install(ws *web.Server) {
	ws.Engine().Use(s.CSRFMiddleware(ws.Error))
	tags := []string{"Xác thực"}
	ws.Public(http.MethodPost, "/api/v1/auth/login", s.handleLogin)
	ws.Document(http.MethodPost, "/api/v1/auth/login", web.Doc{Tags: tags,
		Summary:  "Đăng nhập bằng email và mật khẩu, nhận mã truy cập (Authorization: Bearer). Sai thông tin: 401; đăng nhập sai quá nhiều lần: 429 kèm Retry-After.",
		Request:  loginRequest{Email: "planner.p79@demo.doanbd.vn", Password: "DoanBD@2026"},
		Response: TokenLogin{}})
	ws.Authed(http.MethodPost, "/api/v1/auth/logout", "session", "logout", s.handleLogout)
	ws.Document(http.MethodPost, "/api/v1/auth/logout", web.Doc{Tags: tags, Status: http.StatusNoContent,
		Summary: "Đăng xuất: thu hồi mã truy cập đang dùng, hoặc kết thúc phiên trình duyệt."})
	ws.Authed(http.MethodGet, "/api/v1/me", "profile", "read", s.handleMe)
	ws.Document(http.MethodGet, "/api/v1/me", web.Doc{Tags: tags, Response: meResponse{},
		Summary: "Người dùng đang đăng nhập và vai trò của họ theo từng đơn vị."})
	utags := []string{"Người dùng"}
	ws.TenantAPI(http.MethodPost, "/users", "user", "manage", s.handleAddUser)
	ws.Document(http.MethodPost, "/api/v1/t/:tenant/users", web.Doc{Tags: utags, Status: http.StatusCreated,
		Summary:  "Thêm người dùng vào đơn vị với một vai trò. Email mới: tạo tài khoản (cần họ tên và mật khẩu, 201); email đã có: chỉ thêm vai trò, không đổi mật khẩu (200).",
		Request:  addUserRequest{Email: "can.bo@tinhdoan.vn", Name: "Nguyễn Văn An", Password: "mật-khẩu-mạnh", Role: "planner"},
		Response: AddUserResult{}})
	ws.TenantAPI(http.MethodGet, "/users", "user", "read", s.handleMembers)
	ws.Document(http.MethodGet, "/api/v1/t/:tenant/users", web.Doc{Tags: utags, Response: web.List[Member]{},
		Summary: "Người dùng có vai trò trong đơn vị, kèm vai trò của họ tại đơn vị (sắp theo email).",
		Query:   map[string]string{"limit": "số dòng mỗi trang (1–200, mặc định 50)", "offset": "bỏ qua bao nhiêu dòng"}})
}

var errBadBody = core.Invalid("Dữ liệu gửi lên không đúng định dạng JSON.")

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// handleLogin serves POST /api/v1/auth/login.
func (s *Service) handleLogin(c *gin.Context) error {
	var in loginRequest
	if err := c.ShouldBindJSON(&in); err != nil {
		return errBadBody
	}
	out, err := s.LoginToken(c.Request.Context(), in.Email, in.Password, c.ClientIP())
	if wait, ok := RetryAfter(err); ok {
		c.Header("Retry-After", strconv.Itoa(int((wait.Seconds())+0.999)))
	}
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
	return nil
}

// handleLogout serves POST /api/v1/auth/logout: a bearer caller's token is
// revoked; a session caller's session ends.
func (s *Service) handleLogout(c *gin.Context) error {
	p, _ := core.PrincipalFrom(c.Request.Context())
	if id := c.GetString(tokenIDKey); id != "" {
		if err := s.LogoutToken(c.Request.Context(), p, id, c.ClientIP()); err != nil {
			return err
		}
	} else if err := s.LogoutSession(c); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

type meResponse struct {
	User  User                `json:"user"`
	Roles map[string][]string `json:"roles"`
}

// handleMe serves GET /api/v1/me.
func (s *Service) handleMe(c *gin.Context) error {
	p, _ := core.PrincipalFrom(c.Request.Context())
	u, err := s.UserByID(c.Request.Context(), p.UserID)
	if err != nil {
		return err
	}
	roles, err := s.roles.RolesOf(c.Request.Context(), p.UserID)
	if err != nil {
		return core.Internal(err, "read roles")
	}
	if roles == nil {
		roles = map[string][]string{}
	}
	for t := range roles {
		slices.Sort(roles[t])
	}
	c.JSON(http.StatusOK, meResponse{User: u, Roles: roles})
	return nil
}

type addUserRequest struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
	Role     string `json:"role"`
}

// handleAddUser serves POST /api/v1/t/:tenant/users: a new email creates the
// user (name and password required) with the role; a known email gets the
// role added, its password untouched. Central roles may be granted only by
// a central_admin.
func (s *Service) handleAddUser(c *gin.Context) error {
	var in addUserRequest
	if err := c.ShouldBindJSON(&in); err != nil {
		return errBadBody
	}
	ctx := c.Request.Context()
	p, _ := core.PrincipalFrom(ctx)
	if IsCentralRole(in.Role) {
		roles, err := s.roles.RolesOf(ctx, p.UserID)
		if err != nil {
			return core.Internal(err, "read roles")
		}
		if !slices.Contains(roles[core.CentralTenant], "central_admin") {
			return core.Errorf(core.EFORBIDDEN, "Chỉ quản trị viên Trung ương mới được cấp vai trò %s.", in.Role)
		}
	}
	res, err := s.AddUser(ctx, Actor{ID: p.UserID, Email: p.Email, IP: c.ClientIP()}, AddUserInput{
		Tenant: web.TenantOf(c).ID, Email: in.Email, Name: in.Name, Password: in.Password, Role: in.Role})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	c.JSON(status, res)
	return nil
}

// handleMembers serves GET /api/v1/t/:tenant/users?limit=&offset=.
func (s *Service) handleMembers(c *gin.Context) error {
	pg, err := web.PageOf(c)
	if err != nil {
		return err
	}
	ms, total, err := s.Members(c.Request.Context(), web.TenantOf(c).ID, pg.Limit, pg.Offset)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, web.NewList(ms, total, pg))
	return nil
}
