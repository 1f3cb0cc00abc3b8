package configs

import _ "embed"

// CasbinModel is the authorization model (RBAC with domains, tenant = domain).
//
//go:embed casbin/model.conf
var CasbinModel string

// CasbinPolicy is the shipped set of role templates, loaded into the database
// at start-up by core/authz.
//
//go:embed casbin/policy.csv
var CasbinPolicy string
