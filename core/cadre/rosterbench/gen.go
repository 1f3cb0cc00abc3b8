// Package rosterbench measures the roster at scale for `doanbd bench`: an
// Excel import of 100,000 rows end to end against a raw bulk insert of the
// same rows, and list and search latencies on a roster of 500,000 cadres,
// on SQLite and PostgreSQL. It brings its own fast generator of synthetic
// cadres with Vietnamese names, all in one tenant (the worst case for a
// tenant-scoped query); core/synth spreads a national roster over every
// tenant for demonstrations.
package rosterbench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"doanbd/core/cadre"
	"doanbd/core/cadre/roster"
)

// Names, weighted roughly by their frequency in Việt Nam.
var (
	families = weighted{{"Nguyễn", 38}, {"Trần", 11}, {"Lê", 9}, {"Phạm", 7}, {"Hoàng", 4}, {"Huỳnh", 3},
		{"Phan", 4}, {"Vũ", 3}, {"Võ", 3}, {"Đặng", 2}, {"Bùi", 2}, {"Đỗ", 2}, {"Hồ", 2}, {"Ngô", 2},
		{"Dương", 1}, {"Lý", 1}, {"Đinh", 1}, {"Đoàn", 1}, {"Trương", 1}, {"Mai", 1}, {"Lâm", 1}, {"Hà", 1}}
	middlesMale   = []string{"Văn", "Minh", "Đức", "Quang", "Hữu", "Công", "Thành", "Hoàng", "Ngọc", "Anh", "Quốc", "Xuân", "Thanh", "Tiến", "Đình", "Trọng"}
	middlesFemale = []string{"Thị", "Thị Thu", "Thị Thanh", "Ngọc", "Thu", "Thanh", "Minh", "Hồng", "Phương", "Thùy", "Bích", "Mỹ", "Kim", "Diệu"}
	givensMale    = []string{"An", "Anh", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Đức", "Hải", "Hiếu", "Hòa", "Hoàng", "Hùng", "Huy", "Khang", "Khánh", "Khoa", "Kiên", "Lâm", "Long", "Lộc", "Mạnh", "Minh", "Nam", "Nghĩa", "Nhân", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài", "Tâm", "Thắng", "Thành", "Thiện", "Thịnh", "Tiến", "Toàn", "Trí", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ"}
	givensFemale  = []string{"An", "Anh", "Ánh", "Châu", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Huyền", "Hương", "Lan", "Liên", "Linh", "Loan", "Ly", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quyên", "Quỳnh", "Tâm", "Thảo", "Thu", "Thủy", "Trang", "Trâm", "Uyên", "Vân", "Vy", "Xuân", "Yến"}
	ethnicities   = weighted{{"Kinh", 85}, {"Tày", 2}, {"Thái", 2}, {"Mường", 2}, {"Khmer", 2}, {"Hoa", 1}, {"Nùng", 1}, {"H'Mông", 1}, {"Dao", 1}, {"Ê Đê", 1}}
)

type weighted []struct {
	v string
	w int
}

func (ws weighted) pick(r *rand.Rand) string {
	total := 0
	for _, x := range ws {
		total += x.w
	}
	n := r.IntN(total)
	for _, x := range ws {
		if n < x.w {
			return x.v
		}
		n -= x.w
	}
	return ws[0].v
}

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

// Tree is a synthetic province: its units by level.
type Tree struct {
	Province  cadre.Unit
	Districts []cadre.Unit
	Communes  []cadre.Unit
	Branches  []cadre.Unit
}

// Units creates a province union with districts, communes under them and
// chi đoàn under the communes.
func Units(ctx context.Context, s *roster.Service, tenant string, districts, communesPer, branchesPer int) (Tree, error) {
	var tr Tree
	var err error
	mk := func(parent, code, name, level string) (cadre.Unit, error) {
		return s.CreateUnit(ctx, tenant, cadre.UnitInput{ParentID: parent, Code: code, Name: name, Level: level})
	}
	if tr.Province, err = mk("", "TD", "Tỉnh đoàn", cadre.LevelTinh); err != nil {
		return tr, err
	}
	for d := 1; d <= districts; d++ {
		du, err := mk(tr.Province.ID, fmt.Sprintf("H%02d", d), fmt.Sprintf("Huyện đoàn số %d", d), cadre.LevelHuyen)
		if err != nil {
			return tr, err
		}
		tr.Districts = append(tr.Districts, du)
		for c := 1; c <= communesPer; c++ {
			cu, err := mk(du.ID, fmt.Sprintf("X%02d%02d", d, c), fmt.Sprintf("Đoàn xã %d-%d", d, c), cadre.LevelCoSo)
			if err != nil {
				return tr, err
			}
			tr.Communes = append(tr.Communes, cu)
			for b := 1; b <= branchesPer; b++ {
				bu, err := mk(cu.ID, fmt.Sprintf("CD%02d%02d%02d", d, c, b), fmt.Sprintf("Chi đoàn %d-%d-%d", d, c, b), cadre.LevelChiDoan)
				if err != nil {
					return tr, err
				}
				tr.Branches = append(tr.Branches, bu)
			}
		}
	}
	return tr, nil
}

// Person returns the i-th synthetic cadre (deterministic for a seed). CCCDs
// and phone numbers are unique for i below a million.
func Person(r *rand.Rand, tr Tree, i int) cadre.CadreInput {
	male := r.IntN(2) == 0
	var name string
	if male {
		name = families.pick(r) + " " + pick(r, middlesMale) + " " + pick(r, givensMale)
	} else {
		name = families.pick(r) + " " + pick(r, middlesFemale) + " " + pick(r, givensFemale)
	}
	year := 1985 + r.IntN(21)
	birth := cadre.NewDate(year, time.Month(1+r.IntN(12)), 1+r.IntN(28))
	gender, gdigit := cadre.Male, (year/100-19)*2
	if !male {
		gender, gdigit = cadre.Female, gdigit+1
	}
	cccd := fmt.Sprintf("079%d%02d%06d", gdigit, year%100, i%1_000_000)
	phone := fmt.Sprintf("09%08d", i%100_000_000)
	eth := ethnicities.pick(r)
	rel := ""
	if r.IntN(10) == 0 {
		rel = "Phật giáo"
	}
	in := cadre.CadreInput{FullName: name, BirthDate: birth, Gender: gender, CCCD: &cccd, Ethnicity: &eth, Religion: &rel,
		Phone: phone, PositionSince: cadre.NewDate(2020+r.IntN(6), 1, 1)}
	switch n := r.IntN(100); {
	case n < 2:
		in.UnitID, in.Title, in.Employment = tr.Province.ID, "uy_vien_btv_tinh", cadre.FullTime
	case n < 8:
		in.UnitID, in.Title, in.Employment = pickUnit(r, tr.Districts), "pho_bi_thu_huyen", cadre.FullTime
	case n < 25:
		in.UnitID, in.Title, in.Employment = pickUnit(r, tr.Communes), "bi_thu_xa", cadre.PartTime
	default:
		in.UnitID, in.Title, in.Employment = pickUnit(r, tr.Branches), "bi_thu_chi_doan", cadre.Concurrent
	}
	return in
}

func pickUnit(r *rand.Rand, us []cadre.Unit) string { return us[r.IntN(len(us))].ID }

// PlanningFor draws whether the cadre just drawn is in a planning pool (one
// in twenty; since 2024-01-01) and for which key title ("" for none).
func PlanningFor(r *rand.Rand) string {
	if r.IntN(20) != 0 {
		return ""
	}
	if r.IntN(3) == 0 {
		return "bi_thu_huyen"
	}
	return "bi_thu_xa"
}
