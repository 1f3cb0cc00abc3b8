package definition

// validate checks the graph: known states everywhere, every state reachable
// from the initial one, every non-final state with a way out, no action
// defined twice for the same state.
func (p *parser) validate(d *Definition) {
	if _, ok := d.States[d.Initial]; !ok {
		p.errf(1, "initial state %q is not defined", d.Initial)
	}
	out := map[string]int{}
	next := map[string][]string{}
	seen := map[string]int{} // state+action -> line
	for _, t := range d.Transitions {
		if _, ok := d.States[t.To]; !ok && t.To != "" {
			p.errf(t.Line, "transition %q goes to unknown state %q", t.Action, t.To)
		}
		for _, f := range t.From {
			if _, ok := d.States[f]; !ok {
				p.errf(t.Line, "transition %q starts from unknown state %q", t.Action, f)
				continue
			}
			if line, dup := seen[f+"\x00"+t.Action]; dup {
				p.errf(t.Line, "action %q from state %q is already defined on line %d", t.Action, f, line)
			}
			seen[f+"\x00"+t.Action] = t.Line
			out[f]++
			next[f] = append(next[f], t.To)
		}
	}
	for _, name := range d.StateOrder {
		s := d.States[name]
		if s.Parallel != nil {
			if _, ok := d.States[s.Parallel.Complete]; !ok {
				p.errf(s.Line, "parallel state %q completes into unknown state %q", name, s.Parallel.Complete)
			} else {
				out[name]++
				next[name] = append(next[name], s.Parallel.Complete)
			}
		}
		if !s.Final && out[name] == 0 {
			p.errf(s.Line, "state %q has no way out and is not final", name)
		}
		if s.Final && s.SLA != nil {
			p.errf(s.Line, "final state %q cannot have an SLA", name)
		}
	}
	if _, ok := d.States[d.Initial]; !ok {
		return
	}
	reached := map[string]bool{d.Initial: true}
	queue := []string{d.Initial}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, n := range next[s] {
			if !reached[n] {
				reached[n] = true
				queue = append(queue, n)
			}
		}
	}
	for _, name := range d.StateOrder {
		if !reached[name] {
			p.errf(d.States[name].Line, "state %q cannot be reached from %q", name, d.Initial)
		}
	}
}
