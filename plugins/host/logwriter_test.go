package host

import (
	"log/slog"
	"strings"
	"testing"
)

func TestLineLogger(t *testing.T) {
	logs := &logBuffer{}
	w := newLineLogger(slog.New(logs), "stderr", 1e9, 1000)
	// go-plugin writes a line and its newline separately; lines may also arrive in pieces.
	for _, chunk := range []string{`{"time":"2026-11-25T10:00:00Z","level":"WARN","msg":"norms ta`, `ble old","table":"p79.yaml"}`, "\n",
		"plain line\r\n", "\n", `{"@level":"error","@message":"hclog says","@timestamp":"x"}` + "\n",
		strings.Repeat("x", 10000) + "\n", "partial"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	type rec struct {
		lvl slog.Level
		msg string
	}
	var got []rec
	attrs := map[string]string{}
	for _, r := range logs.recs {
		got = append(got, rec{r.Level, r.Message})
		r.Attrs(func(a slog.Attr) bool { attrs[r.Message+"."+a.Key] = a.Value.String(); return true })
	}
	want := []rec{{slog.LevelWarn, "norms table old"}, {slog.LevelWarn, "plugin stderr"}, {slog.LevelError, "hclog says"},
		{slog.LevelWarn, "plugin stderr"}, {slog.LevelWarn, "plugin stderr"}}
	if len(got) != len(want) {
		t.Fatalf("records %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d = %v, want %v", i, got[i], want[i])
		}
	}
	if attrs["norms table old.plugin_table"] != "p79.yaml" {
		t.Errorf("attributes %v", attrs)
	}
	var long int
	for _, r := range logs.recs[3:4] {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "line" {
				long = len(a.Value.String())
			}
			return true
		})
	}
	if long != maxLogLine {
		t.Errorf("long line logged with %d bytes, want it cut to %d", long, maxLogLine)
	}
}

func TestLineLoggerRateLimit(t *testing.T) {
	logs := &logBuffer{}
	w := newLineLogger(slog.New(logs), "stdout", 0.001, 5)
	for range 100 {
		if _, err := w.Write([]byte("spam\n")); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if n := logs.count("plugin wrote to stdout; plugins must log to stderr"); n != 5 {
		t.Errorf("%d lines logged, want the burst of 5", n)
	}
	var dropped int64
	for _, r := range logs.recs {
		if r.Message == "plugin output lines dropped by the rate limit" {
			r.Attrs(func(a slog.Attr) bool {
				if a.Key == "dropped" {
					dropped = a.Value.Int64()
				}
				return true
			})
		}
	}
	if dropped != 95 {
		t.Errorf("dropped = %d, want 95", dropped)
	}
}
