// Package definition parses and validates workflow definitions: YAML files
// with states, transitions (who may fire them as a Casbin object.action,
// guards, effects), SLA timers and parallel steps. Every problem found is
// reported with its line number.
package definition

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Definition is a parsed, validated workflow.
type Definition struct {
	Name        string
	Subject     string // plan | budget | program
	Title       string
	Initial     string
	States      map[string]*State
	StateOrder  []string
	Transitions []*Transition
	// Hash identifies the content: a changed file is a new version.
	Hash   string
	Source []byte
}

// State is one state of a workflow.
type State struct {
	Name     string
	Title    string
	Final    bool
	SLA      *SLA
	Parallel *Parallel
	Line     int
}

// SLA timers of a state: remind the assignees after RemindAfter, escalate to
// EscalateTo (a role in the tenant's parent or the same tenant) after
// EscalateAfter; Due is shown in the inbox.
type SLA struct {
	Due           time.Duration
	RemindAfter   time.Duration
	EscalateAfter time.Duration
	EscalateTo    string
}

// Parallel makes a state a set of steps done by different permission holders;
// when complete (all of them, or any one) the instance moves to Complete.
type Parallel struct {
	Mode     string // all_of | any_of
	Steps    []Step
	Complete string
}

// Step is one parallel step.
type Step struct {
	Name       string
	Title      string
	Permission string
}

// Transition moves an instance from one of From to To when Action is fired by
// someone holding Permission.
type Transition struct {
	Action     string
	Title      string
	From       []string
	To         string
	Permission string
	Guards     []string
	Effects    []string
	Comment    string // required | optional
	Fields     []string
	Line       int
}

// Catalog is what a definition may refer to.
type Catalog struct {
	Subjects    []string
	Permissions []string // object.action pairs known to the authorizer
	Roles       []string
	Guards      []string
	Effects     []string
	Fields      []string
}

// Problem is one validation error.
type Problem struct {
	Line    int
	Message string
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Message) }

// Problems is a list of validation errors.
type Problems []Problem

func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, "\n")
}

// ParseDuration accepts Go durations plus whole days ("3d", "1d12h").
func ParseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var total time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		days, err := strconv.Atoi(s[:i])
		if err != nil || days < 0 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		total = time.Duration(days) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return total, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q (use e.g. 48h, 3d, 1d12h)", s)
	}
	return total + d, nil
}

// Parse reads and validates a definition. On problems the definition is nil.
func Parse(src []byte, cat Catalog) (*Definition, Problems) {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		line := 1
		if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
			_, _ = fmt.Sscanf(te.Errors[0], "line %d", &line)
		} else {
			_, _ = fmt.Sscanf(strings.TrimPrefix(err.Error(), "yaml: "), "line %d", &line)
		}
		return nil, Problems{{Line: line, Message: "not valid YAML: " + err.Error()}}
	}
	p := &parser{cat: cat}
	d := p.definition(&root)
	p.validate(d)
	if len(p.problems) > 0 {
		sort.SliceStable(p.problems, func(i, j int) bool { return p.problems[i].Line < p.problems[j].Line })
		return nil, p.problems
	}
	sum := sha256.Sum256(src)
	d.Hash = hex.EncodeToString(sum[:])
	d.Source = src
	return d, nil
}
