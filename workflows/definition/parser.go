package definition

import (
	"fmt"
	"slices"
	"time"

	"gopkg.in/yaml.v3"
)

type parser struct {
	cat      Catalog
	problems Problems
}

func (p *parser) errf(line int, format string, args ...any) {
	p.problems = append(p.problems, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
}

// mapping returns the key/value pairs of a mapping node, reporting unknown keys.
func (p *parser) mapping(n *yaml.Node, what string, known ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n == nil {
		return out
	}
	if n.Kind != yaml.MappingNode {
		p.errf(n.Line, "%s must be a mapping", what)
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if len(known) > 0 && !slices.Contains(known, k.Value) {
			p.errf(k.Line, "unknown key %q in %s", k.Value, what)
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.errf(k.Line, "duplicate key %q in %s", k.Value, what)
		}
		out[k.Value] = v
	}
	return out
}

func (p *parser) str(n *yaml.Node, what string) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		p.errf(n.Line, "%s must be a string", what)
		return ""
	}
	return n.Value
}

// strs accepts a single string or a list of strings.
func (p *parser) strs(n *yaml.Node, what string) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		p.errf(n.Line, "%s must be a string or a list of strings", what)
		return nil
	}
	var out []string
	for _, c := range n.Content {
		out = append(out, p.str(c, what))
	}
	return out
}

func (p *parser) duration(n *yaml.Node, what string) time0 {
	if n == nil {
		return time0{}
	}
	d, err := ParseDuration(p.str(n, what))
	if err != nil {
		p.errf(n.Line, "%s: %v", what, err)
	}
	return time0{d: d, line: n.Line, set: true}
}

type time0 struct {
	d    time.Duration
	line int
	set  bool
}

func (p *parser) definition(root *yaml.Node) *Definition {
	d := &Definition{States: map[string]*State{}}
	if len(root.Content) == 0 {
		p.errf(1, "empty definition")
		return d
	}
	top := p.mapping(root.Content[0], "the definition", "name", "subject", "title", "initial", "states", "transitions")
	for _, key := range []string{"name", "subject", "initial", "states", "transitions"} {
		if top[key] == nil {
			p.errf(root.Content[0].Line, "missing %q", key)
		}
	}
	d.Name = p.str(top["name"], "name")
	d.Subject = p.str(top["subject"], "subject")
	d.Title = p.str(top["title"], "title")
	d.Initial = p.str(top["initial"], "initial")
	if n := top["subject"]; n != nil && len(p.cat.Subjects) > 0 && !slices.Contains(p.cat.Subjects, d.Subject) {
		p.errf(n.Line, "unknown subject %q (known: %v)", d.Subject, p.cat.Subjects)
	}
	if n := top["states"]; n != nil {
		if n.Kind != yaml.MappingNode {
			p.errf(n.Line, "states must be a mapping of state name to its settings")
		} else {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if _, dup := d.States[k.Value]; dup {
					p.errf(k.Line, "state %q defined twice", k.Value)
					continue
				}
				d.States[k.Value] = p.state(k.Value, k.Line, v)
				d.StateOrder = append(d.StateOrder, k.Value)
			}
		}
	}
	if n := top["transitions"]; n != nil {
		if n.Kind != yaml.SequenceNode {
			p.errf(n.Line, "transitions must be a list")
		} else {
			for _, c := range n.Content {
				d.Transitions = append(d.Transitions, p.transition(c))
			}
		}
	}
	return d
}

func (p *parser) state(name string, line int, n *yaml.Node) *State {
	s := &State{Name: name, Line: line}
	if n.Kind == yaml.ScalarNode && (n.Value == "" || n.Tag == "!!null") {
		return s
	}
	m := p.mapping(n, "state "+name, "title", "final", "sla", "parallel")
	s.Title = p.str(m["title"], "title")
	if f := m["final"]; f != nil {
		if f.Value != "true" && f.Value != "false" {
			p.errf(f.Line, "final must be true or false")
		}
		s.Final = f.Value == "true"
	}
	if sn := m["sla"]; sn != nil {
		sm := p.mapping(sn, "sla of "+name, "due", "remind_after", "escalate_after", "escalate_to")
		sla := &SLA{EscalateTo: p.str(sm["escalate_to"], "escalate_to")}
		sla.Due = p.duration(sm["due"], "due").d
		r := p.duration(sm["remind_after"], "remind_after")
		e := p.duration(sm["escalate_after"], "escalate_after")
		sla.RemindAfter, sla.EscalateAfter = r.d, e.d
		if r.set && e.set && e.d <= r.d {
			p.errf(e.line, "escalate_after must be later than remind_after")
		}
		if e.set && sla.EscalateTo == "" {
			p.errf(sn.Line, "escalate_after needs escalate_to (a role)")
		}
		if to := sm["escalate_to"]; to != nil && len(p.cat.Roles) > 0 && !slices.Contains(p.cat.Roles, sla.EscalateTo) {
			p.errf(to.Line, "unknown role %q in escalate_to", sla.EscalateTo)
		}
		s.SLA = sla
	}
	if pn := m["parallel"]; pn != nil {
		pm := p.mapping(pn, "parallel of "+name, "mode", "steps", "complete")
		par := &Parallel{Mode: p.str(pm["mode"], "mode"), Complete: p.str(pm["complete"], "complete")}
		if par.Mode != "all_of" && par.Mode != "any_of" {
			p.errf(pn.Line, "parallel mode must be all_of or any_of")
		}
		if pm["complete"] == nil {
			p.errf(pn.Line, "parallel needs complete: the state to move to when the steps are done")
		}
		if st := pm["steps"]; st == nil || st.Kind != yaml.SequenceNode || len(st.Content) == 0 {
			p.errf(pn.Line, "parallel needs a non-empty list of steps")
		} else {
			for _, c := range st.Content {
				sm := p.mapping(c, "parallel step", "name", "title", "permission")
				step := Step{Name: p.str(sm["name"], "name"), Title: p.str(sm["title"], "title"), Permission: p.str(sm["permission"], "permission")}
				if step.Name == "" || step.Permission == "" {
					p.errf(c.Line, "a parallel step needs a name and a permission")
				}
				p.checkPermission(sm["permission"], step.Permission)
				par.Steps = append(par.Steps, step)
			}
		}
		s.Parallel = par
	}
	return s
}

func (p *parser) checkPermission(n *yaml.Node, perm string) {
	if n != nil && perm != "" && len(p.cat.Permissions) > 0 && !slices.Contains(p.cat.Permissions, perm) {
		p.errf(n.Line, "unknown permission %q (use object.action known to the authorizer)", perm)
	}
}

func (p *parser) transition(n *yaml.Node) *Transition {
	m := p.mapping(n, "transition", "action", "title", "from", "to", "permission", "guards", "effects", "comment", "fields")
	t := &Transition{Line: n.Line,
		Action: p.str(m["action"], "action"), Title: p.str(m["title"], "title"),
		From: p.strs(m["from"], "from"), To: p.str(m["to"], "to"),
		Permission: p.str(m["permission"], "permission"),
		Guards:     p.strs(m["guards"], "guards"), Effects: p.strs(m["effects"], "effects"),
		Comment: p.str(m["comment"], "comment"), Fields: p.strs(m["fields"], "fields")}
	for _, key := range []string{"action", "from", "to", "permission"} {
		if m[key] == nil {
			p.errf(n.Line, "transition needs %q", key)
		}
	}
	if t.Comment != "" && t.Comment != "required" && t.Comment != "optional" {
		p.errf(m["comment"].Line, "comment must be required or optional")
	}
	p.checkPermission(m["permission"], t.Permission)
	p.checkNames(m["guards"], t.Guards, p.cat.Guards, "guard")
	p.checkNames(m["effects"], t.Effects, p.cat.Effects, "effect")
	p.checkNames(m["fields"], t.Fields, p.cat.Fields, "field")
	return t
}

func (p *parser) checkNames(n *yaml.Node, got, known []string, what string) {
	if n == nil || len(known) == 0 {
		return
	}
	for i, g := range got {
		line := n.Line
		if n.Kind == yaml.SequenceNode && i < len(n.Content) {
			line = n.Content[i].Line
		}
		if !slices.Contains(known, g) {
			p.errf(line, "unknown %s %q (known: %v)", what, g, known)
		}
	}
}
