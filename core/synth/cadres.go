package synth

import (
	"fmt"
	"strings"
	"time"

	"doanbd/core/cadre"
	"doanbd/core/vntext"
)

// Cadre is a generated cadre with its plaintext sensitive fields (sealed
// when written), its position history, planning-pool place and training
// history.
type Cadre struct {
	ID, FullName              string
	BirthDate                 cadre.Date
	Gender, Phone, Email      string
	UnitID, Title, Employment string
	Status                    string
	LeftOn                    cadre.Date
	CCCD, Ethnicity, Religion string
	CreatedAt                 time.Time
	Positions                 []Position
	Planning                  *Planning
	Enrolments                []Enrolment
}

// Position is one row of the position history (table cadre_positions).
type Position struct {
	ID, Kind, UnitID, Title string
	StartedOn, EndedOn      cadre.Date
	Decision                string
}

// Planning is a place in the planning pool (table cadre_planning).
type Planning struct {
	ID, Title    string
	Since, Until cadre.Date
}

// slot is a post to fill: a title in a unit.
type slot struct {
	unit  *Unit
	title string
}

// slots lists the posts of the tree in order: the standing committee, then
// the districts, grassroots unions and chi đoàn.
func slots(r *rng, tr *tree, n int) []slot {
	out := make([]slot, 0, n)
	add := func(u *Unit, title string, k int) {
		for i := 0; i < k && len(out) < n; i++ {
			out = append(out, slot{u, title})
		}
	}
	if tr.root.Level == cadre.LevelTinh {
		add(tr.root, "bi_thu_tinh", 1)
		add(tr.root, "pho_bi_thu_tinh", r.between(2, 3))
		add(tr.root, "uy_vien_btv_tinh", min(15, max(3, n/1000)))
	}
	add(tr.root, "can_bo_chuyen_trach", max(2, n/250))
	add(tr.root, "giang_vien", max(1, n/1500))
	for _, d := range tr.districts {
		add(d, "bi_thu_huyen", 1)
		add(d, "pho_bi_thu_huyen", 2)
		add(d, "chu_tich_hoi_lhtn_huyen", 1)
		add(d, "chu_tich_hoi_dong_doi_huyen", 1)
		add(d, "can_bo_chuyen_trach", 3)
	}
	for _, c := range tr.communes {
		add(c, "bi_thu_xa", 1)
		add(c, "pho_bi_thu_xa", r.between(1, 2))
		add(c, "chu_tich_hoi_lhtn_co_so", 1)
		add(c, "chu_tich_hoi_dong_doi_co_so", 1)
	}
	for _, b := range tr.branches {
		add(b, "bi_thu_chi_doan", 1)
	}
	// The rest: staff of grassroots unions, and people who held a post and
	// left (about a third of the rest).
	for len(out) < n {
		if r.chance(0.35) {
			out = append(out, slot{pick(r, tr.branches), ""}) // "" marks a former holder
		} else {
			out = append(out, slot{pick(r, tr.communes), "can_bo_chuyen_trach"})
		}
	}
	return out
}

// employmentFor draws the employment of a title.
func employmentFor(r *rng, title, level string) string {
	switch {
	case level == cadre.LevelTinh || level == cadre.LevelTW || level == cadre.LevelHuyen:
		if r.chance(0.9) {
			return cadre.FullTime
		}
		return cadre.PartTime
	case title == "bi_thu_xa":
		if r.chance(0.7) {
			return cadre.FullTime
		}
		return cadre.PartTime
	case level == cadre.LevelCoSo:
		if r.chance(0.5) {
			return cadre.PartTime
		}
		return cadre.Concurrent
	}
	if r.chance(0.95) {
		return cadre.Concurrent
	}
	return cadre.PartTime
}

// ageRange is the span of birth years for a title's level.
func birthYears(level string) (int, int) {
	switch level {
	case cadre.LevelTW, cadre.LevelTinh:
		return 1986, 1996
	case cadre.LevelHuyen:
		return 1988, 1998
	case cadre.LevelCoSo:
		return 1990, 2003
	}
	return 1992, 2006
}

// poolFor is the key title a cadre of title may be planned for, and how
// likely that is.
func poolFor(title string) (string, float64) {
	switch title {
	case "pho_bi_thu_tinh":
		return "bi_thu_tinh", 0.5
	case "uy_vien_btv_tinh":
		return "pho_bi_thu_tinh", 0.4
	case "pho_bi_thu_huyen":
		return "bi_thu_huyen", 0.5
	case "pho_bi_thu_xa":
		return "bi_thu_xa", 0.5
	case "chu_tich_hoi_lhtn_co_so", "chu_tich_hoi_dong_doi_co_so", "can_bo_chuyen_trach":
		return "pho_bi_thu_xa", 0.2
	case "bi_thu_chi_doan":
		return "pho_bi_thu_xa", 0.05
	}
	return "", 0
}

var mobilePrefix = []string{"3", "5", "7", "8", "9"}

// cadres generates n cadres for the tree.
func cadres(r *rng, t Tenant, tr *tree, n int, asOf cadre.Date) []Cadre {
	out := make([]Cadre, 0, n)
	reg := regionOf(t.Code)
	used := make(map[string]struct{}, n)
	for _, s := range slots(r, tr, n) {
		title, former := s.title, s.title == ""
		if former {
			title = "bi_thu_chi_doan"
		}
		minority := 0.06
		if s.unit.Difficult {
			minority = 0.45
		}
		p := newPerson(r, reg, minority)
		lo, hi := birthYears(s.unit.Level)
		birth := r.dateBetween(cadre.NewDate(lo, 1, 1), cadre.NewDate(hi, 12, 31))
		c := Cadre{ID: r.id(), FullName: vntext.Clean(p.name), BirthDate: birth, Gender: p.gender,
			UnitID: s.unit.ID, Title: title, Employment: employmentFor(r, title, s.unit.Level), Status: cadre.Active,
			Ethnicity: p.ethnicity, Religion: p.religion}
		if r.chance(0.92) {
			c.Phone = "+84" + pick(r, mobilePrefix) + fmt.Sprintf("%08d", r.IntN(100_000_000))
		}
		if r.chance(0.6) {
			c.Email = email(r, c.FullName, birth)
		}
		if r.chance(0.95) {
			c.CCCD = cccd(r, t, birth, p.gender, used)
		}
		since := r.dateBetween(cadre.NewDate(2019, 1, 1), cadre.DateOf(asOf.Time().AddDate(0, -1, 0)))
		if !s.unit.ValidTo.IsZero() && since.After(s.unit.ValidTo) {
			since = r.dateBetween(cadre.NewDate(2019, 1, 1), cadre.NewDate(2025, 3, 31))
		}
		c.CreatedAt = createdAt(r, since)
		c.Positions = []Position{{ID: r.id(), Kind: cadre.Appointed, UnitID: c.UnitID, Title: c.Title, StartedOn: since,
			Decision: fmt.Sprintf("%d-QĐ/TĐTN", r.between(10, 999))}}
		switch {
		case former:
			c.leave(r, r.dateBetween(since, asOf))
		case !s.unit.ValidTo.IsZero():
			// The district level ended: half of its cadres moved up to the
			// province's standing office, the others left.
			if r.chance(0.5) {
				c.moveTo(r, tr.root, s.unit.ValidTo)
			} else {
				c.leave(r, s.unit.ValidTo)
			}
		}
		if key, p := poolFor(c.Title); key != "" && c.Status == cadre.Active && r.chance(p) {
			c.Planning = &Planning{ID: r.id(), Title: key, Since: r.dateBetween(cadre.NewDate(2022, 1, 1), cadre.NewDate(2025, 12, 31))}
		}
		out = append(out, c)
	}
	return out
}

// leave ends the open position and marks the cadre as left on d.
func (c *Cadre) leave(r *rng, d cadre.Date) {
	c.Positions[len(c.Positions)-1].EndedOn = d
	c.Positions = append(c.Positions, Position{ID: r.id(), Kind: cadre.LeftPost, StartedOn: d})
	c.Status, c.LeftOn = cadre.Left, d
}

// moveTo moves the cadre to the standing office the day after ended.
func (c *Cadre) moveTo(r *rng, root *Unit, ended cadre.Date) {
	on := cadre.DateOf(ended.Time().AddDate(0, 0, 1))
	c.Positions[len(c.Positions)-1].EndedOn = ended
	c.UnitID, c.Title = root.ID, "can_bo_chuyen_trach"
	c.Positions = append(c.Positions, Position{ID: r.id(), Kind: cadre.Moved, UnitID: root.ID, Title: c.Title, StartedOn: on,
		Decision: fmt.Sprintf("%d-QĐ/TĐTN", r.between(10, 999))})
}

// cadreEpoch is when the roster was first filled in the system.
var cadreEpoch = time.Date(2023, 3, 1, 1, 0, 0, 0, time.UTC)

func createdAt(r *rng, since cadre.Date) time.Time {
	t := since.Time()
	if t.Before(cadreEpoch) {
		t = cadreEpoch.AddDate(0, 0, r.IntN(90))
	}
	return t.Add(time.Duration(r.IntN(10*3600)) * time.Second).Add(time.Duration(r.IntN(1000)) * time.Millisecond)
}

// cccd returns a 12-digit citizen id consistent with the soft check of
// cadre.CheckCCCD (province of registration, century and gender, birth
// year), unique within the tenant.
func cccd(r *rng, t Tenant, birth cadre.Date, gender string, used map[string]struct{}) string {
	prov := t.Code
	if prov == "" {
		prov = pick(r, provinceCodes)
	}
	y := birth.Time().Year()
	g := (y/100 - 19) * 2
	if gender == cadre.Female {
		g++
	}
	prefix := fmt.Sprintf("0%s%d%02d", prov, g, y%100)
	for {
		c := prefix + fmt.Sprintf("%06d", r.IntN(1_000_000))
		if _, dup := used[c]; !dup {
			used[c] = struct{}{}
			return c
		}
	}
}

// provinceCodes are the 34 codes in force since 1 July 2025.
var provinceCodes = strings.Fields("01 04 08 11 12 14 15 19 20 22 24 25 31 33 37 38 40 42 44 46 48 51 52 56 66 68 75 79 80 82 86 91 92 96")

var mailDomains = []string{"gmail.com", "gmail.com", "gmail.com", "yahoo.com.vn", "outlook.com", "doanthanhnien.vn"}

// email makes an address from the name: "Nguyễn Văn An" born 1995 →
// "annv95@gmail.com".
func email(r *rng, name string, birth cadre.Date) string {
	ws := vntext.Words(name)
	if len(ws) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(ws[len(ws)-1])
	for _, w := range ws[:len(ws)-1] {
		b.WriteByte(w[0])
	}
	fmt.Fprintf(&b, "%02d%d@%s", birth.Time().Year()%100, r.IntN(100), pick(r, mailDomains))
	return b.String()
}
