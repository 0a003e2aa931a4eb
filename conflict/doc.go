// Package conflict merges the endpoint-security policies assigned to one
// device into the configuration the device receives, the way security
// settings management does: equal values are delivered once, differing
// values are a conflict and are withheld, some settings merge (exclusion
// lists, attack surface reduction rules, firewall rules), and settings that
// do not apply to the device are not delivered.
//
// # Main types
//
// A Merger is built once from a policy.Catalog (New) and merges for any
// number of devices (Merger.Merge); Merge is the one-off form. A service
// that merges the same policies for many devices prepares each policy once
// (Merger.Prepare gives a Prepared: the policy's settings resolved,
// checked, pruned for each kind of device and hashed) and merges the
// prepared policies (Merger.MergePrepared), which only groups, compares and
// decides; the result is the one Merge gives. A Device
// gives the platform (policy.DeviceClass), the OS version and the
// documentation variant. The Result holds the Effective configuration (a
// tree of setting instances the agent renders), its Version (a content
// hash), the per-(policy, setting) Outcomes (succeeded, conflict,
// notApplicable, each with a Reason and the other policies that set the
// same setting), device-side Warnings (contradicting firewall rules) and
// the flattened view (Result.Flatten). Explain tells, for one setting,
// every source and why the delivered value is what it is; Summarize (and
// Summaries) gives Graph's deviceConfigurationConflictSummary over many
// devices. A Resolver may decide conflicts instead of withholding them;
// TieBreak is the documented antivirus tie-break, driven by a Ranking.
//
// # Rules
//
//   - A setting configured by one policy is delivered (onlySource); by
//     several with equal values, once (equalValues); with different values,
//     not at all, every source reporting conflict (differentValues).
//   - Values are compared typed, never as JSON: the same definition, kind,
//     option, simple values, and children. A choice's children are part of
//     its value: the whole subtree is compared. Children, the items of a
//     group collection and the values of a collection are compared as sets
//     (order and repeats do not count), except the signature update
//     fallback order, whose order the device follows. Template references,
//     annotations and unknown properties are not part of a value. A secret
//     is compared as given (text and valueState): two service tokens of the
//     same secret differ.
//   - The settings the catalog marks MergeUnion / MergeUnionFold (Windows
//     excluded paths, extensions and processes, from both the antivirus
//     and the antivirus exclusions profiles; attack surface reduction only
//     exclusions) are combined in policy id order without duplicates,
//     keeping the first spelling; MergeUnionFold compares by upper case,
//     rune by rune, as Windows compares file names.
//   - MergeItems (Linux and macOS exclusions, Linux global exclusions) joins
//     the items of every source; an item equal to one already taken in every
//     child is dropped; each item keeps its $type. Linux global exclusions
//     are a setting of their own and merge among themselves.
//   - MergePerChild (attack surface reduction rules, threat severity default
//     actions): each child is its own setting key, in the outcomes and in
//     the flattened view; the delivered tree rebuilds one group item with the
//     children that are delivered, and leaves the group out when none is.
//     A child's own children belong to its value: per-rule exclusions are
//     compared with their rule, so the same rule in the same state with
//     different per-rule exclusions is a conflict of that rule (the
//     documentation says these exclusions do not merge). Two policies that
//     both set a rule but only one with exclusions conflict too.
//   - MergeRules (firewall rules): every rule of every source is delivered,
//     in policy id order, identical rules included. Enabled rules that allow
//     and block the same traffic (direction, protocol, application —
//     file path, package family or service, case-insensitive — local and
//     remote ports as sets, on at least one common network profile) are
//     reported as one WarningFirewallRuleContradiction; absent fields take
//     the firewall's defaults (outbound, allow, any). Firewall profile
//     settings are ordinary settings and never meet the rules.
//   - Not applicable: a policy that policy.Deliverable refuses for the device
//     takes no part; each of its setting keys is notApplicable
//     (notDeliverable), and it is not counted among the other policies of a
//     setting. A setting whose definition is for another platform, needs a
//     newer OS (MinOSVersion) or is UnsupportedIn the variant is
//     notApplicable; a child setting that does not apply is dropped from its
//     parent's value before comparing (two firewall profiles that differ
//     only in a logging setting the device's OS lacks do not conflict) and
//     is reported notApplicable under its own id.
//
// # The tie-break
//
// TieBreak follows the antivirus documentation: the most secure value wins;
// among equally secure values, the last modified policy; when that does not
// decide (no modification time, or different values modified at the same
// instant), the setting is withheld. "Most secure" is data: a Ranking orders
// the options of choice settings (feature on before off, block before warn
// before audit before off, stricter levels first), the option suffixes of
// per-child groups (ASR rules, threat severity actions) and the direction
// of integer settings; DefaultRanking lists the Defender settings where one
// value plainly protects more, and leaves trade-offs (schedules, CPU load,
// user interface) unranked, that is equally secure. The sources whose value
// is delivered report succeeded (resolvedFor), the others conflict
// (resolvedAgainst). The resolver is off by default, as in the service.
//
// # Outcomes and others
//
// Outcomes are keyed by setting key: a top-level setting, a per-child
// setting, or a dropped child. Result.Outcome also answers for any setting
// below a key (a firewall profile's children, an ASR rule's exclusions)
// with its key's outcome. A SettingOutcome's Sources are the policies that
// set the key and are delivered to the device; Others leaves out the policy
// itself.
//
// # Version
//
// Version hashes the delivered content with a stable 64-bit multiply-mix
// hash, combined over settings so that it does not depend on input order,
// document order, list order, policy ids, names or template references.
// Equal hashes are always confirmed by typed comparison before two values
// are called equal.
//
// # Concurrency and errors
//
// The package is pure: no I/O, no goroutines, no clock. A Merger is
// immutable and safe for concurrent use (per-call scratch space comes from
// a sync.Pool). A Prepared is immutable and safe for concurrent use by any
// number of merges; it keeps its own copy of the policy. A Result is
// immutable and safe for concurrent reads (its outcome views and lookups
// are built on first use, once); it shares unchanged setting instances
// with the input policies of Merge, which must not be modified while it is
// in use, or with the Prepared values of MergePrepared. Merge never
// modifies its input.
//
// Bad input is refused whole with an *InputError (wrapping ErrInvalidInput)
// listing every Problem with the policy, JSON path and setting: a nil
// policy, a missing or repeated id, no device platform and policies for
// several, an unknown platform or variant, an OS version that is not dotted
// numbers, and in deliverable policies an unknown setting, a child in the
// wrong place, a wrong kind or value type, an unknown option or a setting
// configured twice. Policies that are not delivered are not checked (they
// may hold settings this catalog does not know). A resolver that names a
// candidate that does not exist is a *ResolverError. Merge expects policies
// that passed policy validation and checks only what it relies on.
//
// MergePrepared reports exactly the problems Merge reports for the
// policies the Prepared values were made from (a nil entry is a nil
// policy), plus ProblemForeignPrepared for a Prepared of another Merger.
// Prepare refuses only a nil policy: whether a policy's settings must fit
// the catalog depends on whether the device receives it, so a Prepared
// carries its problems to the merges of the devices that do.
//
// # Choices where the specification is silent
//
//   - No device platform: the policies' (windows10 reads as a Windows
//     client); they must agree. No OS version: MinOSVersion is not checked.
//     No variant: current.
//   - Identical firewall rules from two policies are both delivered (each
//     policy's rules are delivered); identical union values are one.
//   - An undeclared option is an error only for choice definitions that
//     list options.
//   - The delivered instance of a setting with one source, or with equal
//     values, is the first source's (policy id order), template references
//     included; merged and rebuilt instances carry none.
//   - Prepare copies the policy (policy.Policy.Clone), so a Prepared never
//     changes after the fact, and readies it for every device it can meet:
//     each device platform and variant that receives it, and OS versions
//     on either side of every minimum its settings name. Settings with the
//     same platforms, minimum OS version and unsupported variants form a
//     class; the walk is kept once per combination of answers (and, for a
//     setting that does not apply, of reasons) that a device can give.
//     A policy whose settings fall into more than 32 classes is walked by
//     every merge instead: same result, merge-time cost.
//   - A Prepared belongs to the Merger that made it (it holds that
//     Merger's resolved definitions); another Merger refuses it.
//
// # Performance
//
// A merge of prepared policies replays, per policy, the pairs its walk
// recorded; groups them by setting key with a dense table indexed by
// definition; compares values by hash, confirmed by typed comparison;
// merges union lists through a table keyed by each value's union hash
// (linear, not pairwise); and allocates only what the Result keeps: the
// policy list, one byte per outcome, a compact record per setting key, and
// the merged or rebuilt instances. The outcome views, the per-key grouping
// and the key index are built on first use.
package conflict
