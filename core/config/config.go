// Package config loads the typed configuration of doanbd: built-in defaults,
// then a YAML file, then DOANBD_* environment variables (a secret may also come
// from DOANBD_<NAME>_FILE). It is loaded once and passed in, never global.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration. The env tag names the variable without
// the DOANBD_ prefix; secret:"true" also accepts <NAME>_FILE.
type Config struct {
	Addr            string        `yaml:"addr" env:"ADDR"`
	BaseURL         string        `yaml:"base_url" env:"BASE_URL"`
	DataDir         string        `yaml:"data_dir" env:"DATA_DIR"`
	DatabaseURL     string        `yaml:"database_url" env:"DATABASE_URL" secret:"true"`
	MigrateURL      string        `yaml:"migrate_database_url" env:"MIGRATE_DATABASE_URL" secret:"true"`
	RedisURL        string        `yaml:"redis_url" env:"REDIS_URL" secret:"true"`
	EncryptionKey   string        `yaml:"encryption_key" env:"ENCRYPTION_KEY" secret:"true"`
	TrustedProxies  []string      `yaml:"trusted_proxies" env:"TRUSTED_PROXIES"`
	LogLevel        string        `yaml:"log_level" env:"LOG_LEVEL"`
	LogFormat       string        `yaml:"log_format" env:"LOG_FORMAT"`
	BodyLimit       int64         `yaml:"body_limit" env:"BODY_LIMIT"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout" env:"SHUTDOWN_TIMEOUT"`
	Scheduler       bool          `yaml:"scheduler" env:"SCHEDULER"`
	Concurrency     int           `yaml:"worker_concurrency" env:"WORKER_CONCURRENCY"`
	OutboxRetention time.Duration `yaml:"outbox_retention" env:"OUTBOX_RETENTION"`
	OutboxStaleAge  time.Duration `yaml:"outbox_stale_after" env:"OUTBOX_STALE_AFTER"`
	PluginDir       string        `yaml:"plugin_dir" env:"PLUGIN_DIR"`
	PluginCooldown  time.Duration `yaml:"plugin_cooldown" env:"PLUGIN_COOLDOWN"`
	SMTPAddr        string        `yaml:"smtp_addr" env:"SMTP_ADDR"`
	SMTPFrom        string        `yaml:"smtp_from" env:"SMTP_FROM"`
	SMTPUser        string        `yaml:"smtp_username" env:"SMTP_USERNAME"`
	SMTPPassword    string        `yaml:"smtp_password" env:"SMTP_PASSWORD" secret:"true"`
	SessionLifetime time.Duration `yaml:"session_lifetime" env:"SESSION_LIFETIME"`
	TokenLifetime   time.Duration `yaml:"token_lifetime" env:"TOKEN_LIFETIME"`
	SecureCookies   bool          `yaml:"secure_cookies" env:"SECURE_COOKIES"`
}

// Default returns the built-in defaults: the embedded mode on loopback.
func Default() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		DataDir:         "data",
		LogLevel:        "info",
		LogFormat:       "text",
		BodyLimit:       64 << 20,
		ShutdownTimeout: 20 * time.Second,
		Concurrency:     10,
		OutboxRetention: 7 * 24 * time.Hour,
		OutboxStaleAge:  2 * time.Minute,
		PluginDir:       "bin/plugins",
		PluginCooldown:  5 * time.Minute,
		SMTPFrom:        "doanbd <no-reply@doanbd.local>",
		SessionLifetime: 12 * time.Hour,
		TokenLifetime:   24 * time.Hour,
	}
}

// Embedded reports whether the database is the embedded SQLite file.
func (c Config) Embedded() bool {
	return c.DatabaseURL == "" || strings.HasPrefix(c.DatabaseURL, "sqlite:")
}

// EmbeddedQueue reports whether the in-process Redis-protocol server is used.
func (c Config) EmbeddedQueue() bool { return c.RedisURL == "" }

// SQLitePath is the database file of the embedded mode.
func (c Config) SQLitePath() string {
	if p, ok := strings.CutPrefix(c.DatabaseURL, "sqlite:"); ok && p != "" {
		return p
	}
	return filepath.Join(c.DataDir, "doanbd.db")
}

// Load builds the configuration from defaults, the YAML file at path (optional
// when path is empty and ./configs/doanbd.yaml is absent) and the environment.
func Load(path string, environ []string) (Config, error) {
	cfg := Default()
	explicit := path != ""
	if !explicit {
		path = filepath.Join("configs", "doanbd.yaml")
	}
	if b, err := os.ReadFile(path); err == nil {
		if err := yaml.Unmarshal(b, &cfg); err != nil {
			// yaml lists several problems on several lines: keep to one line.
			return cfg, fmt.Errorf("config file %s: %s", path, strings.Join(strings.Fields(err.Error()), " "))
		}
	} else if explicit || !errors.Is(err, os.ErrNotExist) {
		return cfg, fmt.Errorf("config file %s: %w", path, err)
	}
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "DOANBD_") {
			env[k] = v
		}
	}
	if err := applyEnv(&cfg, env); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

func applyEnv(cfg *Config, env map[string]string) error {
	v := reflect.ValueOf(cfg).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := "DOANBD_" + f.Tag.Get("env")
		raw, ok := env[name]
		if f.Tag.Get("secret") == "true" {
			if file, has := env[name+"_FILE"]; has {
				if ok {
					return fmt.Errorf("setting %s: set either %s or %s_FILE, not both", name, name, name)
				}
				b, err := os.ReadFile(file)
				if err != nil {
					return fmt.Errorf("setting %s_FILE: %w", name, err)
				}
				raw, ok = strings.TrimSpace(string(b)), true
			}
		}
		if !ok {
			continue
		}
		if err := setField(v.Field(i), raw); err != nil {
			return fmt.Errorf("setting %s: %w", name, err)
		}
	}
	return nil
}

func setField(fv reflect.Value, raw string) error {
	switch fv.Interface().(type) {
	case string:
		fv.SetString(raw)
	case bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		fv.SetBool(b)
	case int, int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		fv.SetInt(n)
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 30s or 5m", raw)
		}
		fv.SetInt(int64(d))
	case []string:
		var parts []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		fv.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("unsupported type %s", fv.Type())
	}
	return nil
}

// Validate checks the configuration as a whole; the error names the setting.
func (c Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("setting DOANBD_%s: "+format, append([]any{name}, args...)...))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("ADDR", "%q is not host:port", c.Addr)
	}
	if c.DataDir == "" {
		bad("DATA_DIR", "must not be empty")
	}
	if !c.Embedded() {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			bad("DATABASE_URL", "must be postgres://… or sqlite:PATH")
		}
	}
	if c.MigrateURL != "" && c.Embedded() {
		bad("MIGRATE_DATABASE_URL", "only applies to PostgreSQL")
	}
	if c.RedisURL != "" {
		u, err := url.Parse(c.RedisURL)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "redis-sentinel") {
			bad("REDIS_URL", "must be redis://host:port/db, rediss://… or redis-sentinel://…")
		}
	}
	if c.EncryptionKey != "" {
		if k, err := base64.StdEncoding.DecodeString(c.EncryptionKey); err != nil || len(k) != 32 {
			bad("ENCRYPTION_KEY", "must be 32 bytes in standard base64 (openssl rand -base64 32)")
		}
	} else if !c.Embedded() {
		bad("ENCRYPTION_KEY", "is required with PostgreSQL (openssl rand -base64 32)")
	}
	for _, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				bad("TRUSTED_PROXIES", "%q is not an IP address or CIDR", p)
			}
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL", "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		bad("LOG_FORMAT", "%q is not text or json", c.LogFormat)
	}
	if c.BodyLimit < 1024 {
		bad("BODY_LIMIT", "must be at least 1024 bytes")
	}
	if c.ShutdownTimeout <= 0 {
		bad("SHUTDOWN_TIMEOUT", "must be positive")
	}
	if c.Concurrency < 1 || c.Concurrency > 1000 {
		bad("WORKER_CONCURRENCY", "must be between 1 and 1000")
	}
	if c.OutboxRetention < time.Minute {
		bad("OUTBOX_RETENTION", "must be at least 1m")
	}
	if c.OutboxStaleAge < time.Second {
		bad("OUTBOX_STALE_AFTER", "must be at least 1s")
	}
	if c.PluginCooldown < time.Second {
		bad("PLUGIN_COOLDOWN", "must be at least 1s")
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			bad("SMTP_ADDR", "%q is not host:port", c.SMTPAddr)
		}
	}
	if c.SessionLifetime < time.Minute {
		bad("SESSION_LIFETIME", "must be at least 1m")
	}
	if c.TokenLifetime < time.Minute {
		bad("TOKEN_LIFETIME", "must be at least 1m")
	}
	if len(errs) > 0 {
		// One clear line naming the first bad setting; fix, then run again.
		return errs[0]
	}
	return nil
}
