package host

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"doanbd/plugins/sdk"
)

// TestPluginExitsWhenHostDies starts a plugin from a shell that exits at
// once, as a host killed with SIGKILL would: the plugin must notice and exit.
func TestPluginExitsWhenHostDies(t *testing.T) {
	script := fmt.Sprintf(`%s=%s %s=$$ PLUGIN_PROTOCOL_VERSIONS=1 %q </dev/null >/dev/null 2>&1 & echo $!`,
		sdk.MagicCookieKey, sdk.MagicCookieValue, sdk.HostPIDEnv, bins+"/bcarules")
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "TMPDIR=" + t.TempDir()}
	var out bytes.Buffer
	cmd.Stdout = &out
	must(t, cmd.Run())
	pid, err := strconv.Atoi(strings.TrimSpace(out.String()))
	must(t, err)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	// Wait (bounded) for the plugin to go; a zombie waiting for its new
	// parent to reap it has exited too.
	for range 300 {
		if !alive(pid) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("plugin %d still running 30s after its host died", pid)
}

func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// state is the field after the parenthesised command name
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
