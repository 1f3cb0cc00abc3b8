package host

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"golang.org/x/time/rate"
)

// maxLogLine caps one logged line; longer lines are cut.
const maxLogLine = 4096

// lineLogger copies a plugin's output into the host log, one record per
// line, tagged with the plugin's name. JSON lines from the sdk's logger keep
// their level, message and attributes. A plugin that floods its stderr is
// cut by a rate limit: dropped lines are counted and the count logged, and
// Write never blocks the plugin for long.
type lineLogger struct {
	log    *slog.Logger
	stream string // "stderr" or "stdout"
	lim    *rate.Limiter

	mu      sync.Mutex
	buf     []byte
	cut     bool
	dropped int
}

func newLineLogger(log *slog.Logger, stream string, perSecond float64, burst int) *lineLogger {
	return &lineLogger{log: log, stream: stream, lim: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

func (w *lineLogger) Write(p []byte) (int, error) {
	n := len(p)
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := maxLogLine - len(w.buf); room < len(chunk) {
			w.buf = append(w.buf, chunk[:max(room, 0)]...)
			w.cut = true
		} else {
			w.buf = append(w.buf, chunk...)
		}
		if i < 0 {
			break
		}
		w.emit()
		p = p[i+1:]
	}
	return n, nil
}

// Flush logs a pending partial line and the count of dropped lines.
func (w *lineLogger) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit()
	}
	if w.dropped > 0 {
		w.log.Warn("plugin output lines dropped by the rate limit", "stream", w.stream, "dropped", w.dropped)
		w.dropped = 0
	}
}

func (w *lineLogger) emit() {
	line := string(bytes.TrimRight(w.buf, "\r"))
	cut := w.cut
	w.buf, w.cut = w.buf[:0], false
	if strings.TrimSpace(line) == "" {
		return
	}
	if !w.lim.Allow() {
		w.dropped++
		return
	}
	if w.dropped > 0 {
		w.log.Warn("plugin output lines dropped by the rate limit", "stream", w.stream, "dropped", w.dropped)
		w.dropped = 0
	}
	if w.stream == "stdout" {
		w.log.Warn("plugin wrote to stdout; plugins must log to stderr", "line", line, "truncated", cut)
		return
	}
	if lvl, msg, attrs, ok := parseJSONLog(line); ok {
		w.log.Log(context.Background(), lvl, msg, attrs...)
		return
	}
	w.log.Warn("plugin stderr", "line", line, "truncated", cut)
}

// parseJSONLog reads a line written by slog's JSON handler (level, msg) or by
// hclog (@level, @message); other keys become attributes.
func parseJSONLog(line string) (slog.Level, string, []any, bool) {
	if !strings.HasPrefix(line, "{") {
		return 0, "", nil, false
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		return 0, "", nil, false
	}
	msg, ok := m["msg"].(string)
	if !ok {
		if msg, ok = m["@message"].(string); !ok {
			return 0, "", nil, false
		}
	}
	lvlText, _ := m["level"].(string)
	if lvlText == "" {
		lvlText, _ = m["@level"].(string)
	}
	var lvl slog.Level
	switch strings.ToLower(lvlText) {
	case "trace", "debug":
		lvl = slog.LevelDebug
	case "warn", "warning":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	default:
		lvl = slog.LevelInfo
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		switch k {
		case "msg", "@message", "level", "@level", "time", "@timestamp", "@module":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := make([]any, 0, len(keys))
	for _, k := range keys {
		attrs = append(attrs, slog.Any("plugin_"+k, m[k]))
	}
	return lvl, msg, attrs, true
}
