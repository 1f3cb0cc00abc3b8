package identity

import (
	"context"
	"fmt"
	"strings"
)

// Demo users (`doanbd seed --demo`): one per role template in each demo
// tenant, so a newcomer can try every user group at once. They all share
// DemoPassword; the emails are ROLE.TENANT@demo.doanbd.vn, for example
// planner.p79@demo.doanbd.vn or central_admin.tw@demo.doanbd.vn.
const (
	DemoPassword = "DoanBD@2026"
	DemoDomain   = "demo.doanbd.vn"
)

// DemoTenants are the tenants that get demo users: the centre, Hồ Chí Minh
// City, Hà Nội, the Defence youth unit and the Public Security youth union
// (whose planner customises a central programme in the demo journeys).
var DemoTenants = []string{"tw", "p79", "p01", "bqp", "bca"}

// demoNames gives the demo users Vietnamese names (with diacritics), in the
// order DemoLogins lists them.
var demoNames = []string{
	"Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hoàng Phúc",
	"Phạm Minh Đức", "Hoàng Thị Thu Hà", "Vũ Quốc Khánh", "Đặng Thị Mai", "Bùi Văn Long", "Đỗ Thị Hồng Nhung", "Ngô Thanh Tùng",
	"Dương Thị Lan Anh", "Lý Văn Hùng", "Trương Thị Kim Oanh", "Phan Thành Đạt", "Võ Thị Ngọc Hân", "Huỳnh Tấn Phát", "Châu Thị Mỹ Linh",
	"Đinh Văn Quang", "Lương Thị Hương", "Mai Xuân Trường", "Tạ Thị Thanh Thủy", "Kiều Văn Nam", "Quách Thị Yến", "Triệu Đức Thịnh",
	"Nông Văn Sơn", "Hà Thị Phương", "Lò Văn Tiến", "Cao Thị Ánh Tuyết", "Tô Minh Quân", "Lại Thị Diệu", "Khúc Văn Hải",
	"Thái Văn Cường", "Âu Thị Hạnh", "La Văn Thắng", "Ông Thị Xuân", "Từ Văn Bảo", "Giang Thị Loan", "Lâm Quốc Việt",
}

// DemoLogin is one demo user and the role it holds.
type DemoLogin struct {
	Email  string
	Name   string
	Tenant string
	Role   string
}

// DemoLogins lists the demo users: the central roles in tw, then every
// tenant role in each demo tenant.
func DemoLogins() []DemoLogin {
	var out []DemoLogin
	add := func(tenant, role string) {
		out = append(out, DemoLogin{Email: strings.ToLower(role + "." + tenant + "@" + DemoDomain),
			Name: demoNames[len(out)%len(demoNames)], Tenant: tenant, Role: role})
	}
	for _, r := range CentralRoles {
		add("tw", r)
	}
	for _, t := range DemoTenants {
		for _, r := range TenantRoles {
			add(t, r)
		}
	}
	return out
}

// SeedDemo creates the demo users and their roles. It is idempotent: users
// that exist keep their password, roles held are not granted again. The
// demo tenants must exist (the tenant seed runs first).
func (s *Service) SeedDemo(ctx context.Context) ([]DemoLogin, error) {
	logins := DemoLogins()
	for _, l := range logins {
		if _, err := s.AddUser(ctx, Actor{Email: "seed"}, AddUserInput{Tenant: l.Tenant, Email: l.Email, Name: l.Name,
			Password: DemoPassword, Role: l.Role}); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", l.Email, err)
		}
	}
	return logins, nil
}
