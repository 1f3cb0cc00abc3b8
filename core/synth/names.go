package synth

import (
	"strings"

	"doanbd/core/cadre"
)

// Names. Family names follow their approximate frequency in Việt Nam
// (Nguyễn about 38 %, Trần 11 %, Lê 9.5 %, Phạm 7 %, Hoàng/Huỳnh 5 %, …);
// Hoàng and Vũ are northern spellings, Huỳnh and Võ southern. Minority
// peoples get their own family names and naming patterns.

type region int

const (
	north region = iota
	highlands
	south
)

// regionOf places a province code (old or new) in a broad region; tenants
// without a code (central office, ministries, affiliated unions) count as
// northern, where they sit.
func regionOf(code string) region {
	n := 0
	for _, c := range code {
		if c < '0' || c > '9' {
			return north
		}
		n = n*10 + int(c-'0')
	}
	switch {
	case n == 0 || n < 45:
		return north
	case n == 52 || n == 62 || n == 64 || n == 66 || n == 67 || n == 68:
		return highlands
	default:
		return south
	}
}

var familyNorth = newWeighted(
	wp("Nguyễn", 380), wp("Trần", 110), wp("Lê", 95), wp("Phạm", 71), wp("Hoàng", 51), wp("Phan", 45),
	wp("Vũ", 39), wp("Đặng", 21), wp("Bùi", 20), wp("Đỗ", 14), wp("Hồ", 13), wp("Ngô", 13), wp("Dương", 10),
	wp("Lý", 5), wp("Đinh", 8), wp("Đoàn", 7), wp("Trương", 6), wp("Trịnh", 6), wp("Mai", 5), wp("Lương", 4),
	wp("Cao", 4), wp("Hà", 5), wp("Tạ", 3), wp("Lưu", 3), wp("Tô", 3), wp("Kiều", 2), wp("Khuất", 1), wp("Nghiêm", 1),
)

var familySouth = newWeighted(
	wp("Nguyễn", 380), wp("Trần", 110), wp("Lê", 95), wp("Phạm", 71), wp("Huỳnh", 40), wp("Hoàng", 11),
	wp("Phan", 45), wp("Võ", 30), wp("Vũ", 9), wp("Đặng", 21), wp("Bùi", 20), wp("Đỗ", 14), wp("Hồ", 13),
	wp("Ngô", 13), wp("Dương", 10), wp("Lý", 5), wp("Đinh", 6), wp("Đoàn", 7), wp("Trương", 8), wp("Lâm", 5),
	wp("Mai", 5), wp("Châu", 3), wp("Thái", 3), wp("Quách", 2), wp("Lương", 4), wp("Cao", 4), wp("Tô", 3),
)

var middleMale = newWeighted(
	wp("Văn", 30), wp("Đức", 10), wp("Minh", 12), wp("Quang", 8), wp("Hữu", 6), wp("Công", 6), wp("Thành", 6),
	wp("Xuân", 4), wp("Hoàng", 5), wp("Ngọc", 4), wp("Anh", 5), wp("Duy", 4), wp("Quốc", 6), wp("Tuấn", 3),
	wp("Trung", 3), wp("Tiến", 3), wp("Việt", 3), wp("Thanh", 4), wp("Gia", 3), wp("Nhật", 2), wp("Đình", 4),
)

var middleFemale = newWeighted(
	wp("Thị", 40), wp("Ngọc", 8), wp("Thu", 6), wp("Thanh", 6), wp("Minh", 4), wp("Phương", 4), wp("Hồng", 4),
	wp("Kim", 4), wp("Bảo", 3), wp("Mai", 3), wp("Khánh", 3), wp("Thùy", 4), wp("Hoài", 2), wp("Diệu", 2),
	wp("Quỳnh", 2), wp("Hải", 2), wp("Thảo", 2), wp("Tuyết", 2), wp("Mỹ", 2), wp("Bích", 2),
)

var givenMale = []string{
	"An", "Anh", "Bảo", "Bình", "Cường", "Chiến", "Dũng", "Duy", "Dương", "Đạt", "Đức", "Giang", "Hải", "Hiếu",
	"Hoàng", "Hùng", "Huy", "Hưng", "Khang", "Khánh", "Khoa", "Kiên", "Lâm", "Long", "Lộc", "Luân", "Minh",
	"Nam", "Nghĩa", "Nhân", "Phong", "Phúc", "Phước", "Quân", "Quang", "Quyết", "Sơn", "Tài", "Tâm", "Thắng",
	"Thành", "Thịnh", "Toàn", "Trí", "Trung", "Trường", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Hậu", "Thái",
}

var givenFemale = []string{
	"An", "Anh", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hân", "Hằng", "Hạnh", "Hiền", "Hoa", "Hồng", "Huyền",
	"Hương", "Lan", "Linh", "Loan", "Ly", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung", "Nhi", "Oanh", "Phương",
	"Quyên", "Quỳnh", "Tâm", "Thảo", "Thư", "Thủy", "Trang", "Trâm", "Uyên", "Vân", "Vy", "Xuân", "Yến", "Điệp",
}

// Ethnic groups (dân tộc) and their family names.
var (
	minorityNorth = newWeighted(wp("Tày", 30), wp("Thái", 28), wp("Mường", 22), wp("H'Mông", 18), wp("Nùng", 16), wp("Dao", 12))
	minorityHigh  = newWeighted(wp("Ê Đê", 30), wp("Gia Rai", 30), wp("Ba Na", 12), wp("Tày", 8), wp("Nùng", 8), wp("Mường", 4))
	minoritySouth = newWeighted(wp("Khmer", 60), wp("Hoa", 30), wp("Chăm", 8), wp("Xtiêng", 4))

	familyOf = map[string][]string{
		"Tày":     {"Hoàng", "Nông", "Lục", "Hà", "Ma", "Nguyễn", "Lương"},
		"Thái":    {"Lò", "Lường", "Quàng", "Cầm", "Vi", "Hà", "Lự"},
		"Mường":   {"Bùi", "Đinh", "Quách", "Hà", "Xa"},
		"H'Mông":  {"Giàng", "Sùng", "Thào", "Vàng", "Lầu", "Mùa", "Hờ"},
		"Nùng":    {"Nông", "Hoàng", "Lý", "Triệu", "Lương"},
		"Dao":     {"Triệu", "Bàn", "Đặng", "Lý", "Chảo"},
		"Khmer":   {"Thạch", "Sơn", "Danh", "Kim", "Lâm", "Chau"},
		"Hoa":     {"Lý", "Trương", "Quách", "Lâm", "Châu", "Mạc", "Tăng"},
		"Chăm":    {"Thuận", "Đàng", "Quảng", "Lưu", "Bá"},
		"Xtiêng":  {"Điểu", "Lâm"},
		"Ba Na":   {"Đinh", "Rơ Châm"},
		"Ê Đê":    {"Niê", "Êban", "Mlô", "Byă", "Adrơng", "Ayun"},
		"Gia Rai": {"Ksor", "Rmah", "Siu", "Nay", "Kpă", "Rơ Châm"},
	}

	religionOf = map[string]*weighted[string]{
		"":        newWeighted(wp("Không", 800), wp("Phật giáo", 100), wp("Công giáo", 60), wp("Cao Đài", 15), wp("Phật giáo Hòa Hảo", 10), wp("Tin Lành", 10), wp("Hồi giáo", 2)),
		"Khmer":   newWeighted(wp("Phật giáo", 80), wp("Không", 20)),
		"Hoa":     newWeighted(wp("Không", 60), wp("Phật giáo", 35), wp("Công giáo", 5)),
		"Chăm":    newWeighted(wp("Hồi giáo", 40), wp("Bà-la-môn", 30), wp("Không", 30)),
		"Ê Đê":    newWeighted(wp("Không", 45), wp("Tin Lành", 35), wp("Công giáo", 20)),
		"Gia Rai": newWeighted(wp("Không", 45), wp("Tin Lành", 35), wp("Công giáo", 20)),
		"H'Mông":  newWeighted(wp("Không", 80), wp("Tin Lành", 20)),
	}
)

func wp(s string, w int) wpair[string] { return wpair[string]{s, w} }

// person is a generated identity.
type person struct {
	name, gender, ethnicity, religion string
}

// newPerson draws a person. minority is the chance that the person belongs
// to a minority people (higher in units of difficult areas).
func newPerson(r *rng, reg region, minority float64) person {
	p := person{gender: cadre.Male, ethnicity: "Kinh"}
	if r.chance(0.47) {
		p.gender = cadre.Female
	}
	if r.chance(minority) {
		switch reg {
		case highlands:
			p.ethnicity = minorityHigh.pick(r)
		case south:
			p.ethnicity = minoritySouth.pick(r)
		default:
			p.ethnicity = minorityNorth.pick(r)
		}
	}
	p.name = fullName(r, reg, p.gender, p.ethnicity)
	rel := religionOf[p.ethnicity]
	if rel == nil {
		rel = religionOf[""]
	}
	p.religion = rel.pick(r)
	return p
}

func fullName(r *rng, reg region, gender, ethnicity string) string {
	given := givenMale
	middle := middleMale
	if gender == cadre.Female {
		given, middle = givenFemale, middleFemale
	}
	switch ethnicity {
	case "Kinh":
		family := familyNorth
		if reg != north {
			family = familySouth
		}
		parts := []string{family.pick(r)}
		m := middle.pick(r)
		if r.chance(0.15) {
			if m2 := middle.pick(r); m2 != m {
				parts = append(parts, m2)
			}
		}
		parts = append(parts, m, pick(r, given))
		return strings.Join(parts, " ")
	case "Ê Đê", "Gia Rai":
		// Given name first with the gender particle, family name last:
		// "H'Linh Niê", "Y Bình Êban".
		particle := "Y "
		if gender == cadre.Female {
			particle = "H'"
		}
		return particle + pick(r, given) + " " + pick(r, familyOf[ethnicity])
	default:
		m := middle.pick(r)
		return pick(r, familyOf[ethnicity]) + " " + m + " " + pick(r, given)
	}
}
