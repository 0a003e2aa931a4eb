package secmgmt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/targeting"
)

// The JSON form of a change (a change file) is one object whose "op" names
// the kind, with the keys that kind takes:
//
//	{"op": "createPolicy", "policy": {Graph policy, with its "assignments"}}
//	{"op": "updatePolicy", "policy": {Graph policy}}
//	{"op": "deletePolicy", "policyId": "…"}
//	{"op": "assignPolicy", "policyId": "…", "assignments": [Graph assignments]}
//	{"op": "createGroup" | "updateGroup", "group": {"id", "displayName", "description",
//	     "membershipRule", "membershipRuleProcessingState", "members": [device ids]}}
//	{"op": "setGroupRule", "groupId": "…", "membershipRule": "…"}
//	{"op": "pauseGroup" | "resumeGroup" | "deleteGroup", "groupId": "…"}
//	{"op": "addGroupMembers" | "removeGroupMembers", "groupId": "…", "deviceIds": ["…"]}
//	{"op": "setTenant", "tenant": {the enrollment conformance tenant keys}}
//	{"op": "tagDevice" | "untagDevice", "deviceId": "…", "tag": "…"}
//	{"op": "updateDevice", "deviceId": "…", "attributes": {rule-property names: values}}
//	{"op": "batch", "changes": [changes]}
//
// A JSON array of changes is a batch. Keys are case-sensitive; a key the
// kind does not take is an error, so that a misspelt key is not ignored.

// maxChangeDepth bounds the nesting of batches in a change file.
const maxChangeDepth = 32

// keys each kind takes besides "op".
var changeKeys = map[ChangeKind][]string{
	ChangeCreatePolicy:       {"policy"},
	ChangeUpdatePolicy:       {"policy"},
	ChangeDeletePolicy:       {"policyId"},
	ChangeAssignPolicy:       {"policyId", "assignments"},
	ChangeCreateGroup:        {"group"},
	ChangeUpdateGroup:        {"group"},
	ChangeSetGroupRule:       {"groupId", "membershipRule"},
	ChangePauseGroup:         {"groupId"},
	ChangeResumeGroup:        {"groupId"},
	ChangeDeleteGroup:        {"groupId"},
	ChangeAddGroupMembers:    {"groupId", "deviceIds"},
	ChangeRemoveGroupMembers: {"groupId", "deviceIds"},
	ChangeSetTenant:          {"tenant"},
	ChangeTagDevice:          {"deviceId", "tag"},
	ChangeUntagDevice:        {"deviceId", "tag"},
	ChangeUpdateDevice:       {"deviceId", "attributes"},
	ChangeBatch:              {"changes"},
}

// DecodeChange reads a change from its JSON form (see the change-file
// format in the package documentation): one change object, or an array of
// them, which is a batch. An error is an *InputError whose Field is the
// JSON path of the offending value (e.g. "changes[1].policy.settings[0]"),
// wrapping the domain package's error where there is one (the policy
// codec's *policy.DecodeError, the device attributes' *identity.PropertyError,
// the tenant's *enrollment.InputError). What only the service can judge (a
// rule's syntax, a policy's settings, ids that must exist) is checked when
// the change is simulated.
func DecodeChange(data []byte) (Change, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	return decodeChange(data, "", 0)
}

// changeError is DecodeChange's error for the value at path.
func changeError(path, reason string, err error) error {
	if path == "" {
		path = "(document)"
	}
	return &InputError{Op: "DecodeChange", Field: path, Reason: reason, Err: err}
}

// join appends a key or an index to a JSON path.
func join(path, key string) string {
	switch {
	case path == "":
		return key
	case strings.HasPrefix(key, "["):
		return path + key
	}
	return path + "." + key
}

func decodeChange(data []byte, path string, depth int) (Change, error) {
	if depth > maxChangeDepth {
		return Change{}, changeError(path, fmt.Sprintf("batches nested deeper than %d", maxChangeDepth), nil)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		subs, err := decodeChangeList(trimmed, path, depth)
		if err != nil {
			return Change{}, err
		}
		return Change{kind: ChangeBatch, changes: subs}, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &obj); err != nil || obj == nil {
		return Change{}, changeError(path, "not a change object or an array of changes", err)
	}
	var kind ChangeKind
	rawOp, ok := obj["op"]
	if !ok {
		return Change{}, changeError(join(path, "op"), "missing: every change names its operation", nil)
	}
	if err := json.Unmarshal(rawOp, &kind); err != nil {
		return Change{}, changeError(join(path, "op"), "not a string", err)
	}
	if !kind.Valid() {
		return Change{}, changeError(join(path, "op"), fmt.Sprintf("unknown operation %q", string(kind)), nil)
	}
	allowed := changeKeys[kind]
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k != "op" && !slices.Contains(allowed, k) {
			return Change{}, changeError(join(path, k), fmt.Sprintf("%s takes no %q (it takes %s)", kind, k, strings.Join(allowed, ", ")), nil)
		}
	}
	for _, k := range allowed {
		if _, ok := obj[k]; !ok && !(kind == ChangeAssignPolicy && k == "assignments") {
			return Change{}, changeError(join(path, k), "missing", nil)
		}
	}
	str := func(key string) (string, error) {
		var s string
		if err := json.Unmarshal(obj[key], &s); err != nil {
			return "", changeError(join(path, key), "not a string", err)
		}
		return s, nil
	}
	strs := func(key string) ([]string, error) {
		var ss []string
		if err := json.Unmarshal(obj[key], &ss); err != nil {
			return nil, changeError(join(path, key), "not an array of strings", err)
		}
		return ss, nil
	}
	c := Change{kind: kind}
	var err error
	switch kind {
	case ChangeCreatePolicy, ChangeUpdatePolicy:
		c.policy, err = policy.DecodeGraph(obj["policy"])
		if err != nil {
			return Change{}, decodeErrorAt(join(path, "policy"), err)
		}
	case ChangeDeletePolicy:
		c.policyID, err = str("policyId")
	case ChangeAssignPolicy:
		if c.policyID, err = str("policyId"); err != nil {
			return Change{}, err
		}
		if raw, ok := obj["assignments"]; ok {
			c.assignments, err = decodeAssignmentList(raw, join(path, "assignments"))
		}
	case ChangeCreateGroup, ChangeUpdateGroup:
		c.group, err = decodeGroup(obj["group"], join(path, "group"))
	case ChangeSetGroupRule:
		if c.groupID, err = str("groupId"); err == nil {
			c.rule, err = str("membershipRule")
		}
	case ChangePauseGroup, ChangeResumeGroup, ChangeDeleteGroup:
		c.groupID, err = str("groupId")
	case ChangeAddGroupMembers, ChangeRemoveGroupMembers:
		if c.groupID, err = str("groupId"); err == nil {
			c.deviceIDs, err = strs("deviceIds")
		}
	case ChangeSetTenant:
		if err := json.Unmarshal(obj["tenant"], &c.tenant); err != nil {
			return Change{}, changeError(join(path, "tenant"), "", err)
		}
	case ChangeTagDevice, ChangeUntagDevice:
		if c.deviceID, err = str("deviceId"); err == nil {
			c.tag, err = str("tag")
		}
	case ChangeUpdateDevice:
		if c.deviceID, err = str("deviceId"); err != nil {
			return Change{}, err
		}
		c.edit, c.attributes, err = attributeEdit(obj["attributes"], join(path, "attributes"))
	case ChangeBatch:
		raw := bytes.TrimSpace(obj["changes"])
		if len(raw) == 0 || raw[0] != '[' {
			return Change{}, changeError(join(path, "changes"), "not an array of changes", nil)
		}
		c.changes, err = decodeChangeList(raw, join(path, "changes"), depth)
	}
	if err != nil {
		return Change{}, err
	}
	return c, nil
}

func decodeChangeList(data []byte, path string, depth int) ([]Change, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, changeError(path, "not an array of changes", err)
	}
	out := make([]Change, 0, len(raws))
	for i, raw := range raws {
		c, err := decodeChange(raw, join(path, fmt.Sprintf("[%d]", i)), depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// decodeErrorAt reports a policy codec error under path.
func decodeErrorAt(path string, err error) error {
	var de *policy.DecodeError
	if errors.As(err, &de) && de.Path != "" {
		path = join(path, de.Path)
	}
	return changeError(path, "", err)
}

// decodeAssignmentList reads a JSON array of Graph assignment objects (or
// the assign action's body, {"assignments": [...]}).
func decodeAssignmentList(raw json.RawMessage, path string) ([]*policy.Assignment, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		as, err := policy.DecodeAssignments(raw)
		if err != nil {
			return nil, decodeErrorAt(path, err)
		}
		return as, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, changeError(path, "not an array of assignments", err)
	}
	out := make([]*policy.Assignment, 0, len(items))
	for i, item := range items {
		a := &policy.Assignment{}
		if err := a.UnmarshalJSON(item); err != nil {
			return nil, decodeErrorAt(join(path, fmt.Sprintf("[%d]", i)), err)
		}
		out = append(out, a)
	}
	return out, nil
}

// groupJSON is a group in a change file: Graph's group properties, with
// the static members as device ids.
type groupJSON struct {
	ID                            string   `json:"id"`
	DisplayName                   string   `json:"displayName"`
	Description                   string   `json:"description"`
	MembershipRule                string   `json:"membershipRule"`
	MembershipRuleProcessingState string   `json:"membershipRuleProcessingState"`
	Members                       []string `json:"members"`
}

func decodeGroup(raw json.RawMessage, path string) (Group, error) {
	var g groupJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return Group{}, changeError(path, "not a group (id, displayName, description, membershipRule, membershipRuleProcessingState, members)", err)
	}
	out := Group{
		ID:             g.ID,
		DisplayName:    g.DisplayName,
		Description:    g.Description,
		MembershipRule: g.MembershipRule,
		Members:        g.Members,
	}
	if g.MembershipRuleProcessingState != "" {
		var ps targeting.ProcessingState
		if err := ps.UnmarshalJSON(mustQuote(g.MembershipRuleProcessingState)); err != nil {
			return Group{}, changeError(join(path, "membershipRuleProcessingState"), "", err)
		}
		out.Processing = ps
	}
	return out, nil
}

// mustQuote returns s as a JSON string.
func mustQuote(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

// attributeEdit reads directory attributes in the rule-property form
// ({"extensionAttribute1": "x", "deviceCategory": null, ...}) and returns
// an edit that sets them on a device object, leaving the others as they
// are, with the names it sets.
func attributeEdit(raw json.RawMessage, path string) (func(*identity.Device) error, []string, error) {
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(raw, &attrs); err != nil || attrs == nil {
		return nil, nil, changeError(path, "not an object of device attributes", err)
	}
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	slices.Sort(names)
	// Check the attributes now, on an empty device, so that a misspelt or
	// mistyped attribute is a decoding error with its path.
	for _, k := range names {
		one, _ := json.Marshal(map[string]json.RawMessage{k: attrs[k]})
		if err := new(identity.Device).UnmarshalJSON(one); err != nil {
			return nil, nil, changeError(join(path, k), "", err)
		}
	}
	edit := func(d *identity.Device) error {
		cur, err := json.Marshal(d)
		if err != nil {
			return err
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(cur, &m); err != nil {
			return err
		}
		merged := make(map[string]json.RawMessage, len(m)+len(attrs))
		for k, v := range m {
			merged[strings.ToLower(k)] = v
		}
		for k, v := range attrs {
			merged[strings.ToLower(k)] = v
		}
		b, err := json.Marshal(merged)
		if err != nil {
			return err
		}
		next := &identity.Device{}
		if err := next.UnmarshalJSON(b); err != nil {
			return err
		}
		*d = *next
		return nil
	}
	return edit, names, nil
}
