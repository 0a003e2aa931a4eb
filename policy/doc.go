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
// profile with its top-level settings and the template ids a policy echoes.
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
// has no Graph form (no kind, a nil instance) is an *EncodeError.
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
// # Concurrency
//
// The package is pure: no I/O beyond the embedded files, no goroutines, no
// clock. Catalogs and definitions are immutable. A decoded or built Policy
// is a plain value owned by its caller: concurrent reads (including
// encoding and validation) are safe, writes need the caller's
// synchronisation; Clone gives an independent deep copy that still encodes
// like the original.
package policy
