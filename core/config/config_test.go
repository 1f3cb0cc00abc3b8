package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"doanbd/core/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestLoadLayers(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(file, []byte("addr: 127.0.0.1:9000\nlog_level: debug\nworker_concurrency: 4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "redis")
	if err := os.WriteFile(secret, []byte("redis://127.0.0.1:6379/2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(file, []string{"DOANBD_ADDR=0.0.0.0:8081", "DOANBD_REDIS_URL_FILE=" + secret, "DOANBD_SHUTDOWN_TIMEOUT=5s", "OTHER=x"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "0.0.0.0:8081" || cfg.LogLevel != "debug" || cfg.Concurrency != 4 {
		t.Fatalf("layering wrong: %+v", cfg)
	}
	if cfg.RedisURL != "redis://127.0.0.1:6379/2" || cfg.ShutdownTimeout != 5*time.Second {
		t.Fatalf("env wrong: %q %v", cfg.RedisURL, cfg.ShutdownTimeout)
	}
	if !cfg.Embedded() || cfg.EmbeddedQueue() {
		t.Fatal("mode detection wrong")
	}
}

func TestDefaultsAreEmbedded(t *testing.T) {
	cfg, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:8080" || !cfg.Embedded() || !cfg.EmbeddedQueue() {
		t.Fatalf("defaults: %+v", cfg)
	}
}

func TestBadValuesNameTheSetting(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"DOANBD_ADDR=nonsense", "DOANBD_ADDR"},
		{"DOANBD_WORKER_CONCURRENCY=abc", "DOANBD_WORKER_CONCURRENCY"},
		{"DOANBD_WORKER_CONCURRENCY=0", "DOANBD_WORKER_CONCURRENCY"},
		{"DOANBD_DATABASE_URL=mysql://x", "DOANBD_DATABASE_URL"},
		{"DOANBD_DATABASE_URL=postgres://x/db", "DOANBD_ENCRYPTION_KEY"},
		{"DOANBD_REDIS_URL=http://x", "DOANBD_REDIS_URL"},
		{"DOANBD_ENCRYPTION_KEY=short", "DOANBD_ENCRYPTION_KEY"},
		{"DOANBD_TRUSTED_PROXIES=10.0.0.0/8,bogus", "DOANBD_TRUSTED_PROXIES"},
		{"DOANBD_SHUTDOWN_TIMEOUT=forever", "DOANBD_SHUTDOWN_TIMEOUT"},
		{"DOANBD_LOG_LEVEL=loud", "DOANBD_LOG_LEVEL"},
		{"DOANBD_SCHEDULER=perhaps", "DOANBD_SCHEDULER"},
	} {
		_, err := Load("", []string{tc.env})
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want one line naming %s", tc.env, err, tc.want)
		}
	}
}

func TestMissingExplicitFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), nil); err == nil {
		t.Fatal("want error for a missing explicit config file")
	}
}

func TestBadFileIsOneLine(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"types.yaml":  "worker_concurrency: abc\nshutdown_timeout: [1, 2]\n",
		"syntax.yaml": "addr: [unclosed\n",
	} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(file, nil)
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), file) {
			t.Errorf("%s: got %q, want one line naming the file", name, err)
		}
	}
}

func TestSecretFromFile(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	// 32 bytes, base64: a valid encryption key, with the newline files usually end with.
	if err := os.WriteFile(key, []byte("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load("", []string{"DOANBD_ENCRYPTION_KEY_FILE=" + key})
	if err != nil || cfg.EncryptionKey != "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" {
		t.Fatalf("key from file: %q, %v", cfg.EncryptionKey, err)
	}
	for _, env := range [][]string{
		{"DOANBD_ENCRYPTION_KEY_FILE=" + filepath.Join(dir, "absent")},
		{"DOANBD_ENCRYPTION_KEY_FILE=" + key, "DOANBD_ENCRYPTION_KEY=x"},
	} {
		if _, err := Load("", env); err == nil || !strings.Contains(err.Error(), "DOANBD_ENCRYPTION_KEY") {
			t.Errorf("%v: got %v, want an error naming DOANBD_ENCRYPTION_KEY", env, err)
		}
	}
	// Only secrets accept _FILE.
	if cfg, err := Load("", []string{"DOANBD_ADDR_FILE=" + key}); err != nil || cfg.Addr != "127.0.0.1:8080" {
		t.Fatalf("DOANBD_ADDR_FILE should be ignored: %q, %v", cfg.Addr, err)
	}
}

func TestProductionSettings(t *testing.T) {
	env := []string{
		"DOANBD_DATABASE_URL=postgres://doanbd_app:pw@db:5432/doanbd",
		"DOANBD_MIGRATE_DATABASE_URL=postgres://doanbd:pw@db:5432/doanbd",
		"DOANBD_REDIS_URL=redis-sentinel://s1:26379,s2:26379?master=mymaster",
		"DOANBD_ENCRYPTION_KEY=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"DOANBD_TRUSTED_PROXIES=10.0.0.0/8, 192.168.1.1",
		"DOANBD_SCHEDULER=true",
	}
	cfg, err := Load("", env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Embedded() || cfg.EmbeddedQueue() || !cfg.Scheduler || len(cfg.TrustedProxies) != 2 || cfg.TrustedProxies[1] != "192.168.1.1" {
		t.Fatalf("production config: %+v", cfg)
	}
	if _, err := Load("", []string{"DOANBD_MIGRATE_DATABASE_URL=postgres://x/y"}); err == nil || !strings.Contains(err.Error(), "DOANBD_MIGRATE_DATABASE_URL") {
		t.Fatalf("migrate URL with SQLite: %v", err)
	}
	cfg, err = Load("", []string{"DOANBD_DATABASE_URL=sqlite:/var/lib/doanbd/x.db"})
	if err != nil || !cfg.Embedded() || cfg.SQLitePath() != "/var/lib/doanbd/x.db" {
		t.Fatalf("sqlite: URL: %q, %v", cfg.SQLitePath(), err)
	}
}
