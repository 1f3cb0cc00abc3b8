package ui

import (
	"testing"

	"doanbd/core/authz"
	"doanbd/core/web"
)

// Every tenant page names an object and action the policy knows, or no
// role could ever open it.
func TestPageRoutesUseKnownPermissions(t *testing.T) {
	ts := newTestServer(t)
	n := 0
	for _, r := range ts.s.Routes() {
		if r.Scope != web.TenantScoped {
			continue
		}
		n++
		if !authz.Known(r.Object, r.Action) {
			t.Errorf("%s %s: %s.%s is not in the authorization catalogue", r.Method, r.Path, r.Object, r.Action)
		}
	}
	for _, s := range ts.ui.sections {
		if !authz.Known(s.obj, s.act) {
			t.Errorf("nav %s: %s.%s is not in the authorization catalogue", s.label, s.obj, s.act)
		}
	}
	if n == 0 {
		t.Fatal("no tenant page registered")
	}
}
