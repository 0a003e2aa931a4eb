// Command whatif reads a tenant exported from Microsoft Graph (policies with
// their assignments, groups, devices) and reports what it delivers, or what
// a change would do to it before anyone makes the change.
//
//	go run ./examples/whatif -dir examples/whatif/testdata
//	go run ./examples/whatif -dir examples/whatif/testdata -format csv
//	go run ./examples/whatif -dir examples/whatif/testdata -assign 'Finance - CPU limit=Engineering'
//	go run ./examples/whatif -dir examples/whatif/testdata -rule 'Finance=device.displayName -startsWith "AMS-"'
//	go run ./examples/whatif -dir examples/whatif/testdata -change examples/whatif/testdata/changes/servers-and-pilot.json
//
// Without a change it prints the tenant analysis: per device its groups,
// effective configuration and conflicts, per policy who gets it. With one
// or more changes (a change file, then the -assign and -rule flags, applied
// in that order as one batch) it prints the simulated impact: the devices
// whose configuration would change, setting by setting, the conflicts that
// would appear or disappear, the devices that would enter or leave
// management, and the group memberships that would move. Nothing is
// changed: the tenant is loaded into an in-memory service, and the change
// is only simulated.
//
// Policies and groups are named by id or by display name. -assign
// POLICY=GROUP[,GROUP...] replaces the policy's assignments with those
// groups included (a group written !GROUP is excluded, "all" is all
// devices); -rule GROUP=RULE sets a group's membership rule. -format is
// text (the default), json or csv.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/tenantexport"
)

// options are the command's flags.
type options struct {
	dir        string
	format     string
	changeFile string
	assign     []string
	rules      []string
	maxDevices int
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, "; ") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	var o options
	var assign, rules multi
	flag.StringVar(&o.dir, "dir", "examples/whatif/testdata", "the tenant export folder")
	flag.StringVar(&o.format, "format", "text", "text, json or csv")
	flag.StringVar(&o.changeFile, "change", "", "a change file (JSON) to simulate")
	flag.Var(&assign, "assign", "POLICY=GROUP[,!GROUP,...]: simulate assigning a policy (repeatable)")
	flag.Var(&rules, "rule", "GROUP=RULE: simulate a group's new membership rule (repeatable)")
	flag.IntVar(&o.maxDevices, "max", 0, "text: detail at most this many devices of an impact (0: all)")
	flag.Parse()
	o.assign, o.rules = assign, rules
	if err := run(context.Background(), os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "whatif:", err)
		os.Exit(1)
	}
}

// run reads the export and prints its analysis, or the impact of the
// changes the options name.
func run(ctx context.Context, w io.Writer, o options) error {
	switch o.format {
	case "text", "json", "csv":
	default:
		return fmt.Errorf("-format %q: want text, json or csv", o.format)
	}
	e, err := tenantexport.ReadDir(o.dir)
	if err != nil {
		return err
	}
	changes, err := changesOf(e, o)
	if err != nil {
		return err
	}
	if len(changes) == 0 {
		a, err := tenantexport.AnalyzeExport(ctx, e)
		if err != nil {
			return err
		}
		switch o.format {
		case "json":
			return a.WriteJSON(w)
		case "csv":
			return a.WriteCSV(w)
		}
		return a.WriteText(w)
	}

	svc, err := e.Load(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	change := changes[0]
	if len(changes) > 1 {
		change = secmgmt.BatchChange(changes...)
	}
	imp, err := svc.Simulate(ctx, change)
	if err != nil {
		return err
	}
	switch o.format {
	case "json":
		return imp.WriteJSON(w)
	case "csv":
		return imp.WriteCSV(w)
	}
	return imp.WriteText(w, o.maxDevices)
}

// changesOf reads the change file and the flags' changes, in that order.
func changesOf(e *tenantexport.Export, o options) ([]secmgmt.Change, error) {
	var out []secmgmt.Change
	if o.changeFile != "" {
		data, err := os.ReadFile(o.changeFile)
		if err != nil {
			return nil, err
		}
		c, err := secmgmt.DecodeChange(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.changeFile, err)
		}
		out = append(out, c)
	}
	for _, a := range o.assign {
		name, targets, ok := strings.Cut(a, "=")
		if !ok {
			return nil, fmt.Errorf("-assign %q: want POLICY=GROUP[,GROUP...]", a)
		}
		pid, err := policyID(e, name)
		if err != nil {
			return nil, fmt.Errorf("-assign %q: %w", a, err)
		}
		var as []*policy.Assignment
		for _, t := range strings.Split(targets, ",") {
			t = strings.TrimSpace(t)
			switch {
			case t == "":
			case strings.EqualFold(t, "all"):
				as = append(as, policy.AllDevices())
			case strings.HasPrefix(t, "!"):
				gid, err := groupID(e, t[1:])
				if err != nil {
					return nil, fmt.Errorf("-assign %q: %w", a, err)
				}
				as = append(as, policy.Exclude(gid))
			default:
				gid, err := groupID(e, t)
				if err != nil {
					return nil, fmt.Errorf("-assign %q: %w", a, err)
				}
				as = append(as, policy.Include(gid))
			}
		}
		out = append(out, secmgmt.AssignPolicyChange(pid, as...))
	}
	for _, r := range o.rules {
		name, rule, ok := strings.Cut(r, "=")
		if !ok {
			return nil, fmt.Errorf("-rule %q: want GROUP=RULE", r)
		}
		gid, err := groupID(e, name)
		if err != nil {
			return nil, fmt.Errorf("-rule %q: %w", r, err)
		}
		out = append(out, secmgmt.SetGroupRuleChange(gid, rule))
	}
	return out, nil
}

var errUnknown = errors.New("not in the export")

// policyID finds a policy by id or display name.
func policyID(e *tenantexport.Export, name string) (string, error) {
	name = strings.TrimSpace(name)
	for _, p := range e.Policies {
		if p.ID == name || strings.EqualFold(p.Name, name) {
			return p.ID, nil
		}
	}
	return "", fmt.Errorf("policy %q: %w", name, errUnknown)
}

// groupID finds a group by id or display name.
func groupID(e *tenantexport.Export, name string) (string, error) {
	name = strings.TrimSpace(name)
	for _, g := range e.Groups {
		if strings.EqualFold(g.ID, name) || strings.EqualFold(g.DisplayName, name) {
			return g.ID, nil
		}
	}
	return "", fmt.Errorf("group %q: %w", name, errUnknown)
}
