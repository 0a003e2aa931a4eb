// Command quickstart runs the main job of security settings management on
// the embedded default: a tenant with its enforcement scope and device
// groups, a few endpoint-security policies (two of which conflict on one
// setting, two whose antivirus exclusions merge), a handful of devices on
// three platforms onboarding (one out of scope, one enrolled in MDM),
// agents checking in and reporting, and the reports an administrator reads.
//
//	go run ./examples/quickstart                          # in memory
//	go run ./examples/quickstart -store sqlite:demo.db    # persisted; run it twice
//	go run ./examples/quickstart -http                    # devices talk HTTP on loopback
//
// With -store sqlite:FILE the state is kept in FILE: a second run finds the
// tenant, policies, groups and devices of the first and shows them, then
// has the agents check in again.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/agent"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/memstore"
	"github.com/secmgmt/secmgmt/store/sqlite"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/httptransport"
)

// linuxExport is a Linux antivirus policy as the admin portal exports it.
//
//go:embed linux-antivirus.json
var linuxExport []byte

const (
	avTemplate         = "804339ad-1553-4478-a742-138fb5807418_1" // Windows: Microsoft Defender Antivirus
	exclusionsTemplate = "45fea5e9-280d-4da1-9792-fb5736da0ca9_1" // Windows: Microsoft Defender Antivirus exclusions
	macAVTemplate      = "2d345ec2-c817-49e5-9156-3ed416dc972a_1" // macOS: Microsoft Defender Antivirus

	defender     = "device_vendor_msft_policy_config_defender_"
	cloudBlock   = defender + "cloudblocklevel"
	excludedPath = defender + "excludedpaths"
	macRealtime  = "com.apple.managedclient.preferences_enablerealtimeprotection"
	linuxEngine  = "linux_mdatp_managed_antivirusengine_enforcementlevel"
)

// options are the command line's.
type options struct {
	store string // "memory" or "sqlite:FILE"
	http  bool   // devices talk to the service over HTTP on loopback
}

func main() {
	var o options
	flag.StringVar(&o.store, "store", "memory", `where the state is kept: "memory", or "sqlite:FILE" to keep it in FILE across runs`)
	flag.BoolVar(&o.http, "http", false, "devices check in over HTTP on a loopback port instead of in process")
	flag.Parse()
	log.SetFlags(0)
	if err := run(context.Background(), os.Stdout, o); err != nil {
		log.Fatal(err)
	}
}

// device is one device of the fleet.
type device struct {
	id, name string
	facts    enrollment.Facts
}

func fleet() []device {
	win := func(tags ...string) enrollment.Facts {
		f := enrollment.HealthyFacts(enrollment.PlatformWindows)
		f.Tags = tags
		return f
	}
	mdm := win(enrollment.ManagementTag)
	mdm.MDMEnrolled, mdm.EntraRegistration = true, enrollment.RegistrationEntraJoined
	return []device{
		{"3c1e2a57-0001-4f6b-9d2e-5a7c1b0e9f01", "WS-ACCT-01", win(enrollment.ManagementTag)},
		{"3c1e2a57-0002-4f6b-9d2e-5a7c1b0e9f02", "WS-ACCT-02", win(enrollment.ManagementTag)},
		{"3c1e2a57-0003-4f6b-9d2e-5a7c1b0e9f03", "WS-LAB-07", win()}, // untagged: out of the "tagged" scope
		{"3c1e2a57-0004-4f6b-9d2e-5a7c1b0e9f04", "WS-SALES-11", mdm}, // enrolled in MDM: policies come through Intune
		{"3c1e2a57-0005-4f6b-9d2e-5a7c1b0e9f05", "SRV-FILES-01", enrollment.HealthyFacts(enrollment.PlatformWindowsServer)},
		{"3c1e2a57-0006-4f6b-9d2e-5a7c1b0e9f06", "MAC-DESIGN-03", enrollment.HealthyFacts(enrollment.PlatformMacOS)},
		{"3c1e2a57-0007-4f6b-9d2e-5a7c1b0e9f07", "LNX-DB-02", enrollment.HealthyFacts(enrollment.PlatformLinux)},
	}
}

// run is the whole program, writing to w.
func run(ctx context.Context, w io.Writer, o options) error {
	st, where, err := openStore(o.store)
	if err != nil {
		return err
	}
	defer st.Close()
	// A fixed seed makes the ids the service gives policies, and so this
	// program's output, the same at every run. Administrative operations
	// are authorized from the principal in the context, by its roles: the
	// service refuses them all unless an authorizer is configured.
	svc, err := secmgmt.New(secmgmt.WithStore(st), secmgmt.WithSeed(2025), secmgmt.WithAuthorizer(authz.RoleBased()))
	if err != nil {
		return err
	}
	defer svc.Close()
	ctx = authz.NewContext(ctx, authz.Principal{ID: "admin@contoso.example", Roles: []authz.Role{authz.IntuneAdministrator()}})

	dial, stop, err := transports(svc, o.http)
	if err != nil {
		return err
	}
	defer stop()

	_, version, err := svc.Tenant(ctx)
	if err != nil {
		return err
	}
	var creds map[string]transport.Credential
	var before map[string]string // configuration versions of an earlier run
	if version == 0 {
		fmt.Fprintf(w, "Security settings management quickstart (%s)\n", where)
		if creds, err = setUp(ctx, w, svc); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(w, "Security settings management quickstart (%s)\n\n", where)
		fmt.Fprintln(w, "The state of an earlier run survived the restart:")
		if creds, before, err = resume(ctx, w, svc); err != nil {
			return err
		}
	}

	section(w, "Agents check in and report")
	if err := checkIn(ctx, w, creds, before, dial); err != nil {
		return err
	}
	if err := reports(ctx, w, svc); err != nil {
		return err
	}
	if version == 0 {
		if err := resolveConflict(ctx, w, svc, creds, dial); err != nil {
			return err
		}
		if err := auditTrail(ctx, w, svc); err != nil {
			return err
		}
	}
	if strings.HasPrefix(o.store, "sqlite:") && version == 0 {
		fmt.Fprintf(w, "\nThe state is in %s: run again with the same -store to see it survive.\n", strings.TrimPrefix(o.store, "sqlite:"))
	}
	return nil
}

// openStore opens the store the -store flag names.
func openStore(spec string) (store.Store, string, error) {
	switch {
	case spec == "" || spec == "memory":
		return memstore.New(), "in memory", nil
	case strings.HasPrefix(spec, "sqlite:") && len(spec) > len("sqlite:"):
		path := strings.TrimPrefix(spec, "sqlite:")
		st, err := sqlite.Open(path)
		if err != nil {
			return nil, "", err
		}
		return st, "SQLite file " + path, nil
	}
	return nil, "", fmt.Errorf(`-store %q: want "memory" or "sqlite:FILE"`, spec)
}

// transports returns how a device reaches the service: in process, or
// through an HTTP server on a loopback port.
func transports(svc *secmgmt.Service, useHTTP bool) (func(transport.Credential) (transport.Transport, error), func(), error) {
	if !useHTTP {
		return func(c transport.Credential) (transport.Transport, error) { return svc.Transport(c), nil }, func() {}, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{Handler: svc.HTTPHandler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	url := "http://" + ln.Addr().String()
	dial := func(c transport.Credential) (transport.Transport, error) { return httptransport.NewClient(url, c) }
	return dial, func() { srv.Close() }, nil
}

// setUp configures the tenant, the groups and the policies, and onboards
// the fleet.
func setUp(ctx context.Context, w io.Writer, svc *secmgmt.Service) (map[string]transport.Credential, error) {
	section(w, "Tenant")
	t := enrollment.DefaultTenant()
	t.IntuneEnforcement = true
	t.Scope = enrollment.Scope{
		WindowsClient: enrollment.ScopeTagged,
		WindowsServer: enrollment.ScopeAll,
		MacOS:         enrollment.ScopeAll,
		Linux:         enrollment.ScopeAll,
	}
	if _, err := svc.SetTenant(ctx, t, 0); err != nil {
		return nil, err
	}
	fmt.Fprintln(w, "Intune enforcement on; Windows clients in scope when tagged MDE-Management; Windows Server, macOS and Linux all in scope.")

	section(w, "Groups")
	groups := []secmgmt.Group{
		{ID: "workstations", DisplayName: "Windows workstations", MembershipRule: `device.deviceOSType -eq "Windows"`},
		{ID: "servers", DisplayName: "Windows servers", MembershipRule: `device.deviceOSType -eq "Windows Server"`},
		{ID: "unix", DisplayName: "macOS and Linux", MembershipRule: `(device.deviceOSType -eq "macOS") -or (device.deviceOSType -eq "Linux")`},
		{ID: "accounting", DisplayName: "Accounting (static)"},
	}
	tw := table(w, "GROUP", "KIND", "RULE")
	for _, g := range groups {
		if _, err := svc.CreateGroup(ctx, g); err != nil {
			return nil, err
		}
		kind, rule := "dynamic", g.MembershipRule
		if !g.Dynamic() {
			kind, rule = "static", "members added by hand"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", g.DisplayName, kind, rule)
	}
	tw.Flush()

	section(w, "Devices onboard")
	creds := map[string]transport.Credential{}
	tw = table(w, "DEVICE", "PLATFORM", "TAGS", "ENROLLMENT", "MANAGED BY", "REGISTRATION")
	for _, d := range fleet() {
		en, err := svc.Onboard(ctx, d.id, d.facts, secmgmt.DisplayName(d.name))
		if err != nil {
			return nil, err
		}
		creds[d.id] = en.Credential
		r := en.Record
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.name, d.facts.Platform, strings.Join(d.facts.Tags, ","), r.Status.Label(), r.ManagedBy, r.Registration)
	}
	tw.Flush()
	if _, err := svc.AddGroupMembers(ctx, "accounting", fleet()[1].id); err != nil {
		return nil, err
	}

	section(w, "Policies")
	built := []struct {
		p  *policy.Policy
		as []*policy.Assignment
	}{}
	add := func(template, name string, as []*policy.Assignment, settings ...*policy.SettingInstance) error {
		p, err := policy.NewPolicy(svc.Catalog(), template, name, settings...)
		if err != nil {
			return err
		}
		built = append(built, struct {
			p  *policy.Policy
			as []*policy.Assignment
		}{p, as})
		return nil
	}
	errs := []error{
		add(avTemplate, "Windows - antivirus baseline",
			[]*policy.Assignment{policy.Include("workstations"), policy.Include("servers")},
			policy.Choice(defender+"allowrealtimemonitoring", defender+"allowrealtimemonitoring_1"),
			policy.Choice(cloudBlock, cloudBlock+"_2"),
			policy.Strings(excludedPath, `C:\Data\Mounts`)),
		add(avTemplate, "Windows - accounting hardening",
			[]*policy.Assignment{policy.Include("accounting")},
			policy.Choice(cloudBlock, cloudBlock+"_4")),
		add(exclusionsTemplate, "Windows - build tool exclusions",
			[]*policy.Assignment{policy.Include("workstations")},
			policy.Strings(excludedPath, `D:\Build`, `c:\data\mounts`)),
		add(macAVTemplate, "macOS - antivirus",
			[]*policy.Assignment{policy.Include("unix")},
			policy.Choice(macRealtime, macRealtime+"_true")),
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, b := range built {
		b.p.Assignments = b.as
		if _, _, err := svc.CreatePolicy(ctx, b.p); err != nil {
			return nil, err
		}
	}
	imported, err := svc.ImportPolicies(ctx, linuxExport)
	if err != nil {
		return nil, err
	}
	if _, err := svc.AssignPolicy(ctx, imported[0].ID, []*policy.Assignment{policy.Include("unix")}); err != nil {
		return nil, err
	}
	if err := listPolicies(ctx, w, svc); err != nil {
		return nil, err
	}
	return creds, nil
}

// listPolicies prints the policies with their assignments.
func listPolicies(ctx context.Context, w io.Writer, svc *secmgmt.Service) error {
	tw := table(w, "POLICY", "PLATFORM", "SETTINGS", "ASSIGNED TO")
	for p, err := range svc.Policies(ctx) {
		if err != nil {
			return err
		}
		var targets []string
		for _, a := range p.Assignments {
			targets = append(targets, a.Target.GroupID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", p.Name, p.Platforms, len(p.Settings), strings.Join(targets, ", "))
	}
	return tw.Flush()
}

// resume shows what an earlier run left in the store, and gives every
// onboarded device a new credential (the agents of this program do not
// keep theirs between runs).
func resume(ctx context.Context, w io.Writer, svc *secmgmt.Service) (map[string]transport.Credential, map[string]string, error) {
	if err := listPolicies(ctx, w, svc); err != nil {
		return nil, nil, err
	}
	fmt.Fprintln(w)
	creds := map[string]transport.Credential{}
	versions := map[string]string{}
	tw := table(w, "DEVICE", "ENROLLMENT", "GROUPS", "LAST CHECK-IN", "CONFIGURATION")
	for d, err := range svc.Devices(ctx) {
		if err != nil {
			return nil, nil, err
		}
		versions[d.ID] = d.ConfigurationVersion
		last := "never"
		if !d.LastCheckIn.IsZero() {
			last = d.LastCheckIn.Local().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Enrollment.DisplayName, d.Enrollment.Status.Label(), strings.Join(d.Groups, ","), last, short(d.ConfigurationVersion))
		c, err := svc.ReissueCredential(ctx, d.ID)
		if err != nil {
			return nil, nil, err
		}
		creds[d.ID] = c
	}
	return creds, versions, tw.Flush()
}

// checkIn has every device's agent check in once, apply what it gets and
// report; the Linux server's engine refuses a change of its enforcement
// level. before holds the versions devices were given in an earlier run.
func checkIn(ctx context.Context, w io.Writer, creds map[string]transport.Credential, before map[string]string, dial func(transport.Credential) (transport.Transport, error)) error {
	tw := table(w, "DEVICE", "CHECK-IN", "CONFIGURATION", "SETTINGS", "REPORTED")
	for _, d := range fleet() {
		tr, err := dial(creds[d.id])
		if err != nil {
			return err
		}
		var opts []agent.Option
		if d.facts.Platform == enrollment.PlatformLinux {
			opts = append(opts, agent.WithFailure(linuxEngine, 13, "the enforcement level is locked by the local administrator"))
		}
		a, err := agent.New(d.id, policy.DevicePlatform(d.facts.Platform), tr, opts...)
		if err != nil {
			return err
		}
		r, err := a.CheckIn(ctx)
		switch {
		case errors.Is(err, transport.ErrNotManaged):
			fmt.Fprintf(tw, "%s\trefused: not managed here\t\t\t\n", d.name)
			continue
		case err != nil:
			return fmt.Errorf("%s: %w", d.name, err)
		}
		got := "new configuration"
		if v, ok := before[d.id]; ok && v == r.Version {
			got = "same as last run"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%v\n", d.name, got, short(r.Version), len(a.Results()), r.Reported)
	}
	return tw.Flush()
}

// reports prints the administrator's views.
func reports(ctx context.Context, w io.Writer, svc *secmgmt.Service) error {
	section(w, "Report: policy status per device")
	aggs, err := svc.PolicyReport(ctx)
	if err != nil {
		return err
	}
	tw := table(w, "POLICY", "SUCCEEDED", "ERROR", "CONFLICT", "PENDING", "NOT APPLICABLE")
	for _, a := range aggs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\n", a.Policy.Name, a.Succeeded, a.Error, a.Conflict, a.Pending, a.NotApplicable)
	}
	tw.Flush()

	section(w, "Report: conflicts")
	sums, err := svc.ConflictReport(ctx)
	if err != nil {
		return err
	}
	if len(sums) == 0 {
		fmt.Fprintln(w, "none")
	}
	for _, s := range sums {
		var names []string
		for _, p := range s.ConflictingDeviceConfigurations {
			names = append(names, p.DisplayName)
		}
		fmt.Fprintf(w, "%s conflict on %s (%d device)\n", strings.Join(names, " and "), strings.Join(s.ContributingSettings, ", "), s.DeviceCheckinsImpacted)
	}

	acct := fleet()[1]
	section(w, "Report: "+acct.name+", setting by setting")
	dr, err := svc.DeviceReport(ctx, acct.id)
	if err != nil {
		return err
	}
	tw = table(w, "POLICY", "SETTING", "STATUS", "VALUE", "ALSO SET BY")
	for _, row := range dr.Settings {
		id, value := row.Setting.SettingID, row.Setting.Value
		value = strings.TrimPrefix(value, id+"_") // a choice: its option
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d other\n", row.Policy.Name, strings.TrimPrefix(id, defender), row.Setting.Status.ReportStatus(), value, len(row.Setting.OtherPolicies))
	}
	tw.Flush()
	if res, err := svc.EffectiveConfiguration(ctx, acct.id); err == nil {
		if e, ok := conflict.Explain(res, cloudBlock); ok {
			fmt.Fprintln(w, "\nWhy:", e.Text)
		}
		if e, ok := conflict.Explain(res, excludedPath); ok {
			fmt.Fprintln(w, "Exclusions:", e.Text)
		}
	}

	section(w, "Report: Linux server errors")
	lnx := fleet()[6]
	dr, err = svc.DeviceReport(ctx, lnx.id)
	if err != nil {
		return err
	}
	for _, row := range dr.Settings {
		if row.Setting.Status == report.StatusError {
			fmt.Fprintf(w, "%s: %s failed with code %d: %s\n", lnx.name, row.Setting.SettingID, row.Setting.ErrorCode, row.Setting.ErrorMessage)
		}
	}

	section(w, "Report: enrollment and management")
	enr, err := svc.EnrollmentReport(ctx)
	if err != nil {
		return err
	}
	mb, err := svc.ManagedByReport(ctx)
	if err != nil {
		return err
	}
	tw = table(w, "ENROLLMENT STATUS", "DEVICES", "", "MANAGED BY", "DEVICES")
	var es, ms []report.Count
	for _, c := range enr {
		if c.Devices > 0 {
			es = append(es, c)
		}
	}
	for _, c := range mb {
		if c.Devices > 0 {
			ms = append(ms, c)
		}
	}
	for i := range max(len(es), len(ms)) {
		var a, b [2]string
		if i < len(es) {
			a = [2]string{enrollment.Status(es[i].Value).Label(), fmt.Sprint(es[i].Devices)}
		}
		if i < len(ms) {
			b = [2]string{ms[i].Value, fmt.Sprint(ms[i].Devices)}
		}
		fmt.Fprintf(tw, "%s\t%s\t\t%s\t%s\n", a[0], a[1], b[0], b[1])
	}
	return tw.Flush()
}

// resolveConflict changes the accounting policy to agree with the
// baseline: only the device in accounting gets a new configuration.
func resolveConflict(ctx context.Context, w io.Writer, svc *secmgmt.Service, creds map[string]transport.Credential, dial func(transport.Credential) (transport.Transport, error)) error {
	section(w, "An administrator resolves the conflict")
	var hardening *policy.Policy
	var version int64
	for p, err := range svc.Policies(ctx) {
		if err != nil {
			return err
		}
		if p.Name == "Windows - accounting hardening" {
			hardening = p
		}
	}
	hardening, version, err := svc.Policy(ctx, hardening.ID)
	if err != nil {
		return err
	}
	hardening.Settings[0].Instance = policy.Choice(cloudBlock, cloudBlock+"_2")
	if _, err := svc.UpdatePolicy(ctx, hardening, version); err != nil {
		return err
	}
	before := svc.Stats()
	changed := 0
	for _, d := range fleet() {
		tr, err := dial(creds[d.id])
		if err != nil {
			return err
		}
		dev, err := svc.Device(ctx, d.id)
		if err != nil {
			return err
		}
		resp, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: d.id, ConfigurationVersion: dev.ConfigurationVersion})
		if errors.Is(err, transport.ErrNotManaged) {
			continue
		}
		if err != nil {
			return err
		}
		if !resp.NotModified {
			changed++
			fmt.Fprintf(w, "%s gets configuration %s: cloud block level now delivered\n", d.name, short(resp.Configuration.Version))
		}
	}
	after := svc.Stats()
	fmt.Fprintf(w, "%d device got a new configuration; %d configuration was computed again, every other check-in was answered \"not modified\".\n",
		changed, after.Recomputations-before.Recomputations)
	return nil
}

// auditTrail prints the last administrative changes of the audit trail.
func auditTrail(ctx context.Context, w io.Writer, svc *secmgmt.Service) error {
	section(w, "Audit trail: the last changes")
	var entries []*store.AuditEntry
	for e, err := range svc.Audit(ctx, store.AuditQuery{}) {
		if err != nil {
			return err
		}
		entries = append(entries, e)
	}
	tw := table(w, "WHO", "OPERATION", "OBJECT", "VERSIONS", "DETAIL")
	for _, e := range entries[max(0, len(entries)-4):] {
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%d → %d\t%s\n", e.PrincipalID, e.Operation, e.ObjectKind, short(e.ObjectID), e.BeforeVersion, e.AfterVersion, e.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d entries in all.\n", len(entries))
	return nil
}

// section prints a heading.
func section(w io.Writer, title string) {
	fmt.Fprintf(w, "\n== %s\n", title)
}

// table starts a table with its header.
func table(w io.Writer, cols ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	return tw
}

// short abbreviates a configuration version.
func short(v string) string {
	if len(v) > 8 {
		return v[:8]
	}
	return v
}
