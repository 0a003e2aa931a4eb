package tenantexport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	secmgmt "github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/targeting"
)

// ErrUnreadable is wrapped by every *Error: a file of the export that is
// missing, is not JSON, or holds a value this package cannot read.
var ErrUnreadable = errors.New("tenantexport: unreadable export")

// Error is a problem in one file of an export, at a JSON path.
type Error struct {
	// File is the file's path inside the export folder ("groups.json",
	// "policies/av.json").
	File string
	// Path is the JSON path of the offending value inside the file
	// ("value[2].membershipRule"); empty for the file as a whole.
	Path string
	// Reason says what is wrong.
	Reason string
	// Err is the underlying error, if any: a *policy.DecodeError, a
	// *policy.ValidationError, an *identity.PropertyError, a
	// *targeting.RuleError (through the service's *secmgmt.InputError), a
	// *json.SyntaxError, an fs error.
	Err error
}

// Error returns "file: path: reason: underlying error".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns ErrUnreadable and the underlying error.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrUnreadable}
	}
	return []error{ErrUnreadable, e.Err}
}

// Export is a tenant as read from a folder of Graph exports.
type Export struct {
	// Tenant is tenant.json's tenant, or the default: the Intune toggle on
	// and every platform in scope.
	Tenant enrollment.Tenant
	// Policies are the policies, with their assignments, in file order.
	Policies []*policy.Policy
	// Groups are the groups, in file order, static members by device id.
	Groups []secmgmt.Group
	// Devices are the devices security settings management can manage,
	// in file order.
	Devices []Device
	// Skipped are the devices of other platforms (iOS, Android, ...).
	Skipped []Skipped

	where map[any]location // where each policy, group and device was read
}

// Device is a device of the export.
type Device struct {
	// Object is its directory object, as Graph gave it.
	Object *identity.Device
	// Facts are the facts its agent is taken to report: a healthy device
	// of its platform, with its OS version.
	Facts enrollment.Facts
}

// Skipped is a device of the export that is left out.
type Skipped struct {
	DeviceID        string `json:"deviceId"`
	Name            string `json:"name"`
	OperatingSystem string `json:"operatingSystem"`
	Reason          string `json:"reason"`
}

// location is where a value was read: a file and a JSON path.
type location struct{ file, path string }

func (l location) err(sub, reason string, err error) *Error {
	return &Error{File: l.file, Path: joinPath(l.path, sub), Reason: reason, Err: err}
}

// joinPath appends a key or an index to a JSON path.
func joinPath(p, sub string) string {
	switch {
	case sub == "":
		return p
	case p == "":
		return sub
	case strings.HasPrefix(sub, "["):
		return p + sub
	}
	return p + "." + sub
}

// ReadDir reads the export in a folder of the file system (see Read).
func ReadDir(dir string) (*Export, error) {
	return Read(os.DirFS(dir))
}

// Read reads an export from the root of fsys:
//
//   - policies: every policies/*.json, each one policy or a list of them,
//     or a policies.json list file (either or both);
//   - groups.json: the groups;
//   - devices.json: the devices;
//   - tenant.json (optional): the tenant, in the enrollment conformance form.
//
// A list is a Graph list response ({"value": [...]}) or a bare JSON
// array. The first problem found is returned as an *Error naming the file
// and the JSON path. Files are read in name order.
func Read(fsys fs.FS) (*Export, error) {
	e := &Export{where: map[any]location{}}
	e.Tenant = defaultTenant()
	if data, err := fs.ReadFile(fsys, "tenant.json"); err == nil {
		if err := json.Unmarshal(trimBOM(data), &e.Tenant); err != nil {
			return nil, &Error{File: "tenant.json", Reason: "not a tenant (the enrollment conformance form)", Err: err}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, &Error{File: "tenant.json", Err: err}
	}

	var policyFiles []string
	if _, err := fs.Stat(fsys, "policies.json"); err == nil {
		policyFiles = append(policyFiles, "policies.json")
	}
	names, err := fs.Glob(fsys, "policies/*.json")
	if err != nil {
		return nil, &Error{File: "policies", Err: err}
	}
	slices.Sort(names)
	policyFiles = append(policyFiles, names...)
	if len(policyFiles) == 0 {
		return nil, &Error{File: "policies", Reason: "no policies.json and no policies/*.json"}
	}
	for _, f := range policyFiles {
		if err := e.readPolicies(fsys, f); err != nil {
			return nil, err
		}
	}
	if err := e.readDevices(fsys, "devices.json"); err != nil {
		return nil, err
	}
	if err := e.readGroups(fsys, "groups.json"); err != nil {
		return nil, err
	}
	if err := e.checkAssignments(); err != nil {
		return nil, err
	}
	return e, nil
}

func defaultTenant() enrollment.Tenant {
	t := enrollment.DefaultTenant()
	t.IntuneEnforcement = true
	t.Scope = enrollment.Scope{WindowsClient: enrollment.ScopeAll, WindowsServer: enrollment.ScopeAll,
		MacOS: enrollment.ScopeAll, Linux: enrollment.ScopeAll}
	return t
}

func trimBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) }

// item is one element of a list file.
type item struct {
	raw json.RawMessage
	loc location
}

// items splits a file into its elements: the "value" of a Graph list
// response, the elements of a bare array, or (single) the object itself.
func items(fsys fs.FS, file string, single bool) ([]item, error) {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, &Error{File: file, Err: err}
	}
	data = bytes.TrimSpace(trimBOM(data))
	prefix := ""
	if len(data) > 0 && data[0] == '{' {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(data, &obj); err != nil {
			return nil, &Error{File: file, Reason: "not JSON", Err: err}
		}
		v, ok := obj["value"]
		if !ok {
			if single {
				return []item{{raw: data, loc: location{file: file}}}, nil
			}
			return nil, &Error{File: file, Reason: `not a list: neither {"value": [...]} nor an array`}
		}
		data, prefix = bytes.TrimSpace(v), "value"
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, &Error{File: file, Path: prefix, Reason: "not an array", Err: err}
	}
	out := make([]item, len(raws))
	for i, r := range raws {
		out[i] = item{raw: r, loc: location{file: file, path: fmt.Sprintf("%s[%d]", prefix, i)}}
	}
	return out, nil
}

// readPolicies reads one policy file.
func (e *Export) readPolicies(fsys fs.FS, file string) error {
	its, err := items(fsys, file, true)
	if err != nil {
		return err
	}
	for _, it := range its {
		p, err := policy.DecodeGraph(it.raw)
		if err != nil {
			var de *policy.DecodeError
			if errors.As(err, &de) {
				return it.loc.err(de.Path, "", err)
			}
			return it.loc.err("", "", err)
		}
		if p.ID == "" {
			return it.loc.err("id", "missing: a policy needs its id, which assignments and reports name", nil)
		}
		if i := slices.IndexFunc(e.Policies, func(q *policy.Policy) bool { return q.ID == p.ID }); i >= 0 {
			return it.loc.err("id", fmt.Sprintf("policy %q appears twice (first at %s)", p.ID, e.where[e.Policies[i]]), nil)
		}
		if err := policy.Builtin().Validate(withoutAssignments(p)); err != nil {
			var ve *policy.ValidationError
			if errors.As(err, &ve) && len(ve.Problems) > 0 {
				return it.loc.err(ve.Problems[0].Path, "", err)
			}
			return it.loc.err("", "", err)
		}
		e.where[p] = it.loc
		e.Policies = append(e.Policies, p)
	}
	return nil
}

func withoutAssignments(p *policy.Policy) *policy.Policy {
	c := *p
	c.Assignments = nil
	return &c
}

// String returns "file: path".
func (l location) String() string {
	if l.path == "" {
		return l.file
	}
	return l.file + ": " + l.path
}

// graphGroup is the part of a Graph group this package reads.
type graphGroup struct {
	ID                            string            `json:"id"`
	DisplayName                   string            `json:"displayName"`
	Description                   *string           `json:"description"`
	GroupTypes                    []string          `json:"groupTypes"`
	MembershipRule                *string           `json:"membershipRule"`
	MembershipRuleProcessingState *string           `json:"membershipRuleProcessingState"`
	Members                       []json.RawMessage `json:"members"`
}

// readGroups reads groups.json.
func (e *Export) readGroups(fsys fs.FS, file string) error {
	its, err := items(fsys, file, false)
	if err != nil {
		return err
	}
	byObject := map[string]string{} // object id → device id
	byDevice := map[string]bool{}
	for _, d := range e.Devices {
		byObject[strings.ToLower(d.Object.ObjectID)] = strings.ToLower(d.Object.DeviceID)
		byDevice[strings.ToLower(d.Object.DeviceID)] = true
	}
	for _, s := range e.Skipped {
		byDevice[strings.ToLower(s.DeviceID)] = false
	}
	seen := map[string]location{}
	for _, it := range its {
		var g graphGroup
		if err := json.Unmarshal(it.raw, &g); err != nil {
			return it.loc.err(jsonErrorPath(err), "not a group", err)
		}
		if g.ID == "" {
			return it.loc.err("id", "missing", nil)
		}
		if first, ok := seen[strings.ToLower(g.ID)]; ok {
			return it.loc.err("id", fmt.Sprintf("group %q appears twice (first at %s)", g.ID, first), nil)
		}
		seen[strings.ToLower(g.ID)] = it.loc
		out := secmgmt.Group{ID: g.ID, DisplayName: g.DisplayName}
		if g.Description != nil {
			out.Description = *g.Description
		}
		dynamicType := slices.ContainsFunc(g.GroupTypes, func(t string) bool { return strings.EqualFold(t, "DynamicMembership") })
		rule := ""
		if g.MembershipRule != nil {
			rule = *g.MembershipRule
		}
		switch {
		case dynamicType && strings.TrimSpace(rule) == "":
			return it.loc.err("membershipRule", `missing: groupTypes says "DynamicMembership"`, nil)
		case strings.TrimSpace(rule) != "":
			out.MembershipRule = rule
			out.Processing = targeting.ProcessingOn
			if g.MembershipRuleProcessingState != nil && *g.MembershipRuleProcessingState != "" {
				b, _ := json.Marshal(*g.MembershipRuleProcessingState)
				if err := out.Processing.UnmarshalJSON(b); err != nil {
					return it.loc.err("membershipRuleProcessingState", "", err)
				}
			}
			if len(g.Members) > 0 {
				return it.loc.err("members", "a dynamic group's members come from its rule", nil)
			}
		default:
			out.Members = []string{}
			for j, m := range g.Members {
				id, why := memberID(m, byObject, byDevice)
				if why != "" {
					return it.loc.err(fmt.Sprintf("members[%d]", j), why, nil)
				}
				if id != "" && !slices.Contains(out.Members, id) {
					out.Members = append(out.Members, id)
				}
			}
		}
		e.where[e.groupKey(len(e.Groups))] = it.loc
		e.Groups = append(e.Groups, out)
	}
	return nil
}

// groupKey keys a group's location by its index.
func (e *Export) groupKey(i int) any { return [2]any{"group", i} }

// memberID resolves a static member: a device id or object id string, or
// a Graph directory object ({"deviceId": …} or {"id": object id}). A
// member that is not a device of the export is an error; a device that is
// skipped (another platform), or a directory object that is not a device
// (a user: "@odata.type" other than #microsoft.graph.device), gives "".
func memberID(raw json.RawMessage, byObject map[string]string, byDevice map[string]bool) (string, string) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return resolveMember(strings.ToLower(s), byObject, byDevice)
	}
	var obj struct {
		Type     string `json:"@odata.type"`
		ID       string `json:"id"`
		DeviceID string `json:"deviceId"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", "not a device id or a directory object"
	}
	if obj.Type != "" && !strings.EqualFold(obj.Type, "#microsoft.graph.device") {
		return "", ""
	}
	if obj.DeviceID != "" {
		return resolveMember(strings.ToLower(obj.DeviceID), byObject, byDevice)
	}
	if obj.ID != "" {
		return resolveMember(strings.ToLower(obj.ID), byObject, byDevice)
	}
	return "", `a directory object needs "deviceId" or "id"`
}

func resolveMember(id string, byObject map[string]string, byDevice map[string]bool) (string, string) {
	if managed, ok := byDevice[id]; ok {
		if !managed {
			return "", ""
		}
		return id, ""
	}
	if d, ok := byObject[id]; ok {
		return d, ""
	}
	return "", fmt.Sprintf("%q is not a device of devices.json (by deviceId or id)", id)
}

// jsonErrorPath returns the field a json.UnmarshalTypeError names.
func jsonErrorPath(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	return ""
}

// readDevices reads devices.json.
func (e *Export) readDevices(fsys fs.FS, file string) error {
	its, err := items(fsys, file, false)
	if err != nil {
		return err
	}
	seen := map[string]location{}
	for _, it := range its {
		obj, err := identity.DeviceFromGraph(it.raw)
		if err != nil {
			var pe *identity.PropertyError
			if errors.As(err, &pe) {
				return it.loc.err(pe.Property, "", err)
			}
			return it.loc.err("", "not a device", err)
		}
		if obj.DeviceID == "" {
			return it.loc.err("deviceId", "missing: the agent and the service know a device by it", nil)
		}
		key := strings.ToLower(obj.DeviceID)
		if first, ok := seen[key]; ok {
			return it.loc.err("deviceId", fmt.Sprintf("device %q appears twice (first at %s)", obj.DeviceID, first), nil)
		}
		seen[key] = it.loc
		platform, ok := platformOf(obj.DeviceOSType)
		if !ok {
			e.Skipped = append(e.Skipped, Skipped{DeviceID: key, Name: obj.DisplayName, OperatingSystem: obj.DeviceOSType,
				Reason: "security settings management does not manage this platform"})
			continue
		}
		facts := enrollment.HealthyFacts(platform)
		if obj.DeviceOSVersion != "" && platform != enrollment.PlatformLinux {
			facts.OSVersion = obj.DeviceOSVersion
		}
		if err := facts.Validate(); err != nil {
			return it.loc.err("operatingSystemVersion", "", err)
		}
		e.where[key] = it.loc
		e.Devices = append(e.Devices, Device{Object: obj, Facts: facts})
	}
	return nil
}

// platformOf maps Graph's operatingSystem to a platform security settings
// management manages.
func platformOf(os string) (enrollment.Platform, bool) {
	s := strings.ToLower(strings.TrimSpace(os))
	switch {
	case strings.HasPrefix(s, "windows server"):
		return enrollment.PlatformWindowsServer, true
	case strings.HasPrefix(s, "windows"):
		return enrollment.PlatformWindows, true
	case s == "macos" || s == "macmdm" || s == "mac os x" || s == "osx":
		return enrollment.PlatformMacOS, true
	case strings.Contains(s, "linux") || s == "ubuntu" || s == "redhat" || s == "rhel" || s == "centos" ||
		s == "debian" || s == "sles" || s == "suse" || s == "oracle linux" || s == "amazon linux":
		return enrollment.PlatformLinux, true
	}
	return "", false
}

// checkAssignments checks that every group an assignment names is a
// group of the export.
func (e *Export) checkAssignments() error {
	groups := map[string]bool{}
	for _, g := range e.Groups {
		groups[strings.ToLower(g.ID)] = true
	}
	for _, p := range e.Policies {
		for j, a := range p.Assignments {
			if a == nil || !a.Target.Kind.HasGroup() {
				continue
			}
			if !groups[strings.ToLower(a.Target.GroupID)] {
				return e.where[p].err(fmt.Sprintf("assignments[%d].target.groupId", j),
					fmt.Sprintf("group %q is not in groups.json", a.Target.GroupID), nil)
			}
		}
	}
	return nil
}

// pathOf returns where a policy, a group (by index) or a device (by
// lower-case id) was read.
func (e *Export) pathOf(key any) location { return e.where[key] }
