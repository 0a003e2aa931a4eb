// Package fleetgen generates fleets for scale tests, benchmarks and
// simulations: N devices with realistic attributes over the four platforms
// security settings management serves, G dynamic groups with the kinds of
// rules tenants write, and P policies over every template of the catalog
// whose overlaps produce merges and conflicts. A fleet is deterministic
// from a seed.
//
// # Main types
//
// New(seed, Options{Devices, Groups, Policies, …}) returns a *Fleet: the
// tenant (Fleet.Tenant), the dynamic groups (Fleet.Groups, each with a rule
// targeting.Parse accepts), the policies (Fleet.Policies, built with
// policy.NewPolicy, with their Graph assignments) and their targets
// (Fleet.Assignments). Devices are generated on demand: Fleet.Device(i)
// returns device i and Fleet.Devices yields them all, so a million-device
// fleet costs memory only for what the caller keeps. A Device holds what
// its agent reports (enrollment.Facts), the full registration it already
// had in the directory (Existing), the enrollment state it reaches when
// onboarded (Expected) and its directory object afterwards (Object), which
// is what dynamic groups evaluate. PolicyIndexes resolves the assignments
// for a device from its group memberships; AssignmentOf reads a policy's
// Graph assignments as a targeting.Assignment.
//
// # The fleet
//
// Devices: 60 % Windows clients, 15 % Windows Server, 12 % macOS and 13 %
// Linux by default (Options.Mix); about 45 % of Windows clients hybrid
// joined, 38 % Entra joined through Autopilot (physical ids with an order
// id group tag, a category), 5 % registered and the rest without a
// registration (they get a synthetic one); a third of the servers hybrid
// joined; 45 % of Macs registered; Linux never. OS versions and agent
// versions follow a realistic spread including a few that the prerequisites
// refuse; some devices are Intune-enrolled, have a Configuration Manager
// client, run non-persistent VDI or in constrained PowerShell, hit a
// registration fault or the Linux board_vendor known issue. Forty sites
// weighted like a real organisation's (extensionAttribute1 and the name
// prefix), eleven departments (extensionAttribute2), cost centres
// (extensionAttribute3), server environments and roles (extensionAttribute10
// and 11) on the objects of full registrations; device tags hold
// MDE-Management (on Options.TaggedShare of servers and Linux devices,
// which the tenant's scope requires), the region, server tiers, Linux
// environments, Pilot and VIP.
//
// Groups: the managed devices of each platform, the pilot devices, then
// rules on platform and site, department lists, OS builds, region, tier
// and environment tags, roles by name, Autopilot group tags, categories,
// trust types, hardware, negations, alternatives, regular expressions,
// cost centres, Intune-enrolled devices, and one memberOf group in fifty.
//
// Policies: see the comment at the top of policies.go for the layout of
// baselines and overlays and what their overlaps produce.
//
// # Concurrency and errors
//
// A Fleet is immutable and safe for concurrent use; Device may be called
// from many goroutines. The package is pure: no I/O, no goroutines, no
// clock (Options.Now is the time). New returns an *OptionError wrapping
// ErrInvalidOptions for options out of range.
//
// # Choices
//
//   - The tenant is fixed (see Fleet.Tenant): current mode, every Windows
//     client and Mac in scope, servers, domain controllers and Linux only
//     when tagged, Configuration Manager authority and Defender for Cloud
//     on, so that every enrollment outcome occurs.
//   - Expected and Object are predicted, not computed by the enrollment
//     state machine, so that a million devices generate in seconds; the
//     tests onboard twenty thousand devices with the state machine and
//     compare state and directory object.
//   - Device i is generated from its own random source, seeded from the
//     fleet seed and i, so it does not depend on the fleet size or on the
//     order of generation.
//   - Ids (device ids, object ids of existing registrations, group and
//     policy ids) are random version-4 GUIDs from the seed; the objects the
//     enrollment flow creates take the identity package's derived ids.
package fleetgen
