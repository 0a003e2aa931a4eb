package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/transport"
)

// tamperProtectionID is the Windows Security Experience setting that turns
// tamper protection on or off; tamperProtectionOn is its "On" option (the
// catalog's _0, which is what tenants' tamper protection policies send).
const (
	tamperProtectionID = "vendor_msft_defender_configuration_tamperprotection_options"
	tamperProtectionOn = tamperProtectionID + "_0"
)

// unit is one reported setting: a top-level setting, or a child of a group
// whose children merge on their own (an attack surface reduction rule, a
// threat severity action).
type unit struct {
	key    string
	def    *policy.Definition // nil when the catalog does not know the setting
	inst   *policy.SettingInstance
	top    int // index of its top-level setting
	status report.Status
	code   int
	msg    string
	value  string
}

// units splits a configuration into the settings the device reports on.
func (a *Agent) units(settings []*policy.SettingInstance) []*unit {
	var out []*unit
	for i, s := range settings {
		if s == nil || s.DefinitionID == "" {
			continue
		}
		def, ok := a.cfg.catalog.Definition(s.DefinitionID)
		if !ok || def.Merge != policy.MergePerChild || !def.Kind.IsGroup() {
			u := &unit{key: s.DefinitionID, inst: s, top: i}
			if ok {
				u.def = def
			}
			out = append(out, u)
			continue
		}
		parentNA := a.notApplicable(def)
		for _, item := range s.GroupItems() {
			if item == nil {
				continue
			}
			for _, c := range item.Children {
				if c == nil || c.DefinitionID == "" {
					continue
				}
				u := &unit{key: c.DefinitionID, inst: c, top: i}
				if cd, ok := def.Child(c.DefinitionID); ok {
					u.def = cd
				}
				if parentNA != "" {
					u.status, u.msg = report.StatusNotApplicable, parentNA
				}
				out = append(out, u)
			}
		}
	}
	return out
}

// notApplicable says why the device cannot take a setting, or "".
func (a *Agent) notApplicable(def *policy.Definition) string {
	switch {
	case def.Platforms != 0 && !def.Platforms.Has(a.flag):
		return fmt.Sprintf("the setting is for %s, not %s", def.Platforms, a.platform)
	case !def.SupportedIn(a.cfg.variant):
		return "security settings management does not deliver this setting"
	case def.MinOSVersion != "" && a.cfg.osVersion != "" && compareVersions(a.cfg.osVersion, def.MinOSVersion) < 0:
		return fmt.Sprintf("the setting needs OS version %s or later", def.MinOSVersion)
	}
	return ""
}

// apply applies a configuration to the simulated device and prepares its
// report. Called with a.mu held.
func (a *Agent) apply(cfg *transport.Configuration) {
	units := a.units(cfg.Settings)

	// Decide what the device cannot take or fails to take.
	for _, u := range units {
		if u.status != "" {
			continue
		}
		if u.def == nil {
			u.status, u.msg = report.StatusNotApplicable, "the device does not know this setting"
			continue
		}
		if why := a.notApplicable(u.def); why != "" {
			u.status, u.msg = report.StatusNotApplicable, why
			continue
		}
		if f, ok := a.cfg.failures[u.key]; ok {
			u.status, u.code, u.msg = report.StatusError, f.Code, f.Message
			continue
		}
		u.status = report.StatusSucceeded
	}

	// Write what remains in the device's format; what the renderer
	// refuses fails with RenderFailureCode.
	a.rendered = a.render(cfg.Settings, units)

	// Tamper protection itself comes first: it decides what the others may
	// change.
	slices.SortStableFunc(units, func(x, y *unit) int {
		return boolRank(x.key != tamperProtectionID) - boolRank(y.key != tamperProtectionID)
	})
	managed := map[string]bool{}
	for _, u := range units {
		managed[u.key] = true
		if u.status != report.StatusSucceeded {
			if u.status == report.StatusError {
				u.value = a.current(u)
			}
			continue
		}
		v := deviceValue(u.def, u.inst, a.flag)
		if u.key == tamperProtectionID && a.flag == policy.PlatformWindows10 {
			item, _ := u.inst.ChoiceItemID()
			a.tamper = item == tamperProtectionOn
		}
		if u.def.TamperProtected && a.tamper {
			u.value = a.current(u) // reported applied; the value stays
			a.state[u.key] = u.value
			continue
		}
		u.value = v
		a.state[u.key] = v
	}
	// Settings no longer delivered leave the device's managed state, unless
	// tamper protection holds them.
	for key := range a.managed {
		if managed[key] {
			continue
		}
		if def, ok := a.cfg.catalog.Definition(key); ok && def.TamperProtected && a.tamper {
			continue
		}
		delete(a.state, key)
	}
	a.managed = managed

	slices.SortStableFunc(units, func(x, y *unit) int { return x.top - y.top })
	results := make([]transport.SettingResult, len(units))
	for i, u := range units {
		results[i] = transport.SettingResult{SettingID: u.key, Status: u.status, ErrorCode: u.code, Message: u.msg}
		if u.def == nil || u.def.Kind != policy.KindSecret {
			results[i].Value = u.value
		}
	}
	a.results = results
	a.version = cfg.Version
	a.applied[cfg.Version]++
	a.pending = &transport.StatusReport{
		DeviceID:             a.id,
		ReportID:             reportID(a.id, cfg.Version, a.applied[cfg.Version]),
		ConfigurationVersion: cfg.Version,
		Results:              results,
	}
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// current is the value in effect for a unit the configuration does not
// change: the device's value, else the definition's default, else "".
func (a *Agent) current(u *unit) string {
	if v, ok := a.state[u.key]; ok {
		return v
	}
	if u.def == nil || u.def.Default == nil {
		return ""
	}
	switch d := u.def.Default.(type) {
	case string:
		if opt, ok := u.def.Option(d); ok && u.def.Kind == policy.KindChoice {
			return optionText(opt.Value)
		}
		return d
	default:
		return optionText(d)
	}
}

// render writes the succeeded settings in the device's format. A setting
// the renderer refuses is marked failed and left out, and the rest is
// rendered again.
func (a *Agent) render(settings []*policy.SettingInstance, units []*unit) Rendering {
	byTop := map[int][]*unit{}
	for _, u := range units {
		byTop[u.top] = append(byTop[u.top], u)
	}
	for {
		var list []*policy.SettingInstance
		var tops []int
		for i, s := range settings {
			if inst := keep(s, byTop[i]); inst != nil {
				list = append(list, inst)
				tops = append(tops, i)
			}
		}
		out, err := a.renderList(list)
		var re *policy.RenderError
		if !errors.As(err, &re) {
			return out
		}
		changed := false
		for _, p := range re.Problems {
			if p.Index < 0 || p.Index >= len(tops) {
				continue
			}
			for _, u := range byTop[tops[p.Index]] {
				if u.status == report.StatusSucceeded {
					u.status, u.code = report.StatusError, RenderFailureCode
					u.msg = "the device cannot write the setting: " + p.Detail
					changed = true
				}
			}
		}
		if !changed { // cannot happen with the policy renderers; never loop
			for _, u := range units {
				if u.status == report.StatusSucceeded {
					u.status, u.code, u.msg = report.StatusError, RenderFailureCode, "the device cannot write its configuration"
				}
			}
			out, _ := a.renderList(nil)
			return out
		}
	}
}

// keep returns the part of a top-level setting the device writes: the
// setting when it succeeded; for a group whose children report on their
// own, a copy holding only the children that succeeded; nil for nothing.
func keep(s *policy.SettingInstance, us []*unit) *policy.SettingInstance {
	if s == nil || len(us) == 0 {
		return nil
	}
	if len(us) == 1 && us[0].inst == s {
		if us[0].status == report.StatusSucceeded {
			return s
		}
		return nil
	}
	ok := map[*policy.SettingInstance]bool{}
	for _, u := range us {
		if u.status == report.StatusSucceeded {
			ok[u.inst] = true
		}
	}
	if len(ok) == 0 {
		return nil
	}
	c := *s
	filter := func(g *policy.GroupValue) *policy.GroupValue {
		if g == nil {
			return nil
		}
		fg := *g
		fg.Children = nil
		for _, ch := range g.Children {
			if ok[ch] {
				fg.Children = append(fg.Children, ch)
			}
		}
		return &fg
	}
	c.Group = filter(s.Group)
	c.Groups = nil
	for _, g := range s.Groups {
		if fg := filter(g); fg != nil && len(fg.Children) > 0 {
			c.Groups = append(c.Groups, fg)
		}
	}
	return &c
}

func (a *Agent) renderList(list []*policy.SettingInstance) (Rendering, error) {
	r := Rendering{Platform: a.platform}
	var err error
	switch a.flag {
	case policy.PlatformLinux:
		r.File, err = policy.RenderLinux(a.cfg.catalog, list)
	case policy.PlatformMacOS:
		r.File, err = policy.RenderMacOS(a.cfg.catalog, list)
	default:
		r.Operations, err = policy.RenderWindows(a.cfg.catalog, list)
		if r.Operations == nil && err == nil {
			r.Operations = []policy.CSPOperation{}
		}
	}
	return r, err
}

// optionText is an option value as text.
func optionText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// deviceValue is the value a setting puts in effect, in the device's terms:
// an option's value (CSP integer, boolean, or preference string), an
// integer, a string; lists joined with "|" on Windows and as a JSON array
// elsewhere; groups as a JSON array of items, each an object from the
// children's names to their values. Secrets are never shown.
func deviceValue(def *policy.Definition, s *policy.SettingInstance, platform policy.Platforms) string {
	switch def.Kind {
	case policy.KindChoice:
		if s.Choice == nil {
			return ""
		}
		if opt, ok := def.Option(s.Choice.ItemID); ok {
			return optionText(opt.Value)
		}
		return s.Choice.ItemID
	case policy.KindChoiceCollection:
		var vs []string
		for _, c := range s.Choices {
			if c == nil {
				continue
			}
			if opt, ok := def.Option(c.ItemID); ok {
				vs = append(vs, optionText(opt.Value))
			}
		}
		return list(vs, platform)
	case policy.KindInteger:
		if v, ok := s.IntegerValue(); ok {
			return strconv.FormatInt(v, 10)
		}
	case policy.KindString:
		v, _ := s.StringValue()
		return v
	case policy.KindIntegerCollection:
		ints, _ := s.IntegerValues()
		vs := make([]string, len(ints))
		for i, n := range ints {
			vs[i] = strconv.FormatInt(n, 10)
		}
		return list(vs, platform)
	case policy.KindStringCollection:
		vs, _ := s.StringValues()
		return list(vs, platform)
	case policy.KindGroup, policy.KindGroupCollection:
		var items []map[string]string
		for _, g := range s.GroupItems() {
			if g == nil {
				continue
			}
			item := map[string]string{}
			groupValues(def, g.Children, item, platform)
			items = append(items, item)
		}
		b, _ := json.Marshal(items)
		return string(b)
	}
	return ""
}

// groupValues adds the children's values to item, by name: their
// preference path, the last segment of their CSP URI, or their id.
func groupValues(parent *policy.Definition, children []*policy.SettingInstance, item map[string]string, platform policy.Platforms) {
	for _, c := range children {
		if c == nil {
			continue
		}
		cd, ok := parent.Child(c.DefinitionID)
		if !ok || cd.Kind == policy.KindSecret {
			continue
		}
		item[valueName(cd)] = deviceValue(cd, c, platform)
		if c.Choice != nil {
			groupValues(cd, c.Choice.Children, item, platform)
		}
	}
}

func valueName(d *policy.Definition) string {
	switch {
	case d.Location.Path != "":
		return d.Location.Path
	case d.Location.CSP != "":
		return d.Location.CSP[strings.LastIndexByte(d.Location.CSP, '/')+1:]
	}
	return d.ID
}

func list(vs []string, platform policy.Platforms) string {
	if platform == policy.PlatformWindows10 {
		return strings.Join(vs, "|")
	}
	if vs == nil {
		vs = []string{}
	}
	b, _ := json.Marshal(vs)
	return string(b)
}

// parseVersion reads a dotted version ("10.0.19045").
func parseVersion(v string) ([]int, bool) {
	parts := strings.Split(v, ".")
	out := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

// compareVersions compares dotted versions numerically; a version that
// does not parse compares as equal.
func compareVersions(x, y string) int {
	a, okA := parseVersion(x)
	b, okB := parseVersion(y)
	if !okA || !okB {
		return 0
	}
	for i := range max(len(a), len(b)) {
		var p, q int
		if i < len(a) {
			p = a[i]
		}
		if i < len(b) {
			q = b[i]
		}
		if p != q {
			return p - q
		}
	}
	return 0
}
