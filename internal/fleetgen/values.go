package fleetgen

import (
	"strconv"
	"strings"

	"github.com/secmgmt/secmgmt/policy"
)

// Setting values. valueOf gives every definition a value that depends only
// on the definition and a variant number: policies that give a setting the
// same variant give it equal values (the merge delivers it once), different
// variants give different values (a conflict), except for the settings
// that merge, whose lists and items combine.

// hint is a list of plausible values for the settings whose id contains
// key.
type hint struct {
	key    string
	values []string
}

// hints are matched against the lower-cased definition id, in order.
var hints = []hint{
	{"excludedpaths", []string{`C:\Program Files\Contoso\Agent\`, `D:\SQLData\`, `C:\Windows\Temp\Backup\`, `E:\Builds\`, `C:\ProgramData\Vendor\Cache\`, `C:\Hyper-V\`}},
	{"excludedextensions", []string{".log", ".vhdx", ".bak", ".pst", ".iso", ".ldf", ".mdf"}},
	{"excludedprocesses", []string{"sqlservr.exe", "backup.exe", "msbuild.exe", "vmwp.exe", "java.exe", "node.exe"}},
	{"perruleexclusions", []string{`C:\Tools\Macro\macro.exe`, `C:\Program Files\Vendor\plugin.exe`, `C:\Program Files\ERP\client.exe`}},
	{"onlyexclusions", []string{`C:\Program Files\LegacyApp\app.exe`, `C:\Scripts\`, `D:\Automation\runner.exe`}},
	{"allowedapplications", []string{`C:\Program Files\Backup\agent.exe`, `C:\Windows\System32\robocopy.exe`}},
	{"protectedfolders", []string{`C:\Finance\`, `D:\Shares\Legal\`, `C:\Users\Public\Records\`}},
	{"fallbackorder", []string{"InternalDefinitionUpdateServer", "MicrosoftUpdateServer", "MMPC", "FileShares"}},
	{"filesharessources", []string{`\\fs01.contoso.com\defs`, `\\fs02.contoso.com\defs`}},
	{"com.apple.managedclient.preferences_exclusions_item_path", []string{"/Applications/Contoso.app", "/Users/Shared/Builds", "/Library/Caches/Vendor", "/opt/homebrew/var"}},
	{"item_path", []string{"/var/log/app", "/opt/contoso/agent", "/srv/backup", "/var/lib/docker", "/home/build/cache"}},
	{"item_extension", []string{"log", "bak", "tmp", "iso"}},
	{"item_name", []string{"java", "postgres", "nginx", "dockerd", "rsync"}},
	{"signingid", []string{"com.contoso.agent", "com.contoso.backup"}},
	{"teamid", []string{"CONTOSO01", "CONTOSO02"}},
	{"args", []string{"--daemon", "--quiet"}},
	{"allowedthreats", []string{"EICAR-Test-File (not a virus)", "Contoso-Test-Sample"}},
	{"disallowedthreatactions", []string{"allow", "restore"}},
	{"unmonitoredfilesystems", []string{"nfs", "fuse", "cifs"}},
	{"tags_item_value", []string{"Pilot", "Tier1", "Finance"}},
	{"companyname", []string{"Contoso IT", "Contoso Security Operations"}},
	{"email", []string{"security@contoso.com", "helpdesk@contoso.com"}},
	{"phone", []string{"+1 555 0100", "+44 20 7946 0000"}},
	{"_url", []string{"https://support.contoso.com/security", "https://help.contoso.com"}},
	{"tlsauthenticationendpoints", []string{"https://nls.contoso.com", "https://nls2.contoso.com"}},
	{"networkname", []string{"corp.contoso.com", "contoso.local"}},
}

// sample returns the k-th plausible text for def: from its hint, then
// made distinct by numbering, within the definition's length bounds.
func sample(def *policy.Definition, k int) string {
	id := strings.ToLower(def.ID)
	var s string
	for _, h := range hints {
		if strings.Contains(id, h.key) {
			s = h.values[k%len(h.values)]
			if n := k / len(h.values); n > 0 {
				s = numbered(s, n)
			}
			break
		}
	}
	if s == "" {
		s = def.Name
		if s == "" {
			s = "value"
		}
		s = strings.ToLower(s) + "-" + strconv.Itoa(k)
	}
	return fitLength(def, s)
}

// numbered makes s distinct with n: before a trailing separator or a file
// extension, or at the end.
func numbered(s string, n int) string {
	num := strconv.Itoa(n)
	switch {
	case strings.HasSuffix(s, `\`), strings.HasSuffix(s, "/"):
		return s[:len(s)-1] + num + s[len(s)-1:]
	case strings.LastIndexByte(s, '.') > 0:
		i := strings.LastIndexByte(s, '.')
		return s[:i] + num + s[i:]
	}
	return s + num
}

// fitLength pads or cuts s to the definition's length bounds (in code
// points).
func fitLength(def *policy.Definition, s string) string {
	rs := []rune(s)
	if def.MaxLength > 0 && len(rs) > def.MaxLength {
		rs = rs[:def.MaxLength]
	}
	for len(rs) < def.MinLength {
		rs = append(rs, 'x')
	}
	return string(rs)
}

// valueOf returns an instance of def for variant v (see above).
func valueOf(def *policy.Definition, v int) *policy.SettingInstance {
	switch def.Kind {
	case policy.KindChoice:
		o := def.Options[choiceIndex(def, v)]
		kids := make([]*policy.SettingInstance, 0, len(o.Children))
		for _, c := range o.Children {
			kids = append(kids, valueOf(c, v))
		}
		return policy.Choice(def.ID, o.ItemID, kids...)
	case policy.KindChoiceCollection:
		n := len(def.Options)
		ids := []string{def.Options[v%n].ItemID}
		if n > 2 && v > 0 {
			ids = append(ids, def.Options[(v+1)%n].ItemID)
		}
		return policy.Choices(def.ID, fitCount(def, ids)...)
	case policy.KindInteger:
		return policy.Integer(def.ID, integerValue(def, v))
	case policy.KindIntegerCollection:
		vals := []int64{integerValue(def, v), integerValue(def, v+1)}
		if vals[0] == vals[1] {
			vals = vals[:1]
		}
		return policy.Integers(def.ID, fitCount(def, vals)...)
	case policy.KindString:
		return policy.String(def.ID, sample(def, v))
	case policy.KindSecret:
		return policy.Secret(def.ID, fitLength(def, "fleet-secret-"+strconv.Itoa(v)))
	case policy.KindStringCollection:
		return policy.Strings(def.ID, fitCount(def, stringList(def, v))...)
	case policy.KindGroup:
		return policy.Group(def.ID, groupChildren(def.Children, v)...)
	case policy.KindGroupCollection:
		if def.Merge == policy.MergeItems {
			return policy.GroupCollection(def.ID, fitCount(def, []*policy.GroupValue{item(def, 0), item(def, v+1)})...)
		}
		return policy.GroupCollection(def.ID, policy.Item(groupChildren(def.Children, v)...))
	}
	panic("fleetgen: no value for kind " + string(def.Kind))
}

// choiceIndex returns the option of variant v: the default option (or the
// first) for 0, each other option in turn for the others.
func choiceIndex(def *policy.Definition, v int) int {
	n := len(def.Options)
	base := 0
	if id, ok := def.Default.(string); ok {
		for i, o := range def.Options {
			if o.ItemID == id {
				base = i
			}
		}
	}
	if v == 0 || n == 1 {
		return base
	}
	return (base + 1 + (v-1)%(n-1)) % n
}

// integerValue returns the integer of variant v: the default (or the
// lower bound) for 0, other values within the bounds for the others.
func integerValue(def *policy.Definition, v int) int64 {
	lo, hi := int64(0), int64(1440)
	if def.Min != nil {
		lo = *def.Min
	}
	if def.Max != nil {
		hi = *def.Max
	} else if hi < lo {
		hi = lo + 1440
	}
	base := lo
	if d, ok := def.Default.(int64); ok && d >= lo && d <= hi {
		base = d
	}
	span := hi - lo
	if v == 0 || span == 0 {
		return base
	}
	step := max(1, min(span/7, 60))
	x := lo + (base-lo+int64(v)*step)%(span+1)
	if x == base {
		x = lo + (x-lo+1)%(span+1)
	}
	return x
}

// stringList returns the list of variant v. Lists that merge share their
// first entry and differ in the second; the signature update fallback
// order rotates; other lists differ by variant.
func stringList(def *policy.Definition, v int) []string {
	switch {
	case def.Merge == policy.MergeUnion || def.Merge == policy.MergeUnionFold:
		return []string{sample(def, 0), sample(def, v+1)}
	case strings.Contains(strings.ToLower(def.ID), "fallbackorder"):
		order := []string{sample(def, 0), sample(def, 1), sample(def, 2)}
		k := v % len(order)
		return append(order[k:], order[:k]...)
	}
	return []string{sample(def, v), sample(def, v+1)}
}

// item returns the k-th item of a group collection of independent items
// (an exclusion): choices pick their k-th option, so the items vary in
// kind, and the texts are the k-th samples.
func item(def *policy.Definition, k int) *policy.GroupValue {
	kids := make([]*policy.SettingInstance, 0, len(def.Children))
	for _, c := range def.Children {
		kids = append(kids, itemChild(c, k))
	}
	return policy.Item(kids...)
}

func itemChild(def *policy.Definition, k int) *policy.SettingInstance {
	switch def.Kind {
	case policy.KindChoice:
		o := def.Options[k%len(def.Options)]
		kids := make([]*policy.SettingInstance, 0, len(o.Children))
		for _, c := range o.Children {
			kids = append(kids, itemChild(c, k/len(def.Options)))
		}
		return policy.Choice(def.ID, o.ItemID, kids...)
	case policy.KindString:
		return policy.String(def.ID, sample(def, k))
	}
	return valueOf(def, k)
}

func groupChildren(defs []*policy.Definition, v int) []*policy.SettingInstance {
	kids := make([]*policy.SettingInstance, 0, len(defs))
	for _, c := range defs {
		kids = append(kids, valueOf(c, v))
	}
	return kids
}

// fitCount keeps a list within the definition's item count bounds,
// repeating its last item to reach the minimum.
func fitCount[T any](def *policy.Definition, xs []T) []T {
	if def.MaxCount > 0 && len(xs) > def.MaxCount {
		xs = xs[:def.MaxCount]
	}
	for len(xs) < def.MinCount && len(xs) > 0 {
		xs = append(xs, xs[len(xs)-1])
	}
	return xs
}

// --- settings that merge per child: attack surface reduction rules,
// threat severity default actions

// childPick configures one child of a group that merges per child: its
// state by variant (0 block, 1 audit, 2 warn, 3 off for attack surface
// reduction rules; the options after the first in turn for others), and
// exclusions ≥ 0 to give it the exclusion list of that variant where the
// state has one.
type childPick struct {
	child, variant, exclusions int
}

func perChildValue(def *policy.Definition, picks []childPick) *policy.SettingInstance {
	kids := make([]*policy.SettingInstance, 0, len(picks))
	for _, p := range picks {
		c := def.Children[p.child]
		if c.Kind != policy.KindChoice {
			kids = append(kids, valueOf(c, p.variant))
			continue
		}
		o := c.Options[(1+p.variant)%len(c.Options)]
		var sub []*policy.SettingInstance
		if p.exclusions >= 0 {
			for _, e := range o.Children {
				sub = append(sub, valueOf(e, p.exclusions))
			}
		}
		kids = append(kids, policy.Choice(c.ID, o.ItemID, sub...))
	}
	return policy.GroupCollection(def.ID, policy.Item(kids...))
}

// --- firewall rules

// service is traffic a firewall rule is about.
type service struct {
	name     string
	protocol int64 // 6 TCP, 17 UDP
	port     string
	inbound  bool
}

var services = []service{
	{"Remote Desktop", 6, "3389", true}, {"SMB", 6, "445", true}, {"WinRM HTTP", 6, "5985", true},
	{"WinRM HTTPS", 6, "5986", true}, {"SSH", 6, "22", true}, {"SQL Server", 6, "1433", true},
	{"Telnet", 6, "23", true}, {"FTP", 6, "21", true}, {"SNMP", 17, "161", true},
	{"RPC endpoint mapper", 6, "135", true}, {"HTTPS", 6, "443", false}, {"DNS", 17, "53", false},
	{"NTP", 17, "123", false}, {"LDAP", 6, "389", false}, {"HTTP proxy", 6, "8080", false},
}

// fwRule is one firewall rule: a service allowed or blocked on some
// network profiles (a bit set: 1 domain, 2 private, 4 public).
type fwRule struct {
	svc      service
	allow    bool
	profiles []int64
}

// firewallRules builds a firewall rules setting; ok is false when the
// definition lacks the children these rules need.
func firewallRules(def *policy.Definition, rules []fwRule) (*policy.SettingInstance, bool) {
	find := func(suffix string) *policy.Definition {
		for _, c := range def.Children {
			if strings.HasSuffix(c.ID, suffix) {
				return c
			}
		}
		return nil
	}
	name, enabled, direction, action := find("_name"), find("_enabled"), find("_direction"), find("_action_type")
	profiles, protocol, local, remote := find("_profiles"), find("_protocol"), find("_localportranges"), find("_remoteportranges")
	if name == nil || enabled == nil || direction == nil || action == nil || profiles == nil || protocol == nil || local == nil || remote == nil {
		return nil, false
	}
	on, ok1 := optionByValue(enabled, int64(1))
	in, ok2 := optionByValue(direction, "IN")
	out, ok3 := optionByValue(direction, "OUT")
	allow, ok4 := optionByValue(action, int64(1))
	block, ok5 := optionByValue(action, int64(0))
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return nil, false
	}
	var items []*policy.GroupValue
	for _, fr := range rules {
		verb, act, dir, ports := "Block", block, out, remote
		if fr.allow {
			verb, act = "Allow", allow
		}
		if fr.svc.inbound {
			dir, ports = in, local
		}
		var profileIDs []string
		for _, p := range fr.profiles {
			if o, ok := optionByValue(profiles, p); ok {
				profileIDs = append(profileIDs, o)
			}
		}
		kids := []*policy.SettingInstance{
			policy.String(name.ID, fitLength(name, verb+" "+fr.svc.name)),
			policy.Choice(enabled.ID, on),
			policy.Choice(direction.ID, dir),
			policy.Choice(action.ID, act),
			policy.Integer(protocol.ID, fr.svc.protocol),
			policy.Strings(ports.ID, fr.svc.port),
		}
		if len(profileIDs) > 0 {
			kids = append(kids, policy.Choices(profiles.ID, profileIDs...))
		}
		items = append(items, policy.Item(kids...))
	}
	return policy.GroupCollection(def.ID, fitCount(def, items)...), true
}

// optionByValue returns the itemId of the option that sends v.
func optionByValue(def *policy.Definition, v any) (string, bool) {
	for _, o := range def.Options {
		if o.Value == v {
			return o.ItemID, true
		}
	}
	return "", false
}
