package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"doanbd/core/sqldb"
)

// child is a server started for the HTTP benchmark.
type child struct {
	cmd    *exec.Cmd
	addr   string
	log    string
	exited chan error
}

// startChild starts bin with env (and DOANBD_ADDR/PLAIND_ADDR on a free
// loopback port) and waits until path answers 200.
func (e *benchEnv) startChild(ctx context.Context, name, bin string, args, env []string, path string) (*child, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(e.dir, name+"-"+strings.ReplaceAll(addr, ":", "_")+".log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), env...), "DOANBD_ADDR="+addr, "PLAIND_ADDR="+addr)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{cmd: cmd, addr: addr, log: logf.Name(), exited: make(chan error, 1)}
	go func() { c.exited <- cmd.Wait() }()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := client.Get("http://" + addr + path)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c, nil
			}
		}
		select {
		case err := <-c.exited:
			return nil, fmt.Errorf("%s exited before it was ready (%v); log in %s", name, err, c.log)
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("%s not ready after 2 minutes; log in %s", name, c.log)
		}
	}
}

// stop sends SIGTERM and waits (SIGKILL after 30 s).
func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// resetPeak restarts the child's peak resident memory (VmHWM) from its
// current size (Linux: "5" into /proc/PID/clear_refs), so the peak read
// later is the load's, not the start-up's or the login's (argon2id takes
// 64 MiB per password check).
func (c *child) resetPeak() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", c.cmd.Process.Pid), []byte("5"), 0)
}

// peakMB is the child's peak resident memory so far (VmHWM).
func (c *child) peakMB() (float64, error) {
	_, hwm, err := procMemory(c.cmd.Process.Pid)
	return hwm, err
}

// runCLI runs the doanbd binary to completion and returns its output, its
// wall time and its CPU time.
func runCLI(ctx context.Context, bin string, env []string, args ...string) (string, time.Duration, time.Duration, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var cpu time.Duration
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if err != nil {
		return out.String(), wall, cpu, fmt.Errorf("doanbd %s: %w: %s", strings.Join(args, " "), err, tail(out.String(), 600))
	}
	return out.String(), wall, cpu, nil
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// login returns a bearer token for the user.
func login(ctx context.Context, base, email, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("login: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || out.Token == "" {
		return "", fmt.Errorf("login: %s (%v)", resp.Status, err)
	}
	return out.Token, nil
}

// freshDatabase creates database name on the server of ownerURL, set up for
// doanbd_app like the bench database (connect, use schema public), and
// returns the owner's and the application's URLs for it.
func freshDatabase(ctx context.Context, ownerURL, appURL, name string) (string, string, error) {
	c, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return "", "", fmt.Errorf("connect as owner: %w", err)
	}
	defer c.Close(ctx)
	for _, q := range []string{"DROP DATABASE IF EXISTS " + name + " WITH (FORCE)", "CREATE DATABASE " + name,
		"GRANT CONNECT ON DATABASE " + name + " TO doanbd_app"} {
		if _, err := c.Exec(ctx, q); err != nil {
			return "", "", fmt.Errorf("%s: %w", q, err)
		}
	}
	owner, app := withDatabase(ownerURL, name), withDatabase(appURL, name)
	c2, err := pgx.Connect(ctx, owner)
	if err != nil {
		return "", "", fmt.Errorf("connect to %s: %w", name, err)
	}
	defer c2.Close(ctx)
	if _, err := c2.Exec(ctx, "GRANT USAGE ON SCHEMA public TO doanbd_app"); err != nil {
		return "", "", fmt.Errorf("grant usage on schema public: %w", err)
	}
	return owner, app, nil
}

func withDatabase(u, name string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	p.Path = "/" + name
	return p.String()
}

// moduleDir finds the doanbd source tree above the working directory (to
// build the baseline server), or "".
func moduleDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module doanbd\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// buildPlaind builds the baseline server (core/loadbench/plaind).
func (e *benchEnv) buildPlaind(ctx context.Context) (string, error) {
	src := moduleDir()
	if src == "" {
		return "", errors.New("the doanbd source tree (go.mod) is not above the working directory")
	}
	bin := filepath.Join(e.dir, "plaind")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./core/loadbench/plaind")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build of the baseline server failed: %v: %s", err, tail(string(out), 600))
	}
	return bin, nil
}

// serverStack is what a benchmark that starts `doanbd serve` needs: the
// server's environment over a fresh data directory (SQLite) or a fresh
// PostgreSQL database with Redis, and the database as its owner sees it
// (ids to request, baselines that bypass row-level security).
type serverStack struct {
	env      []string
	owner    sqldb.Options
	sqlite   string // the SQLite file; "" on PostgreSQL
	ownerURL string // "" on SQLite
}

// newServerStack prepares a serverStack in scratch directory name (and a
// database of that name on PostgreSQL).
func (e *benchEnv) newServerStack(ctx context.Context, name string, pg bool) (serverStack, error) {
	data, err := e.scratch(name)
	if err != nil {
		return serverStack{}, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return serverStack{}, err
	}
	st := serverStack{env: []string{"DOANBD_DATA_DIR=" + data, "DOANBD_LOG_LEVEL=warn", "DOANBD_PASSWORD=" + benchPassword,
		"DOANBD_ENCRYPTION_KEY=" + base64.StdEncoding.EncodeToString(key)}}
	if !pg {
		st.sqlite = filepath.Join(data, "doanbd.db")
		st.owner = sqldb.Options{Path: st.sqlite}
		return st, nil
	}
	srv, err := e.postgres(ctx)
	if err != nil {
		return serverStack{}, err
	}
	owner, app, err := freshDatabase(ctx, srv.OwnerURL, srv.AppURL, "bench_"+name)
	if err != nil {
		return serverStack{}, err
	}
	redis, err := e.redisAddr()
	if err != nil {
		return serverStack{}, err
	}
	st.env = append(st.env, "DOANBD_DATABASE_URL="+app, "DOANBD_MIGRATE_DATABASE_URL="+owner, "DOANBD_REDIS_URL=redis://"+redis+"/0")
	st.owner, st.ownerURL = sqldb.Options{URL: owner, MaxConns: 2}, owner
	return st, nil
}
