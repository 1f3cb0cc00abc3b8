package budget

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar date (no time of day, no zone), as plans, classes and
// rate tables use them. JSON and the database hold it as "2006-01-02"; the
// zero Date is null.
type Date struct{ t time.Time }

// NewDate returns the date y-m-d.
func NewDate(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

// ParseDate reads "2006-01-02".
func ParseDate(s string) (Date, error) {
	if s == "" {
		return Date{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// DateOf returns the calendar date of t in t's zone.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return NewDate(y, m, d)
}

// IsZero reports the null date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Time is midnight UTC of d.
func (d Date) Time() time.Time { return d.t }

// Year of d.
func (d Date) Year() int { return d.t.Year() }

// Before, After and Equal compare dates.
func (d Date) Before(o Date) bool { return d.t.Before(o.t) }

// After reports d after o.
func (d Date) After(o Date) bool { return d.t.After(o.t) }

// Equal reports d equal to o.
func (d Date) Equal(o Date) bool { return d.t.Equal(o.t) }

// DaysTo counts the days from d to o, both included (a class from the 5th
// to the 7th lasts 3 days).
func (d Date) DaysTo(o Date) int { return int(o.t.Sub(d.t).Hours()/24) + 1 }

// String is "2006-01-02" ("" for the zero date).
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// VN is the date as Vietnamese documents write it: "05/03/2026".
func (d Date) VN() string { return d.t.Format("02/01/2006") }

// MarshalJSON writes "2006-01-02", or null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "2006-01-02" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date: want a string YYYY-MM-DD")
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalText writes "2006-01-02" (YAML, query strings).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "2006-01-02".
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Value stores the date as "2006-01-02" (TEXT on SQLite, DATE on
// PostgreSQL), or NULL.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a DATE (time.Time) or TEXT column.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		*d = DateOf(v)
		return nil
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	}
	return fmt.Errorf("scan date: unsupported type %T", src)
}

func (d *Date) scanText(s string) error {
	if len(s) >= 10 {
		s = s[:10] // "2026-03-05 00:00:00+00:00" from a timestamp-typed read
	}
	v, err := ParseDate(s)
	if err != nil {
		return fmt.Errorf("scan date: %w", err)
	}
	*d = v
	return nil
}
