// Package configs embeds the default configuration shipped in the binary:
// seed data today; the Casbin model and workflow definitions as they are added
// (extend the go:embed line with their patterns).
package configs

import "embed"

// FS holds the embedded files under their paths relative to configs/
// (seed/tenants.yaml, …).
//
//go:embed seed/*.yaml workflows/*.yaml
var FS embed.FS
