package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"doanbd/plugins/sdk"
)

// UsageStore is what List needs from storage.
type UsageStore interface {
	Usage(ctx context.Context) (map[string][]string, error)
	Statuses(ctx context.Context) (map[string]Status, error)
}

// Row is one line of `doanbd plugin list`.
type Row struct {
	Name         string
	Version      string
	Capabilities []string
	Status       string // ok, failed or disabled
	Reason       string
	Tenants      []string
}

// List reports every installed plugin: its status, and the tenants that
// enabled it. A plugin is failed when its manifest or checksum is wrong,
// when probe is set and it does not start and answer a ping here, or when a
// server's last report says so; disabled when no tenant enabled it.
func List(ctx context.Context, h *Host, st UsageStore, probe bool) ([]Row, error) {
	usage, err := st.Usage(ctx)
	if err != nil {
		return nil, err
	}
	reports, err := st.Statuses(ctx)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for _, in := range h.Plugins() {
		r := Row{Name: in.Name, Version: in.Version, Capabilities: in.Capabilities, Status: in.Status, Reason: in.Reason,
			Tenants: usage[in.Name]}
		if r.Status == StatusOK && probe {
			if err := h.probe(ctx, in.Name); err != nil {
				r.Status, r.Reason = StatusFailed, err.Error()
			}
		}
		if rep, ok := reports[in.Name]; ok && r.Status == StatusOK && rep.Status == StatusFailed {
			r.Status = StatusFailed
			r.Reason = fmt.Sprintf("reported by %s at %s: %s", rep.Reporter, rep.UpdatedAt.Format(time.RFC3339), rep.Reason)
		}
		if r.Status == StatusOK && len(r.Tenants) == 0 {
			r.Status = StatusDisabled
		}
		rows = append(rows, r)
	}
	// Plugins tenants enabled that are not installed here.
	installed := map[string]bool{}
	for _, r := range rows {
		installed[r.Name] = true
	}
	var missing []string
	for name := range usage {
		if !installed[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		rows = append(rows, Row{Name: name, Status: StatusFailed, Reason: "not installed, but enabled by tenants", Tenants: usage[name]})
	}
	return rows, nil
}

// probe starts the plugin if needed and pings it.
func (h *Host) probe(ctx context.Context, name string) error {
	p, ok := h.procs[name]
	if !ok {
		return errNotInstalled
	}
	ctx, cancel := context.WithTimeout(ctx, h.opt.StartTimeout+h.opt.CallTimeout)
	defer cancel()
	err := p.call(ctx, func(ctx context.Context, c *sdk.Client) error { return c.Ping(ctx) })
	if err == nil {
		return nil
	}
	var fe *failedError
	if errors.As(err, &fe) {
		return errors.New(fe.reason)
	}
	if s := p.snapshot(); s.Reason != "" {
		return errors.New(s.Reason)
	}
	return err
}

// WriteTable prints rows as the CLI shows them.
func WriteTable(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tCAPABILITIES\tSTATUS\tTENANTS\tDETAIL")
	for _, r := range rows {
		tenants := strings.Join(r.Tenants, ",")
		if tenants == "" {
			tenants = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Version, strings.Join(r.Capabilities, ","), r.Status, tenants,
			strings.ReplaceAll(r.Reason, "\n", " "))
	}
	return tw.Flush()
}
