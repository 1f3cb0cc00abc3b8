package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"doanbd/core/config"
	"doanbd/core/identity"
)

// runIn runs the CLI with stdin and returns its output (stdout and stderr).
func runIn(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

// members lists a tenant's users through `user list --json`.
func members(t *testing.T, tenant string) map[string][]string {
	t.Helper()
	out, err := run(t, "user", "list", "--tenant", tenant, "--json")
	if err != nil {
		t.Fatalf("user list: %v\n%s", err, out)
	}
	var ms []identity.Member
	if err := json.Unmarshal([]byte(out), &ms); err != nil {
		t.Fatalf("user list --json: %v\n%s", err, out)
	}
	got := map[string][]string{}
	for _, m := range ms {
		got[m.Email] = m.Roles
	}
	return got
}

func TestUserCommandsAndDemoSeed(t *testing.T) {
	t.Setenv("DOANBD_DATA_DIR", t.TempDir())
	t.Setenv("DOANBD_DATABASE_URL", "")
	t.Setenv("DOANBD_REDIS_URL", "")
	t.Setenv("DOANBD_LOG_LEVEL", "error")
	t.Setenv("DOANBD_PASSWORD", "")
	os.Unsetenv("DOANBD_PASSWORD") // restored by t.Setenv's cleanup

	out, err := run(t, "seed", "--demo")
	if err != nil || !strings.Contains(out, "planner.p79@demo.doanbd.vn") || !strings.Contains(out, identity.DemoPassword) {
		t.Fatalf("seed --demo: %v\n%s", err, out)
	}
	before := members(t, "p79")
	if out, err := run(t, "seed", "--demo"); err != nil {
		t.Fatalf("second seed --demo: %v\n%s", err, out)
	}
	if after := members(t, "p79"); len(after) != 7 || len(before) != 7 || !slices.Equal(after["auditor.p79@demo.doanbd.vn"], []string{"auditor"}) {
		t.Fatalf("demo users of p79: %v then %v", before, after)
	}
	if tw := members(t, "tw"); len(tw) != 10 || !slices.Equal(tw["central_admin.tw@demo.doanbd.vn"], []string{"central_admin"}) {
		t.Fatalf("demo users of tw: %v", tw)
	}

	// A new user: password from the first line of stdin.
	out, err = runIn(t, "mat-khau-du-dai\nrest is ignored\n", "user", "add", "--tenant", "p79", "--email", "Le.Lan@Example.vn",
		"--role", "planner", "--name", "Lê Thị Lan")
	if err != nil || !strings.Contains(out, "Đã tạo người dùng le.lan@example.vn") {
		t.Fatalf("user add (new): %v\n%s", err, out)
	}
	// The same user in another tenant: only the role is added, no password read.
	out, err = runIn(t, "", "user", "add", "--tenant", "p01", "--email", "le.lan@example.vn", "--role", "lecturer")
	if err != nil || !strings.Contains(out, "Đã thêm vai trò lecturer tại p01") {
		t.Fatalf("user add (existing): %v\n%s", err, out)
	}
	out, err = runIn(t, "", "user", "add", "--tenant", "p01", "--email", "le.lan@example.vn", "--role", "lecturer")
	if err != nil || !strings.Contains(out, "đã có vai trò") {
		t.Fatalf("user add (again): %v\n%s", err, out)
	}
	if !slices.Equal(members(t, "p01")["le.lan@example.vn"], []string{"lecturer"}) || !slices.Equal(members(t, "p79")["le.lan@example.vn"], []string{"planner"}) {
		t.Fatal("roles of le.lan after user add")
	}
	// DOANBD_PASSWORD for a new user; refusals name the problem.
	t.Setenv("DOANBD_PASSWORD", "mot-mat-khau-khac")
	if out, err := runIn(t, "", "user", "add", "--tenant", "bqp", "--email", "qn@example.vn", "--role", "learner"); err != nil {
		t.Fatalf("user add with DOANBD_PASSWORD: %v\n%s", err, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tenant", "p79", "--email", "x@example.vn", "--role", "central_admin"}, "chỉ dùng ở Trung ương Đoàn"},
		{[]string{"--tenant", "p99", "--email", "x@example.vn", "--role", "planner"}, "Đơn vị không tồn tại"},
		{[]string{"--tenant", "p79", "--email", "x@", "--role", "planner"}, "Email không hợp lệ"},
		{[]string{"--tenant", "p79", "--email", "x@example.vn", "--role", "boss"}, "Vai trò không hợp lệ"},
	} {
		if _, err := runIn(t, "", append([]string{"user", "add"}, c.args...)...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("user add %v: %v, want %q", c.args, err, c.want)
		}
	}
	t.Setenv("DOANBD_PASSWORD", "ngan")
	if _, err := runIn(t, "", "user", "add", "--tenant", "p79", "--email", "y@example.vn", "--role", "planner"); err == nil ||
		!strings.Contains(err.Error(), "ít nhất 10 ký tự") {
		t.Errorf("weak password: %v", err)
	}

	// The stdin password works, and granting a role did not change it.
	cfg, err := config.Load("", os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := Open(ctx, cfg, newLogger(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	id, err := a.identityForCommand(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := id.LoginToken(ctx, "le.lan@example.vn", "mat-khau-du-dai", "127.0.0.1"); err != nil {
		t.Errorf("login with the stdin password: %v", err)
	}
	if _, err := id.LoginToken(ctx, "planner.bqp@demo.doanbd.vn", identity.DemoPassword, "127.0.0.1"); err != nil {
		t.Errorf("demo login: %v", err)
	}
}
