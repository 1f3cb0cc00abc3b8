package i18n

import (
	"strconv"
	"strings"
	"time"
)

// Vietnam has used UTC+7 without daylight saving since 1975; a fixed zone
// avoids depending on the tz database of the host.
var vietnam = time.FixedZone("ICT", 7*60*60)

// Local converts a stored UTC time to Vietnam time.
func Local(t time.Time) time.Time { return t.In(vietnam) }

// Date formats t as dd/mm/yyyy in Vietnam time; the zero time is "".
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return Local(t).Format("02/01/2006")
}

// DateTime formats t as dd/mm/yyyy hh:mm in Vietnam time; the zero time is "".
func DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return Local(t).Format("02/01/2006 15:04")
}

// ParseDate reads dd/mm/yyyy (also d/m/yyyy) as a calendar date at midnight UTC.
func ParseDate(s string) (time.Time, error) {
	return time.Parse("2/1/2006", strings.TrimSpace(s))
}

// Int formats n with dots between thousands: 1.500.000.
func Int(n int64) string {
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	s := strconv.FormatUint(u, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 && !(neg && b.Len() == 1) {
			b.WriteByte('.')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// Money formats an amount in đồng: 1.500.000 đ. The same form is used in both
// languages because every amount in the system is in đồng and the documents
// the users file are Vietnamese.
func Money(dong int64) string { return Int(dong) + " đ" }

// ParseMoney reads an amount typed by a user: digits with optional dots,
// spaces or commas between thousands and an optional "đ"/"đồng" suffix.
func ParseMoney(s string) (int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, "đồng")
	s = strings.TrimSuffix(s, "đ")
	s = strings.TrimSpace(s)
	s = strings.NewReplacer(".", "", ",", "", " ", "", "\u00a0", "").Replace(s)
	return strconv.ParseInt(s, 10, 64)
}
