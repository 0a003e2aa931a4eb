// Package tenantexport reads a tenant exported from Microsoft Graph (its
// endpoint-security policies with their assignments, its device groups and
// its devices) into a secmgmt.Service on the in-memory store, and reports
// what the tenant delivers: per device its groups, effective configuration
// and conflicts, and per policy who gets it. With the Service loaded,
// secmgmt.Service.Simulate answers what a change would do to it.
//
// # The export folder
//
//	policies/*.json   each a Graph configurationPolicies object (either
//	                  export shape, with "assignments" expanded) or a list
//	policies.json     a list of policies (either or both with the folder)
//	groups.json       a list of Graph groups
//	devices.json      a list of Graph devices
//	tenant.json       optional: the tenant, in the enrollment conformance
//	                  form (mode, intuneEnforcement, scope, ...)
//
// A list is a Graph list response ({"value": [...]}, as GET returns it)
// or a bare JSON array; a file may start with a byte-order mark.
//
// Groups are read from id, displayName, description, groupTypes,
// membershipRule and membershipRuleProcessingState; other properties are
// ignored. A group with a membership rule is dynamic (a "DynamicMembership"
// groupTypes without a rule is an error). A static group's members are
// its "members" array (this package's choice: Graph lists them apart,
// under /groups/{id}/members), each a device id, an object id, or a Graph
// directory object ({"deviceId": …} or {"id": object id}); members that
// are not devices (users, "@odata.type" other than #microsoft.graph.device)
// and devices of other platforms are left out.
//
// Devices are read with identity.DeviceFromGraph.
//
// # Choices where the service is silent
//
//   - Every device of a platform security settings management manages
//     becomes a device onboarded with the facts of a healthy device of that
//     platform (enrollment.HealthyFacts) and the export's OS version, so
//     that the analysis shows what the policies deliver, not why a device
//     would fail to enroll. The platform is read from operatingSystem:
//     "Windows Server…" is windowsServer, other "Windows…" windows, macOS
//     (or MacMDM, Mac OS X) macOS, Linux and the Linux distributions linux;
//     anything else (iOS, Android) is listed as skipped.
//   - The enrollment flow registers each device (a synthetic registration);
//     its directory object then takes the export's attributes (display
//     name, OS type and version, category, manufacturer, model, ownership,
//     physical ids, enrollment profile, extension attributes, ...), except
//     the object id, trust type, management type and system labels, which
//     the flow decides. Static members and memberOf rules are resolved to
//     device ids, so object ids need not match.
//   - Without tenant.json the tenant has the Intune toggle on and every
//     platform in scope ("all"), so that every device is managed.
//   - A paused dynamic group's members are what its rule selects when the
//     export is loaded (the export does not carry the frozen membership):
//     the group is created with processing on, then paused.
//   - Policies keep their ids and times (Service.ImportPolicies); each is
//     validated against the built-in catalog when read, and every group an
//     assignment names must be in groups.json.
//
// # Errors
//
// Every problem with the export is an *Error naming the file and the JSON
// path of the offending value (for policies, the policy codec's and the
// catalog's paths below the policy's), wrapping ErrUnreadable and the
// underlying error. Read stops at the first problem.
//
// # Concurrency
//
// Read, Load and Analyze may be called concurrently; an Export is not
// modified by Load. An Analysis is a plain value.
package tenantexport
