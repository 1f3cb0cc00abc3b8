// Package host discovers, verifies and supervises doanbd plugins and
// implements the domain's extension interfaces (core.ProgramCatalog,
// core.PlanRules, core.CostNorms) across the plugins each tenant enabled.
package host

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"doanbd/plugins/sdk"
)

// ManifestFile is the name of a plugin's manifest in its directory.
const ManifestFile = "plugin.yaml"

// Manifest is a plugin's plugin.yaml. Each plugin lives in its own
// directory under the plugin dir, with its manifest and its executable.
type Manifest struct {
	Name            string   `yaml:"name"`
	Version         string   `yaml:"version"`
	ProtocolVersion int      `yaml:"protocol_version"`
	Executable      string   `yaml:"executable"` // relative to the plugin's directory
	Args            []string `yaml:"args,omitempty"`
	Capabilities    []string `yaml:"capabilities"`
	SHA256          string   `yaml:"sha256"` // of the executable, hex
	// Dir is the directory the manifest was read from.
	Dir string `yaml:"-"`
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)

// ReadManifest reads and checks dir/plugin.yaml.
func ReadManifest(dir string) (Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return Manifest{}, fmt.Errorf("read manifest: %w", err)
	}
	var m Manifest
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("manifest %s: %w", filepath.Join(dir, ManifestFile), err)
	}
	m.Dir = dir
	return m, m.Validate()
}

// Validate checks a manifest against this host's protocol.
func (m Manifest) Validate() error {
	var errs []string
	if !nameRE.MatchString(m.Name) {
		errs = append(errs, fmt.Sprintf("name %q must be 2-40 lower-case letters, digits or dashes", m.Name))
	}
	if m.Version == "" {
		errs = append(errs, "version is missing")
	}
	if m.ProtocolVersion != sdk.ProtocolVersion {
		errs = append(errs, fmt.Sprintf("protocol_version %d is not supported (this host speaks %d)", m.ProtocolVersion, sdk.ProtocolVersion))
	}
	if m.Executable == "" || !filepath.IsLocal(m.Executable) {
		errs = append(errs, fmt.Sprintf("executable %q must be a file inside the plugin's directory", m.Executable))
	}
	if len(m.Capabilities) == 0 {
		errs = append(errs, "capabilities are missing")
	}
	for _, c := range m.Capabilities {
		if !sdk.KnownCapability(c) {
			errs = append(errs, fmt.Sprintf("unknown capability %q", c))
		}
	}
	if b, err := hex.DecodeString(m.SHA256); err != nil || len(b) != sha256.Size {
		errs = append(errs, "sha256 must be the 64 hex digits of the executable's SHA-256")
	}
	if len(errs) > 0 {
		return fmt.Errorf("manifest of %q: %s", m.Name, strings.Join(errs, "; "))
	}
	return nil
}

// Path is the executable's path.
func (m Manifest) Path() string { return filepath.Join(m.Dir, m.Executable) }

// Has reports whether the manifest declares capability c.
func (m Manifest) Has(c string) bool { return slices.Contains(m.Capabilities, c) }

// FileSHA256 returns the hex SHA-256 of a file.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// errChecksum marks an executable that does not match its manifest.
var errChecksum = errors.New("checksum mismatch")

// VerifyChecksum checks the executable against the manifest's SHA-256.
func (m Manifest) VerifyChecksum() error {
	got, err := FileSHA256(m.Path())
	if err != nil {
		return fmt.Errorf("verify executable: %w", err)
	}
	if !strings.EqualFold(got, m.SHA256) {
		return fmt.Errorf("%w: %s has sha256 %s, manifest says %s", errChecksum, m.Path(), got, m.SHA256)
	}
	return nil
}

// Found is one plugin directory: its manifest, or why it could not be used.
type Found struct {
	Manifest Manifest
	Err      error
}

// Discover reads every subdirectory of dir that holds a plugin.yaml, sorted
// by name. A missing dir means no plugins. A bad manifest, a checksum that
// does not match or a duplicate name is reported in Found.Err, so the plugin
// shows as failed instead of vanishing.
func Discover(dir string) ([]Found, error) {
	// Absolute, because each plugin runs in its own directory.
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("plugin dir: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read plugin dir: %w", err)
	}
	var out []Found
	seen := map[string]bool{}
	for _, e := range entries {
		sub := filepath.Join(dir, e.Name())
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(sub, ManifestFile)); errors.Is(err, os.ErrNotExist) {
			continue
		}
		m, err := ReadManifest(sub)
		if m.Name == "" || !nameRE.MatchString(m.Name) {
			m.Name = e.Name()
		}
		m.Dir = sub
		if err == nil && seen[m.Name] {
			err = fmt.Errorf("another plugin directory already uses the name %q", m.Name)
		}
		if err == nil {
			err = m.VerifyChecksum()
		}
		seen[m.Name] = true
		out = append(out, Found{Manifest: m, Err: err})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Manifest.Name < out[j].Manifest.Name })
	return out, nil
}
