package cadre

import (
	"database/sql/driver"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Date is a civil date (no time, no zone): birth dates, appointment dates,
// validity of units. The zero Date means "none": stored as NULL, shown as
// JSON null. It is stored as 'YYYY-MM-DD' text on SQLite and DATE on
// PostgreSQL; both compare in date order.
type Date struct{ t time.Time }

// NewDate returns the date y-m-d.
func NewDate(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

// DateOf returns the civil date of t in UTC.
func DateOf(t time.Time) Date {
	t = t.UTC()
	return NewDate(t.Year(), t.Month(), t.Day())
}

// Today is the current date in Vietnam (UTC+7), where the union works.
func Today() Date { return DateOf(time.Now().UTC().Add(7 * time.Hour)) }

// IsZero reports a missing date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Time returns midnight UTC of the date.
func (d Date) Time() time.Time { return d.t }

// Before reports d < e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports d > e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// String is ISO 8601 (2025-06-30), or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// VN is the Vietnamese form dd/mm/yyyy, or "".
func (d Date) VN() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format("02/01/2006")
}

// ParseISO parses 2025-06-30; "" is the zero date.
func ParseISO(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q is not yyyy-mm-dd", s)
	}
	return Date{t}, nil
}

// Value implements driver.Valuer.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan implements sql.Scanner: dates arrive as time.Time (PostgreSQL DATE,
// or SQLite drivers that parse) or text.
func (d *Date) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = NewDate(x.Year(), x.Month(), x.Day())
	case string:
		return d.scanText(x)
	case []byte:
		return d.scanText(string(x))
	default:
		return fmt.Errorf("scan date from %T", v)
	}
	return nil
}

func (d *Date) scanText(s string) error {
	if len(s) >= 10 {
		s = s[:10]
	}
	p, err := ParseISO(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// MarshalJSON writes "2025-06-30" or null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON reads "2025-06-30", "" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*d = Date{}
		return nil
	}
	u, err := strconv.Unquote(s)
	if err != nil {
		return fmt.Errorf("date must be a string yyyy-mm-dd")
	}
	p, err := ParseISO(u)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

var vnDate = regexp.MustCompile(`^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$`)

// ParseCell reads a date the way people type it in a spreadsheet: dd/mm/yyyy
// (also with - or . and one-digit day or month), yyyy-mm-dd, or an Excel date
// serial number (days since 1899-12-30, as Excel stores dates). ok is false
// when s is none of these or not a real calendar date.
func ParseCell(s string) (d Date, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, false
	}
	if m := vnDate.FindStringSubmatch(s); m != nil {
		day, _ := strconv.Atoi(m[1])
		mon, _ := strconv.Atoi(m[2])
		yr, _ := strconv.Atoi(m[3])
		return civil(yr, mon, day)
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return Date{t}, true
	}
	if t, err := time.Parse("2006-01-02T15:04:05Z", s); err == nil {
		return DateOf(t), true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 1 && f < 2958466 && !math.IsNaN(f) {
		return FromSerial(f), true
	}
	return Date{}, false
}

// FromSerial converts an Excel serial date (1900 date system). Excel counts
// 1900-02-29, a day that never was, so serials from 61 on are one day ahead
// of a plain count from 1899-12-31.
func FromSerial(f float64) Date {
	n := int(math.Floor(f))
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if n < 61 {
		base = base.AddDate(0, 0, 1)
	}
	return Date{base.AddDate(0, 0, n)}
}

func civil(y, m, d int) (Date, bool) {
	if y < 1000 || m < 1 || m > 12 || d < 1 || d > 31 {
		return Date{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return Date{}, false // 31/02 and friends
	}
	return Date{t}, true
}
