package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

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
