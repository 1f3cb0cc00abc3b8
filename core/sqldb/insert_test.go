package sqldb

import "testing"

func TestMultiInsert(t *testing.T) {
	for _, c := range []struct{ dialect, want string }{
		{Postgres, "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)"},
		{SQLite, "INSERT INTO t (a, b) VALUES (?,?),(?,?)"},
	} {
		if got := MultiInsert(c.dialect, "t", []string{"a", "b"}, 2); got != c.want {
			t.Errorf("%s: %q, want %q", c.dialect, got, c.want)
		}
	}
}
