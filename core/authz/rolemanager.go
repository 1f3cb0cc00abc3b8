package authz

import (
	"errors"
	"sort"
	"sync"

	"github.com/casbin/casbin/v2/log"
	"github.com/casbin/casbin/v2/rbac"
)

// linkIndex holds name1 → name2 links per domain ("" for domain-less links)
// in hash maps, both ways. It is the storage of the two role managers below.
// Links are flat: there is no role hierarchy (templates do not inherit from
// each other), so every question is a map lookup.
type linkIndex struct {
	mu   sync.RWMutex
	fwd  map[string]map[string]set // domain → name1 → name2s
	back map[string]map[string]set // domain → name2 → name1s
	doms map[string]set            // name1 → domains where it has links
}

type set map[string]struct{}

func newLinkIndex() *linkIndex {
	x := &linkIndex{}
	x.reset()
	return x
}

func (x *linkIndex) reset() {
	x.fwd = map[string]map[string]set{}
	x.back = map[string]map[string]set{}
	x.doms = map[string]set{}
}

func domainOf(d []string) (string, error) {
	switch len(d) {
	case 0:
		return "", nil
	case 1:
		return d[0], nil
	}
	return "", errors.New("authz role manager: more than one domain")
}

func addTo(m map[string]set, k, v string) {
	s := m[k]
	if s == nil {
		s = set{}
		m[k] = s
	}
	s[v] = struct{}{}
}

func removeFrom(m map[string]set, k, v string) {
	if s := m[k]; s != nil {
		delete(s, v)
		if len(s) == 0 {
			delete(m, k)
		}
	}
}

func sorted(s set) []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Clear drops every link (Casbin calls it before rebuilding from the policy).
func (x *linkIndex) Clear() error {
	x.mu.Lock()
	x.reset()
	x.mu.Unlock()
	return nil
}

// AddLink records name1 → name2 in the domain.
func (x *linkIndex) AddLink(name1, name2 string, domain ...string) error {
	d, err := domainOf(domain)
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.fwd[d] == nil {
		x.fwd[d], x.back[d] = map[string]set{}, map[string]set{}
	}
	addTo(x.fwd[d], name1, name2)
	addTo(x.back[d], name2, name1)
	addTo(x.doms, name1, d)
	return nil
}

// BuildRelationship is deprecated in Casbin and does nothing.
func (x *linkIndex) BuildRelationship(string, string, ...string) error { return nil }

// DeleteLink removes name1 → name2 from the domain.
func (x *linkIndex) DeleteLink(name1, name2 string, domain ...string) error {
	d, err := domainOf(domain)
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.fwd[d] == nil {
		return nil
	}
	removeFrom(x.fwd[d], name1, name2)
	removeFrom(x.back[d], name2, name1)
	if len(x.fwd[d][name1]) == 0 {
		removeFrom(x.doms, name1, d)
	}
	return nil
}

// direct reports a link name1 → name2 in d; the caller holds mu.
func (x *linkIndex) direct(name1, name2, d string) bool {
	_, ok := x.fwd[d][name1][name2]
	return ok
}

// HasLink reports a direct link (or name1 == name2, as Casbin expects).
func (x *linkIndex) HasLink(name1, name2 string, domain ...string) (bool, error) {
	if name1 == name2 {
		return true, nil
	}
	d, err := domainOf(domain)
	if err != nil {
		return false, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.direct(name1, name2, d), nil
}

// GetRoles returns what name links to in the domain, sorted.
func (x *linkIndex) GetRoles(name string, domain ...string) ([]string, error) {
	d, err := domainOf(domain)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	return sorted(x.fwd[d][name]), nil
}

// GetUsers returns what links to name in the domain, sorted.
func (x *linkIndex) GetUsers(name string, domain ...string) ([]string, error) {
	d, err := domainOf(domain)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	return sorted(x.back[d][name]), nil
}

// GetImplicitRoles equals GetRoles: links are flat.
func (x *linkIndex) GetImplicitRoles(name string, domain ...string) ([]string, error) {
	return x.GetRoles(name, domain...)
}

// GetImplicitUsers equals GetUsers: links are flat.
func (x *linkIndex) GetImplicitUsers(name string, domain ...string) ([]string, error) {
	return x.GetUsers(name, domain...)
}

// GetDomains returns the domains where name has links, sorted.
func (x *linkIndex) GetDomains(name string) ([]string, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return sorted(x.doms[name]), nil
}

// GetAllDomains returns every domain with links, sorted.
func (x *linkIndex) GetAllDomains() ([]string, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := set{}
	for d, m := range x.fwd {
		if len(m) > 0 {
			s[d] = struct{}{}
		}
	}
	return sorted(s), nil
}

// PrintRoles does nothing: assignments are listed through the service.
func (x *linkIndex) PrintRoles() error { return nil }

// SetLogger is accepted and unused (the service logs).
func (x *linkIndex) SetLogger(log.Logger) {}

// Match compares literally: names and domains are never patterns here.
func (x *linkIndex) Match(str, pattern string) bool { return str == pattern }

// AddMatchingFunc is ignored: role names are never patterns in this model.
func (x *linkIndex) AddMatchingFunc(string, rbac.MatchingFunc) {}

// AddDomainMatchingFunc is ignored: domains are never patterns in this model
// (the reason this role manager exists).
func (x *linkIndex) AddDomainMatchingFunc(string, rbac.MatchingFunc) {}

// DeleteDomain drops every link of a domain.
func (x *linkIndex) DeleteDomain(d string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	for name1 := range x.fwd[d] {
		removeFrom(x.doms, name1, d)
	}
	delete(x.fwd, d)
	delete(x.back, d)
	return nil
}

// templateRM is the role manager of g2: template → permission, no domain.
type templateRM struct{ *linkIndex }

// assignRM is the role manager of g: user → template in a tenant. HasLink
// also answers user → permission through the templates the user holds there.
type assignRM struct {
	*linkIndex
	perms *templateRM
}

var (
	_ rbac.RoleManager = (*templateRM)(nil)
	_ rbac.RoleManager = (*assignRM)(nil)
)

func newRoleManagers() (*assignRM, *templateRM) {
	t := &templateRM{newLinkIndex()}
	return &assignRM{linkIndex: newLinkIndex(), perms: t}, t
}

// HasLink reports whether user (name1) holds template name2 in the tenant, or
// holds there a template that grants permission name2.
func (a *assignRM) HasLink(name1, name2 string, domain ...string) (bool, error) {
	if name1 == name2 {
		return true, nil
	}
	d, err := domainOf(domain)
	if err != nil {
		return false, err
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	held := a.fwd[d][name1]
	if _, ok := held[name2]; ok {
		return true, nil
	}
	if len(held) == 0 {
		return false, nil
	}
	a.perms.mu.RLock()
	defer a.perms.mu.RUnlock()
	for t := range held {
		if a.perms.direct(t, name2, "") {
			return true, nil
		}
	}
	return false, nil
}
