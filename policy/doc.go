// Package policy models endpoint-security policies the way Microsoft Intune
// and Microsoft Graph do, and reads and writes their Graph JSON.
//
// # Model
//
// A Definition describes one setting: its Graph settingDefinitionId, Kind
// (choice, choice collection, integer, string, secret, integer or string
// collection, group, group collection), options with the value each stands
// for, default, bounds, children (group children, or settings that live
// under one option of a choice), platforms and technologies, device-native
// Location, tamper protection, the documentation variants that do not
// deliver it, and its Merge behaviour. A Template is an endpoint-security
// profile with its top-level settings and the template ids a policy echoes:
// settingInstanceTemplateId and settingValueTemplateId on top-level
// settings, and on the few children the real template gives ids of their own
// (Template.Children; the high and moderate severity actions under Threat
// Severity Default Action carry them in Graph exports, the low and severe
// ones do not). NewPolicy fills them in.
//
// A Policy is a Graph deviceManagementConfigurationPolicy: id, name,
// description, Platforms and Technologies (flag sets written as comma
// lists), role scope tags, TemplateReference, times, creation source,
// setting count, Settings and Assignments. Each Setting holds a
// SettingInstance whose Kind is its Graph @odata.type and whose value is a
// ChoiceValue (option itemId and children), a list of them, a SimpleValue
// (integer, string, secret with its valueState, reference with its note), a
// list of them, a GroupValue (children) or a list of them; the legacy
// SettingGroup instance kinds carry no value and only round-trip. Walk,
// Children, Child and the typed accessors (ChoiceItemID, IntegerValue,
// StringValues, GroupItems, ...) read the tree; Choice, Integer, String,
// Secret, Reference, Strings, Integers, Choices, Group, GroupCollection and
// Item build it, and NewPolicy makes a policy from a template.
// An Assignment targets a group, an excluded group, all devices, all
// licensed users or a Configuration Manager collection, with an optional
// filter.
//
// # Graph JSON codec
//
// DecodeGraph reads both real export shapes: the portal's native export (a
// UTF-8 byte-order mark, no annotations) and full-metadata exports
// (@odata.type/id/editLink, <property>@odata.* annotations, expanded
// assignments, "#microsoft.graph.assign" action descriptors).
// DecodeGraphPage and DecodeGraphList read list responses {"value": [...]};
// a single policy where a list is expected is accepted as a list of one,
// and a Page encodes back to the shape it was read from. DecodeAssignments
// and EncodeAssignments handle the body of the assign action.
//
// The codec is lossless: EncodeGraph of a decoded policy gives JSON equal to
// the input, ignoring key order and whitespace. Every member the model does
// not hold (unknown properties such as auditRuleInformation, annotations) is
// kept verbatim at every level; a modelled member whose value did not change
// keeps its input spelling (null stays null, an absent key stays absent,
// string escapes, flag-list order, timestamps with their fractional digits,
// empty arrays). Changed fields are written from the typed model, in the
// input's key order. A policy built in code encodes to the clean create
// shape. Choices made where Graph is silent or loose:
//
//   - The byte-order mark is accepted and reported by HadBOM but never
//     written: JSON sent to Graph must not carry one.
//   - An @odata.type is required on setting instances, simple values and
//     assignment targets; on choice and group values it is optional but,
//     when present, must be the right one. Unknown ones are errors.
//   - Integer setting values are read as 64-bit integers, since the
//     service's definitions bound some up to 4294967295 although Graph
//     declares Int32; a number with a fraction or exponent is an error.
//   - Timestamps must be RFC 3339; new ones are written in Graph's form,
//     UTC with seven fractional digits.
//   - Closed enums (valueState, filter type, assignment source, flag names)
//     reject unknown members with a *DecodeError rather than guess.
//   - The list-level members of a GET .../assignments response are not
//     kept by DecodeAssignments.
//
// Every decode error is a *DecodeError with the JSON path of the offending
// value ("settings[3].settingInstance.choiceSettingValue.value"); the
// decoder never panics (it is fuzzed). Encoding a value built in code that
// has no Graph form (no kind, a nil instance or policy) is an *EncodeError;
// when a value has several such problems, the one reported is the first in
// the model's order (settings before assignments, an assignment's target
// before its source), whatever the key order of the input it came from.
//
// The codec does each thing once. Decoding copies the input once, checks
// and parses it in a single pass (it accepts exactly what encoding/json
// accepts, nesting up to 10,000 deep) into a list of the text's values and
// keys, and reads the model from that list: strings without escapes are
// slices of the copy, and decoded values remember where they came from
// instead of keeping copies of their members. Encoding writes in one pass
// into one buffer, nested values included. A list of setting instances,
// such as a configuration sent to a device, is written with
// AppendInstances (what json.Marshal writes for the slice, without its
// second pass over the output and without HTML escaping) and read with
// DecodeInstances; AppendJSON appends one instance to a caller's buffer.
// Input longer than 4 GiB is refused with a *DecodeError.
//
// # The catalog
//
// Builtin returns the built-in catalog, embedded data in the catalog/
// folder: one JSON file per template (the format is described in
// catalogfile.go and checked on load), every template of the
// endpoint-security profiles security settings management delivers, for
// each platform. A Catalog is immutable and safe for concurrent use; With
// returns an extended copy, so a program may add definitions at run time,
// e.g. from a Graph configurationSettings export read by
// DecodeGraphDefinitions. Choice option meanings are per definition:
// always resolve an option ItemID through its Definition.
//
// # Validation
//
// Catalog.Validate checks a policy and returns nil or a *ValidationError
// that lists every Problem at once, in document order, each with the JSON
// path, the setting id and a typed Reason: unknown template, platform or
// technologies that differ from the template's, unknown setting, setting
// not in the template, child in the wrong place (under another option,
// another parent, or at the top level), duplicate, wrong kind, option not
// in the definition, integer out of range, string or collection of the
// wrong length, missing value, or a setting for another platform.
// Properties the model does not hold never fail validation. Choices: a
// policy without a template is checked against the definitions alone; the
// length of a secret whose valueState is encryptedValueToken is not checked
// (the text is the service's token); lengths count Unicode code points.
// Catalog.Coverage counts the instances whose definition (and chosen
// options) the catalog knows.
//
// # Support matrix
//
// Supported answers, for a template, a DeviceClass (windows, windowsServer,
// macOS, linux; domain controller or not), a Channel (security settings
// management or MDM) and a Variant (legacy or current documentation),
// whether the profile is delivered, with a SupportReason and a sentence.
// Profiles lists the rows: the templates of the spec's table plus the known
// templates that this channel does not deliver (device control, exploit
// protection, app and browser isolation, Hyper-V firewall rules, disk
// encryption, account protection, LAPS, local user group membership, app
// control). Deliverable applies it to a policy: its technologies must
// include microsoftSense (a policy without them on the windows10 platform
// is reported as a "Windows 10 and later" profile), its platform must be the
// device's, and its template must be supported. Choices: through MDM every
// profile reaches the platform it is for, except Windows Server, which is
// not MDM-enrolled; the legacy variant does not deliver Defender Update
// controls (its list does not name it); firewall profiles are refused to
// domain controllers in both variants; a policy without a template is
// judged by its technologies and platform.
//
// # Device-native renderers
//
// RenderLinux, RenderMacOS and RenderWindows turn a list of top-level
// setting instances (an effective configuration) into what the device
// consumes: the mdatp_managed.json file, the com.microsoft.wdav preference
// domain as an XML property list, and the list of CSP operations
// (CSPOperation: URI, CSPFormat, value). A SettingInstance also marshals to
// and from its Graph setting-instance JSON (MarshalJSON, UnmarshalJSON),
// losslessly like the rest of the codec, so that a configuration can travel
// to the device as JSON. Everything is read from the catalog: a definition's
// Location says where it lands (CSP URI, dotted preference path relative to
// the root or to its collection item, key inside its parent's composite
// value), an option's Value what is written and with which type. Choices
// made where the formats or the service are silent:
//
//   - Settings that cannot be rendered are errors, not a returned list: a
//     *RenderError lists each one (unknown, for another platform, without a
//     location, a value that does not fit its definition, two settings on
//     one key or URI, text the format cannot carry) with the index of its
//     top-level setting, and nothing is rendered. A caller that wants
//     partial output (the device agent) leaves the listed settings out and
//     renders again. Whether the channel delivers a setting (UnsupportedIn)
//     is not the renderer's business: it renders what it is given.
//   - A setting that lands nowhere itself but holds settings that do (the
//     EDR package type, whose onboarding blob is its child; a choice whose
//     option sends no value) renders only those; one that would be lost
//     silently is a RenderNoLocation problem.
//   - Preferences: object keys are sorted (byte order), so the output does
//     not depend on the order of the settings; arrays keep the order of the
//     items. JSON is indented by two spaces, the property list by tabs, both
//     end with a newline. Preference values are typed as the option values
//     of the catalog (so isDirectory is a boolean, enforcementLevel a
//     string). In the property list &, <, > and carriage return are written
//     as references; other characters XML 1.0 forbids, and invalid UTF-8
//     anywhere, are RenderInvalidText problems.
//   - CSP operations come in the order of the settings, a parent before its
//     children. Lists are joined with "|" (Defender), "," (Firewall CSP nodes,
//     whose port, address, interface and keyword lists are comma-separated)
//     or U+F000 (the Policy CSP's multi-string separator, used by
//     NetworkListManager); an item that holds its separator is an error
//     rather than silently split on the device. A choice collection of
//     integers is written as their bitwise OR (the Firewall CSP's flag
//     sets).
//   - The attack surface reduction rules become ONE operation,
//     "GUID=state|GUID=state", and the threat severity default actions one
//     "severity=action|..."; the pairs are sorted by key so that equal
//     configurations give equal strings, and a rule set to Off is sent as
//     state 0. The stored Microsoft documentation declares the
//     ASROnlyPerRuleExclusions node a string without publishing its syntax;
//     the renderer writes it in the same composite form, "GUID=path>path|
//     GUID=path", sorted by rule GUID: ">" separates the paths of one rule
//     because Windows forbids it in paths, so no escaping is needed.
//   - Firewall rules: each item of the rules collection is written under
//     ./Vendor/MSFT/Firewall/MdmStore/FirewallRules/{name}/..., where {name}
//     is the rule's Name with every character other than an ASCII letter or
//     digit removed ("FirewallRule" when nothing is left; the CSP asks for an
//     alphanumeric node name without "/"), and a number appended (2, 3, ...)
//     when an earlier rule of the list took the same node name. Values keep
//     the types the catalog gives them (the rule's Enabled option is the
//     integer 0 or 1).
//   - A secret (the EDR onboarding blob) is written as chr with the text the
//     instance holds; a value the service returned as an
//     encryptedValueToken is written as that token.
//
// # Concurrency
//
// The package is pure: no I/O beyond the embedded files, no goroutines, no
// clock. Catalogs and definitions are immutable. A decoded or built Policy
// is a plain value owned by its caller: concurrent reads (including
// encoding and validation) are safe, writes need the caller's
// synchronisation; Clone gives an independent deep copy that still encodes
// like the original. Decoded values share their parsed input, which is
// never changed after decoding and never shares memory with the caller's
// buffer.
package policy
