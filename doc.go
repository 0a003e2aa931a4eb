// Package secmgmt is an embeddable SDK for security settings management: the
// control plane that delivers endpoint-security policies (antivirus,
// antivirus exclusions, attack surface reduction rules, endpoint detection
// and response, firewall, firewall rules, security experience) to devices
// that run an endpoint-protection agent but are not enrolled in a mobile
// device management service.
//
// It follows the documented behaviour of Microsoft Intune with Defender for
// Endpoint security settings management and Entra ID dynamic device groups,
// and reads and writes their formats: Microsoft Graph
// deviceManagementConfigurationPolicy JSON, the dynamic membership rule
// language, and the Defender on-device configuration files.
//
// # Packages
//
// The domain packages are pure (no I/O, no goroutines, time passed in):
//
//   - policy: setting definitions (the built-in catalog), policies, the
//     support matrix, validation, the Graph JSON codec, device-native renderers.
//   - identity: directory device objects and their registration.
//   - targeting: the dynamic membership rule language, groups, assignments
//     and the incremental membership index.
//   - enrollment: the enrollment state machine of a device.
//   - conflict: the per-device merge of overlapping policies into an
//     effective configuration.
//   - report: status roll-ups and the report views, with CSV and Graph-shaped
//     JSON export.
//
// I/O lives in store (persistence: memstore, sqlite, postgres), transport
// (device ↔ service messages: inproc, httptransport), agent (the simulated
// device side) and this package's Service, which wires them together.
//
// # Data flow
//
// An administrator's program adds policies (Graph JSON or built in code),
// groups (static or rule-based) and assignments, and sets the tenant's
// enforcement scope. A device onboards with its facts; the enrollment state
// machine decides whether it is managed here and gives it a directory
// identity. The membership index keeps its groups; at each check-in the
// assigned policies are merged into a versioned effective configuration,
// which the agent applies and reports on. Reports roll the statuses up.
package secmgmt
