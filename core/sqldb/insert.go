package sqldb

import (
	"strconv"
	"strings"
)

// MultiInsert is INSERT INTO table (cols) VALUES (…), … for n rows with the
// dialect's placeholders ($1… on PostgreSQL, ? on SQLite): one prepared
// statement for a batch of bulk-written rows (the import's staging, the
// benchmarks' loads).
func MultiInsert(dialect, table string, cols []string, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	k := 0
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j := range cols {
			if j > 0 {
				b.WriteByte(',')
			}
			k++
			if dialect == Postgres {
				b.WriteString("$" + strconv.Itoa(k))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}
