package synth

import (
	"fmt"

	"doanbd/core/cadre"
)

// Unit is a generated org unit (table units).
type Unit struct {
	ID, ParentID, Path, Code, Name, Level string
	Difficult, Special, Security          bool
	ValidFrom, ValidTo                    cadre.Date
}

// districtEnd is the last day of the district level (1 July 2025 reform).
var districtEnd = cadre.NewDate(2025, 6, 30)

// CodePrefix starts every synthetic unit code; RootCode is the code of a
// tenant's synthetic root unit, by which a second run sees the data is there.
const (
	CodePrefix = "SYN-"
	RootCode   = CodePrefix + "GOC"
)

var placeFirst = []string{"Tân", "An", "Hòa", "Phước", "Vĩnh", "Long", "Bình", "Thạnh", "Phú", "Mỹ", "Đông", "Tây",
	"Nam", "Bắc", "Hưng", "Quang", "Thanh", "Yên", "Xuân", "Hợp", "Đại", "Trung", "Kim", "Cẩm", "Hải", "Sơn", "Lạc", "Định"}
var placeSecond = []string{"Phú", "Bình", "Lợi", "Long", "Thạnh", "Hòa", "An", "Hưng", "Lộc", "Thành", "Phong", "Sơn",
	"Hải", "Tiến", "Thắng", "Lập", "Đức", "Mỹ", "Xuân", "Hiệp", "Thịnh", "Trạch", "Khánh", "Điền", "Quý", "Nghĩa"}

func placeName(r *rng) string { return pick(r, placeFirst) + " " + pick(r, placeSecond) }

// tree is a tenant's generated units by level.
type tree struct {
	root      *Unit
	districts []*Unit // level huyen; ended on 2025-06-30 in provinces
	communes  []*Unit // level co_so
	branches  []*Unit // level chi_doan
	all       []Unit
}

// unitTree builds the tenant's tree for a roster of n cadres: about one
// grassroots union per 16 cadres, one chi đoàn per 4 cadres, one district
// per 12 grassroots unions. Provinces' districts ended on 2025-06-30 (the
// reform), their communes stay; ministries and affiliated unions keep their
// middle level.
func unitTree(r *rng, t Tenant, n int) *tree {
	tr := &tree{}
	communes := max(1, n/16)
	districts := max(1, (communes+11)/12)
	branches := max(1, n/4)
	tr.all = make([]Unit, 0, 1+districts+communes+branches)
	add := func(parent *Unit, code, name, level string) *Unit {
		u := Unit{ID: r.id(), Code: code, Name: name, Level: level, ValidFrom: cadre.NewDate(2020, 1, 1)}
		u.Path = "/" + u.ID + "/"
		if parent != nil {
			u.ParentID, u.Path = parent.ID, parent.Path+u.ID+"/"
			u.Difficult, u.Special, u.Security = parent.Difficult, parent.Special, parent.Security
		}
		tr.all = append(tr.all, u)
		return &tr.all[len(tr.all)-1]
	}
	rootLevel := cadre.LevelTinh
	if t.Kind == "central" {
		rootLevel = cadre.LevelTW
	}
	tr.root = add(nil, RootCode, t.Name, rootLevel)
	for i := 0; i < districts; i++ {
		d := add(tr.root, fmt.Sprintf("%sH%03d", CodePrefix, i+1), middleName(r, t, i), cadre.LevelHuyen)
		if t.Kind == "province" {
			d.ValidTo = districtEnd
		}
		tr.districts = append(tr.districts, d)
	}
	for i := 0; i < communes; i++ {
		c := add(tr.districts[i%districts], fmt.Sprintf("%sX%05d", CodePrefix, i+1), grassrootsName(r, t), cadre.LevelCoSo)
		// Priority areas (seed requirement 3): difficult socio-economic,
		// special, complex security; more of them in the highlands.
		hard := 0.2
		if regionOf(t.Code) == highlands {
			hard = 0.45
		}
		c.Difficult = r.chance(hard)
		c.Special = c.Difficult && r.chance(0.3)
		c.Security = r.chance(0.05)
		tr.communes = append(tr.communes, c)
	}
	for i := 0; i < branches; i++ {
		b := add(tr.communes[i%communes], fmt.Sprintf("%sCD%06d", CodePrefix, i+1), branchName(r, t, i), cadre.LevelChiDoan)
		tr.branches = append(tr.branches, b)
	}
	return tr
}

var ministryMiddle = map[string][]string{
	"bqp": {"Quân khu 1", "Quân khu 2", "Quân khu 3", "Quân khu 4", "Quân khu 5", "Quân khu 7", "Quân khu 9",
		"Quân đoàn 12", "Quân chủng Hải quân", "Quân chủng Phòng không - Không quân", "Bộ đội Biên phòng", "Binh chủng Công binh"},
	"bca": {"Công an tỉnh", "Cục Cảnh sát giao thông", "Cục Cảnh sát phòng cháy, chữa cháy", "Bộ Tư lệnh Cảnh sát cơ động",
		"Học viện An ninh nhân dân", "Học viện Cảnh sát nhân dân", "Cục An ninh mạng"},
}

func middleName(r *rng, t Tenant, i int) string {
	switch t.Kind {
	case "province":
		if r.chance(0.25) {
			return "Quận đoàn " + placeName(r)
		}
		return "Huyện đoàn " + placeName(r)
	case "ministry":
		names := ministryMiddle[t.Slug]
		if len(names) == 0 {
			names = ministryMiddle["bqp"]
		}
		name := names[i%len(names)]
		if name == "Công an tỉnh" {
			name += " " + placeName(r)
		}
		if i >= len(names) {
			name += fmt.Sprintf(" (khối %d)", i/len(names)+1)
		}
		return "Đoàn Thanh niên " + name
	case "central":
		return pick(r, []string{"Khối Phong trào", "Khối Tổ chức - Kiểm tra", "Khối Tuyên giáo", "Khối Văn phòng"}) + fmt.Sprintf(" %d", i+1)
	}
	return fmt.Sprintf("Đoàn Khối %s %d", placeName(r), i+1)
}

func grassrootsName(r *rng, t Tenant) string {
	switch t.Kind {
	case "province":
		switch k := r.IntN(10); {
		case k < 6:
			return "Đoàn xã " + placeName(r)
		case k < 9:
			return "Đoàn phường " + placeName(r)
		default:
			return "Đoàn trường THPT " + placeName(r)
		}
	case "ministry":
		if t.Slug == "bca" {
			return "Đoàn cơ sở Công an phường " + placeName(r)
		}
		return fmt.Sprintf("Đoàn cơ sở Trung đoàn %d", r.between(1, 999))
	case "central":
		return "Đoàn cơ sở Ban " + pick(r, []string{"Tổ chức", "Tuyên giáo", "Kiểm tra", "Thanh niên trường học", "Công tác thiếu nhi", "Mặt trận"})
	}
	return "Đoàn cơ sở Công ty " + placeName(r)
}

func branchName(r *rng, t Tenant, i int) string {
	switch t.Kind {
	case "province":
		switch k := r.IntN(10); {
		case k < 4:
			return fmt.Sprintf("Chi đoàn thôn %d", r.between(1, 15))
		case k < 7:
			return fmt.Sprintf("Chi đoàn ấp %s", placeName(r))
		default:
			return fmt.Sprintf("Chi đoàn khu phố %d", r.between(1, 12))
		}
	case "ministry":
		return fmt.Sprintf("Chi đoàn Đại đội %d", r.between(1, 30))
	}
	return fmt.Sprintf("Chi đoàn phòng %s %d", pick(r, []string{"Tổ chức", "Hành chính", "Kế hoạch", "Kỹ thuật", "Kinh doanh"}), i%9+1)
}
