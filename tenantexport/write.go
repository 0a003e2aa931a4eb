package tenantexport

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteText writes the analysis as a report for people: every device with
// its groups, policies, effective configuration and conflicts, then every
// policy with who gets it, then the devices left out.
func (a *Analysis) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	conflicted := 0
	for _, d := range a.Devices {
		if len(d.Conflicts) > 0 {
			conflicted++
		}
	}
	p("Devices managed: %d (with conflicts: %d); policies: %d; groups: %d; devices left out: %d\n",
		len(a.Devices), conflicted, len(a.Policies), len(a.Groups), len(a.Skipped))
	names := map[string]string{}
	for _, g := range a.Groups {
		names[g.GroupID] = g.Name
	}
	for _, pa := range a.Policies {
		names[pa.PolicyID] = pa.Name
	}
	short := func(ids []string) string {
		if len(ids) == 0 {
			return "none"
		}
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = cmp.Or(names[id], id)
		}
		return strings.Join(out, ", ")
	}
	if len(a.Devices) > 0 {
		p("\nDevices\n")
	}
	for _, d := range a.Devices {
		p("  %s, %s, enrollment %s\n", label(d.Name, d.DeviceID), d.Platform, d.Enrollment)
		p("    groups: %s\n", short(d.Groups))
		p("    policies: %s\n", short(d.Delivered))
		if na := minus(d.Assigned, d.Delivered); len(na) > 0 {
			p("    assigned, not for its platform: %s\n", short(na))
		}
		for _, s := range d.Settings {
			p("    %s = %s  [%s]\n", s.SettingID, valueText(s.Value), short(s.Policies))
		}
		for _, c := range d.Conflicts {
			p("    ! conflict on %s between %s (withheld)\n", c.SettingID, short(c.Policies))
		}
	}
	if len(a.Policies) > 0 {
		p("\nPolicies\n")
	}
	for _, pa := range a.Policies {
		p("  %s, %s: %s\n", label(pa.Name, pa.PolicyID), pa.Platforms, listOrNone(pa.Assignments))
		p("    targets %s; delivered to %s; not applicable on %s; in conflict on %s\n",
			devices(pa.Targeted), devices(len(pa.Delivered)), devices(len(pa.NotApplicable)), devices(len(pa.InConflict)))
		if len(pa.Delivered) > 0 {
			p("    delivered: %s\n", strings.Join(pa.Delivered, ", "))
		}
		if len(pa.InConflict) > 0 {
			p("    in conflict: %s\n", strings.Join(pa.InConflict, ", "))
		}
	}
	if len(a.Groups) > 0 {
		p("\nGroups\n")
	}
	for _, g := range a.Groups {
		kind := "static"
		if g.Rule != "" {
			kind = "rule " + g.Rule
			if g.Processing == "Paused" {
				kind += " (paused)"
			}
		}
		p("  %s, %s: %s\n", label(g.Name, g.GroupID), kind, devices(len(g.Members)))
	}
	if len(a.Skipped) > 0 {
		p("\nLeft out\n")
	}
	for _, s := range a.Skipped {
		p("  %s, %s: %s\n", label(s.Name, s.DeviceID), s.OperatingSystem, s.Reason)
	}
	return bw.Flush()
}

// WriteJSON writes the analysis as indented JSON.
func (a *Analysis) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(a)
}

// csvColumns are the columns of the analysis's CSV form.
var csvColumns = []string{"Section", "Id", "Name", "Kind", "Subject", "Value", "Policies"}

// WriteCSV writes the analysis as one CSV table. Device rows (Section
// "device") are one per group (Kind group), delivered policy (policy),
// setting of the effective configuration (setting, with its value and the
// policies delivering it) and conflict (conflict, with the policies in
// conflict), plus one row of Kind enrollment with its status. Policy rows
// (Section "policy") are one per device it is delivered to (delivered),
// not applicable on (notApplicable) and in conflict on (inConflict), plus
// one row of Kind targeted with the number of devices it targets. Group
// rows (Section "group") are one of Kind static or rule (Subject the
// processing state, Value the rule) and one per member (member). Skipped
// devices are rows of Section "skipped". Lists are joined with ";".
func (a *Analysis) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(csvColumns)
	for _, d := range a.Devices {
		row := func(kind, subject, value string, policies []string) {
			_ = cw.Write([]string{"device", d.DeviceID, d.Name, kind, subject, value, strings.Join(policies, ";")})
		}
		row("enrollment", d.Platform, string(d.Enrollment), nil)
		for _, g := range d.Groups {
			row("group", g, "", nil)
		}
		for _, p := range d.Delivered {
			row("policy", p, "", nil)
		}
		for _, s := range d.Settings {
			row("setting", s.SettingID, valueText(s.Value), s.Policies)
		}
		for _, c := range d.Conflicts {
			row("conflict", c.SettingID, "", c.Policies)
		}
	}
	for _, p := range a.Policies {
		row := func(kind, subject, value string) {
			_ = cw.Write([]string{"policy", p.PolicyID, p.Name, kind, subject, value, ""})
		}
		row("targeted", strings.Join(p.Assignments, ";"), strconv.Itoa(p.Targeted))
		for _, d := range p.Delivered {
			row("delivered", d, "")
		}
		for _, d := range p.NotApplicable {
			row("notApplicable", d, "")
		}
		for _, d := range p.InConflict {
			row("inConflict", d, "")
		}
	}
	for _, g := range a.Groups {
		kind := "static"
		if g.Rule != "" {
			kind = "rule"
		}
		_ = cw.Write([]string{"group", g.GroupID, g.Name, kind, g.Processing, g.Rule, ""})
		for _, m := range g.Members {
			_ = cw.Write([]string{"group", g.GroupID, g.Name, "member", m, "", ""})
		}
	}
	for _, s := range a.Skipped {
		_ = cw.Write([]string{"skipped", s.DeviceID, s.Name, "platform", s.OperatingSystem, s.Reason, ""})
	}
	cw.Flush()
	return cw.Error()
}

func label(name, id string) string {
	if name == "" || name == id {
		return id
	}
	return fmt.Sprintf("%s (%s)", name, id)
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func devices(n int) string {
	if n == 1 {
		return "1 device"
	}
	return fmt.Sprintf("%d devices", n)
}

// minus returns the elements of a that b lacks.
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		found := false
		for _, y := range b {
			if x == y {
				found = true
				break
			}
		}
		if !found {
			out = append(out, x)
		}
	}
	return out
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
