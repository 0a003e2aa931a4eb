package secmgmt

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the impact as a report for people: the change, the
// counts, the groups whose members change, each device with what changes
// for it, the policies and the conflicts. At most maxDevices devices are
// detailed (0: all); the report says how many it left out.
func (imp *Impact) WriteText(w io.Writer, maxDevices int) error {
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	names := map[string]string{}
	for _, g := range imp.Groups {
		names[g.GroupID] = g.Name
	}
	for _, pi := range imp.Policies {
		names[pi.PolicyID] = pi.Name
	}
	for _, c := range imp.Conflicts {
		for _, s := range c.Policies {
			names[s.ID] = s.DisplayName
		}
	}
	named := func(ids []string) string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = label(names[id], id)
		}
		return strings.Join(out, ", ")
	}
	short := func(ids []string) string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = cmp.Or(names[id], id)
		}
		return strings.Join(out, ", ")
	}
	p("Change: %s\n", imp.Change)
	p("Devices evaluated: %d; changed: %d (entering management: %d, leaving: %d)\n",
		imp.Evaluated, len(imp.Devices), imp.Entering(), imp.Leaving())

	if len(imp.Groups) > 0 {
		p("\nGroups\n")
		for _, g := range imp.Groups {
			p("  %s: +%d -%d\n", label(g.Name, g.GroupID), len(g.Added), len(g.Removed))
			if len(g.Added) > 0 {
				p("    joined: %s\n", listText(g.Added, 20))
			}
			if len(g.Removed) > 0 {
				p("    left: %s\n", listText(g.Removed, 20))
			}
		}
	}

	if len(imp.Devices) > 0 {
		p("\nDevices\n")
	}
	for i, d := range imp.Devices {
		if maxDevices > 0 && i == maxDevices {
			p("  … and %d more devices\n", len(imp.Devices)-maxDevices)
			break
		}
		p("  %s, %s\n", label(d.Name, d.DeviceID), d.Platform)
		switch d.Management {
		case ManagementEntering:
			p("    enters security settings management (%s → %s)\n", d.EnrollmentBefore, d.EnrollmentAfter)
		case ManagementLeaving:
			p("    leaves security settings management (%s → %s); it keeps the settings it has, unmanaged\n", d.EnrollmentBefore, d.EnrollmentAfter)
		}
		if len(d.GroupsJoined) > 0 {
			p("    joins %s\n", named(d.GroupsJoined))
		}
		if len(d.GroupsLeft) > 0 {
			p("    leaves %s\n", named(d.GroupsLeft))
		}
		if len(d.PoliciesAdded) > 0 {
			p("    receives %s\n", named(d.PoliciesAdded))
		}
		if len(d.PoliciesRemoved) > 0 {
			p("    stops receiving %s\n", named(d.PoliciesRemoved))
		}
		for _, s := range d.Settings {
			src := ""
			if len(s.Policies) > 0 {
				src = "  [" + short(s.Policies) + "]"
			}
			switch s.Change {
			case SettingAdded:
				p("    + %s = %s%s\n", s.SettingID, valueText(s.After), src)
			case SettingRemoved:
				p("    - %s (was %s)\n", s.SettingID, valueText(s.Before))
			case SettingChanged:
				p("    ~ %s: %s → %s%s\n", s.SettingID, valueText(s.Before), valueText(s.After), src)
			}
		}
		for _, c := range d.ConflictsAppeared {
			p("    ! conflict appears on %s between %s\n", c.SettingID, short(c.Policies))
		}
		for _, c := range d.ConflictsResolved {
			p("    ✓ conflict disappears on %s between %s\n", c.SettingID, short(c.Policies))
		}
	}

	if len(imp.Policies) > 0 {
		p("\nPolicies\n")
		for _, pi := range imp.Policies {
			p("  %s: gains %s, loses %s", label(pi.Name, pi.PolicyID), devices(len(pi.Gained)), devices(len(pi.Lost)))
			if pi.ConflictsAppeared > 0 || pi.ConflictsResolved > 0 {
				p("; enters a conflict on %s, leaves its conflicts on %s", devices(pi.ConflictsAppeared), devices(pi.ConflictsResolved))
			}
			p("\n")
		}
	}
	if len(imp.Conflicts) > 0 {
		p("\nConflicts\n")
		for _, c := range imp.Conflicts {
			names := make([]string, len(c.Policies))
			for i, s := range c.Policies {
				names[i] = label(s.DisplayName, s.ID)
			}
			p("  %s: appear on %s, disappear from %s; settings %s\n",
				strings.Join(names, " vs "), devices(c.Appeared), devices(c.Resolved), strings.Join(c.Settings, ", "))
		}
	}
	if len(imp.Devices) == 0 && len(imp.Groups) == 0 {
		p("\nNothing would change.\n")
	}
	return bw.Flush()
}

// WriteJSON writes the impact as indented JSON.
func (imp *Impact) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(imp)
}

// impactColumns are the columns of the impact's CSV form.
var impactColumns = []string{"DeviceId", "DeviceName", "Kind", "Change", "Subject", "Before", "After", "Policies"}

// WriteCSV writes the impact as CSV, one row per change of one device:
// Kind is management (Change entering or leaving, Before and After the
// enrollment statuses), group (joined, left), policy (added, removed),
// setting (added, removed, changed, with the values and the policies
// delivering it) or conflict (appeared, resolved, with the policies in
// conflict). Lists are joined with ";".
func (imp *Impact) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(impactColumns); err != nil {
		return err
	}
	for _, d := range imp.Devices {
		row := func(kind, change, subject, before, after string, policies []string) {
			_ = cw.Write([]string{d.DeviceID, d.Name, kind, change, subject, before, after, strings.Join(policies, ";")})
		}
		if d.Management != "" {
			row("management", string(d.Management), "", string(d.EnrollmentBefore), string(d.EnrollmentAfter), nil)
		}
		for _, g := range d.GroupsJoined {
			row("group", "joined", g, "", "", nil)
		}
		for _, g := range d.GroupsLeft {
			row("group", "left", g, "", "", nil)
		}
		for _, p := range d.PoliciesAdded {
			row("policy", "added", p, "", "", nil)
		}
		for _, p := range d.PoliciesRemoved {
			row("policy", "removed", p, "", "", nil)
		}
		for _, s := range d.Settings {
			before, after := "", ""
			if s.Before != nil {
				before = valueText(s.Before)
			}
			if s.After != nil {
				after = valueText(s.After)
			}
			row("setting", string(s.Change), s.SettingID, before, after, s.Policies)
		}
		for _, c := range d.ConflictsAppeared {
			row("conflict", "appeared", c.SettingID, "", "", c.Policies)
		}
		for _, c := range d.ConflictsResolved {
			row("conflict", "resolved", c.SettingID, "", "", c.Policies)
		}
	}
	cw.Flush()
	return cw.Error()
}

// label names something by its name and id.
func label(name, id string) string {
	if name == "" || name == id {
		return id
	}
	return fmt.Sprintf("%s (%s)", name, id)
}

// devices counts devices in words.
func devices(n int) string {
	if n == 1 {
		return "1 device"
	}
	return fmt.Sprintf("%d devices", n)
}

// listText joins at most n ids, saying how many it left out.
func listText(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s, … (%d more)", strings.Join(ids[:n], ", "), len(ids)-n)
}

// valueText renders a flattened value: a string as it is, anything else as
// JSON.
func valueText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
