package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTB records Skip/Fatal instead of ending the test.
type fakeTB struct {
	testing.TB
	skipped, fatal string
}

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Skip(args ...any)                  { f.skipped = fmt.Sprint(args...) }
func (f *fakeTB) Fatal(args ...any)                 { f.fatal = fmt.Sprint(args...) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.fatal = fmt.Sprintf(format, args...) }

func checkMissing(t *testing.T, err error, pkg string) {
	t.Helper()
	var me *missingError
	if !errors.As(err, &me) {
		t.Fatalf("got %v, want a missing-binary error", err)
	}
	if !strings.Contains(me.msg, fmt.Sprintf("%q", pkg)) {
		t.Fatalf("message does not name the Debian package %q: %s", pkg, me.msg)
	}

	var out strings.Builder
	warnOut = &out
	t.Cleanup(func() { warnOut = os.Stderr; warned.Delete(me.msg) })
	t.Setenv("DOANBD_REQUIRE_EXTERNAL", "")
	f := &fakeTB{TB: t}
	unavailable(f, err)
	if !strings.Contains(out.String(), pkg) {
		t.Fatalf("no loud warning on stderr naming %q: %q", pkg, out.String())
	}
	if f.fatal != "" || !strings.Contains(f.skipped, pkg) {
		t.Fatalf("without DOANBD_REQUIRE_EXTERNAL: skipped %q fatal %q, want a skip", f.skipped, f.fatal)
	}

	t.Setenv("DOANBD_REQUIRE_EXTERNAL", "1")
	f = &fakeTB{TB: t}
	unavailable(f, err)
	if f.skipped != "" || !strings.Contains(f.fatal, pkg) {
		t.Fatalf("with DOANBD_REQUIRE_EXTERNAL=1: skipped %q fatal %q, want a failure", f.skipped, f.fatal)
	}
}

func TestMissingPostgres(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	old := pgGlob
	pgGlob = filepath.Join(t.TempDir(), "*", "bin")
	t.Cleanup(func() { pgGlob = old })
	_, _, err := findPG()
	checkMissing(t, err, "postgresql")
}

func TestMissingRedis(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := findRedis()
	checkMissing(t, err, "redis-server")
}

func TestStartErrorAlwaysFails(t *testing.T) {
	t.Setenv("DOANBD_REQUIRE_EXTERNAL", "")
	f := &fakeTB{TB: t}
	unavailable(f, errors.New("initdb failed"))
	if f.skipped != "" || f.fatal == "" {
		t.Fatalf("a start-up failure must fail, not skip: skipped %q fatal %q", f.skipped, f.fatal)
	}
}

func TestFindPGHighestVersion(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	root := t.TempDir()
	mk := func(version string, names ...string) {
		bin := filepath.Join(root, version, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(bin, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	mk("9.6", "initdb", "postgres")
	mk("15", "initdb", "postgres")
	mk("13", "initdb", "postgres")
	mk("17", "initdb") // incomplete: skipped
	old := pgGlob
	pgGlob = filepath.Join(root, "*", "bin")
	t.Cleanup(func() { pgGlob = old })
	initdb, postgres, err := findPG()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "15", "bin"); filepath.Dir(initdb) != want || filepath.Dir(postgres) != want {
		t.Fatalf("picked %s, %s; want the ones in %s", initdb, postgres, want)
	}
}

func TestRedisMoreThan16(t *testing.T) {
	_, first := Redis(t) // skips or fails here when redis-server is missing
	t.Run("hold all", func(t *testing.T) {
		seen := map[int]bool{first: true}
		for len(seen) < redisDBs {
			_, db := Redis(t)
			if seen[db] {
				t.Fatalf("DB %d handed out twice", db)
			}
			seen[db] = true
		}
		f := &fakeTB{TB: t}
		if _, db := Redis(f); f.fatal == "" || db != -1 {
			t.Fatalf("17th concurrent Redis(): db %d, fatal %q; want a failure", db, f.fatal)
		}
	})
	// Released by the subtest's cleanup: available again.
	Redis(t)
}
