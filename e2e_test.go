package secmgmt_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"

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

// backend opens a store for a test; reopen opens the same one again (nil
// for stores that do not persist).
type backend struct {
	name string
	open func(t *testing.T) (st store.Store, reopen func(t *testing.T) store.Store)
}

// backends lists every store backend: memstore, SQLite in a temporary
// file, and PostgreSQL when SECMGMT_POSTGRES_DSN names a server.
func backends() []backend {
	bs := []backend{
		{"memstore", func(t *testing.T) (store.Store, func(*testing.T) store.Store) {
			return memstore.New(), nil
		}},
		{"sqlite", func(t *testing.T) (store.Store, func(*testing.T) store.Store) {
			path := filepath.Join(t.TempDir(), "secmgmt.db")
			open := func(t *testing.T) store.Store {
				st, err := sqlite.Open(path, sqlite.WithSynchronous(sqlite.SyncNormal))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
			return open(t), open
		}},
	}
	return append(bs, postgresBackends()...)
}

// transportKind makes a device's transport to a service.
type transportKind struct {
	name string
	make func(t *testing.T, svc *secmgmt.Service) func(cred transport.Credential) transport.Transport
}

var transports = []transportKind{
	{"inproc", func(t *testing.T, svc *secmgmt.Service) func(transport.Credential) transport.Transport {
		return svc.Transport
	}},
	{"http", func(t *testing.T, svc *secmgmt.Service) func(transport.Credential) transport.Transport {
		srv := httptest.NewServer(svc.HTTPHandler())
		t.Cleanup(srv.Close)
		return func(cred transport.Credential) transport.Transport {
			c, err := httptransport.NewClient(srv.URL, cred)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
	}},
}

// fleetDevice is one device of the scenario.
type fleetDevice struct {
	id, name string
	facts    enrollment.Facts
	state    enrollment.State // expected after onboarding
}

var fleet = []fleetDevice{
	{"win-01", "WIN-01", facts(enrollment.PlatformWindows, enrollment.ManagementTag), enrollment.StateEnrolled},
	{"win-02", "WIN-02", facts(enrollment.PlatformWindows, enrollment.ManagementTag), enrollment.StateEnrolled},
	{"win-03", "WIN-03", facts(enrollment.PlatformWindows), enrollment.StateNotEnrolled},
	{"win-04", "WIN-04", mdm(facts(enrollment.PlatformWindows, enrollment.ManagementTag)), enrollment.StateManagedByMDM},
	{"srv-01", "SRV-01", facts(enrollment.PlatformWindowsServer), enrollment.StateEnrolled},
	{"mac-01", "MAC-01", facts(enrollment.PlatformMacOS), enrollment.StateEnrolled},
	{"lnx-01", "LNX-01", facts(enrollment.PlatformLinux), enrollment.StateEnrolled},
}

func mdm(f enrollment.Facts) enrollment.Facts {
	f.MDMEnrolled = true
	f.EntraRegistration = enrollment.RegistrationEntraJoined
	return f
}

// scenario is the main job: a tenant with its scope, groups, policies (one
// conflict, one exclusion merge), and a fleet on three platforms.
type scenario struct {
	svc      *secmgmt.Service
	creds    map[string]transport.Credential
	policies map[string]*policy.Policy // by name
}

// setUp builds the scenario on a service.
func setUp(t *testing.T, svc *secmgmt.Service) *scenario {
	t.Helper()
	ctx := context.Background()
	sc := &scenario{svc: svc, creds: map[string]transport.Credential{}, policies: map[string]*policy.Policy{}}
	setTenant(t, svc, inScope())
	for _, g := range []secmgmt.Group{
		{ID: "workstations", DisplayName: "Windows workstations", MembershipRule: `device.deviceOSType -eq "Windows"`},
		{ID: "servers", DisplayName: "Windows servers", MembershipRule: `device.deviceOSType -eq "Windows Server"`},
		{ID: "unix", DisplayName: "macOS and Linux", MembershipRule: `(device.deviceOSType -eq "macOS") -or (device.deviceOSType -eq "Linux")`},
		{ID: "pilot", DisplayName: "Pilot"},
	} {
		if _, err := svc.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range fleet {
		en, err := svc.Onboard(ctx, d.id, d.facts, secmgmt.DisplayName(d.name))
		if err != nil {
			t.Fatal(err)
		}
		if en.Record.State != d.state {
			t.Fatalf("%s: state %s, want %s (%s)", d.id, en.Record.State, d.state, en.Record.Cause)
		}
		sc.creds[d.id] = en.Credential
	}
	if _, err := svc.AddGroupMembers(ctx, "pilot", "win-02"); err != nil {
		t.Fatal(err)
	}
	add := func(p *policy.Policy, as ...*policy.Assignment) {
		p.Assignments = as
		out, _, err := svc.CreatePolicy(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		sc.policies[out.Name] = out
	}
	add(mustPolicy(t, winAV, "Windows baseline",
		policy.Choice(realtime, realtime+"_1"),
		policy.Choice(cloudBlock, cloudBlock+"_2"),
		policy.Strings(excludedPath, `C:\Data`),
	), policy.Include("workstations"), policy.Include("servers"))
	add(mustPolicy(t, winAV, "Windows pilot",
		policy.Choice(cloudBlock, cloudBlock+"_4"),
	), policy.Include("pilot"))
	add(mustPolicy(t, winAVExcl, "Build exclusions",
		policy.Strings(excludedPath, `D:\Build`, `c:\data`),
	), policy.Include("workstations"))
	add(mustPolicy(t, macAV, "macOS antivirus",
		policy.Choice(macRTP, macRTP+"_true"),
	), policy.Include("unix"))
	add(mustPolicy(t, linuxAV, "Linux antivirus",
		policy.Choice(linuxRTP, linuxRTP+"_true"),
	), policy.Include("unix"))
	return sc
}

// runAgents checks every device in once through its transport; the Linux
// device fails to apply real-time protection. It returns the agents.
func (sc *scenario) runAgents(t *testing.T, newTransport func(transport.Credential) transport.Transport) map[string]*agent.Agent {
	t.Helper()
	ctx := context.Background()
	agents := map[string]*agent.Agent{}
	for _, d := range fleet {
		var opts []agent.Option
		if d.id == "lnx-01" {
			opts = append(opts, agent.WithFailure(linuxRTP, 13, "the engine refused the change"))
		}
		a, err := agent.New(d.id, policy.DevicePlatform(d.facts.Platform), newTransport(sc.creds[d.id]), opts...)
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.CheckIn(ctx)
		managed := d.state == enrollment.StateEnrolled
		if managed && err != nil {
			t.Fatalf("%s: check-in: %v", d.id, err)
		}
		if !managed && !errors.Is(err, transport.ErrNotManaged) {
			t.Fatalf("%s: check-in of an unmanaged device: %v, want ErrNotManaged", d.id, err)
		}
		agents[d.id] = a
	}
	return agents
}

// checkReports checks the reports of the scenario after one round of
// check-ins.
func (sc *scenario) checkReports(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	id := func(name string) string { return sc.policies[name].ID }

	aggs, err := sc.svc.PolicyReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]report.PolicyAggregate{}
	for _, a := range aggs {
		got[a.Policy.Name] = a
	}
	want := map[string]report.PolicyAggregate{
		"Windows baseline": {Succeeded: 2, Conflict: 1},
		"Windows pilot":    {Conflict: 1},
		"Build exclusions": {Succeeded: 2},
		"macOS antivirus":  {Succeeded: 1, NotApplicable: 1},
		"Linux antivirus":  {Error: 1, NotApplicable: 1},
	}
	for name, w := range want {
		g := got[name]
		w.Policy = g.Policy
		if g != w {
			t.Errorf("policy %q: %+v, want %+v", name, g, w)
		}
	}

	sums, err := sc.svc.ConflictReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{id("Windows baseline"), id("Windows pilot")}
	slices.Sort(ids)
	if len(sums) != 1 || sums[0].DeviceCheckinsImpacted != 1 || !slices.Equal(sums[0].ContributingSettings, []string{cloudBlock}) ||
		sums[0].ID != ids[0]+"_"+ids[1] {
		t.Errorf("conflicts: %+v", sums)
	}

	counts := func(cs []report.Count, err error) map[string]int {
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int{}
		for _, c := range cs {
			if c.Devices > 0 {
				m[c.Value] = c.Devices
			}
		}
		return m
	}
	if got, want := counts(sc.svc.EnrollmentReport(ctx)), map[string]int{"success": 5, "notEnrolled": 1, "managedByMDM": 1}; !mapsEqual(got, want) {
		t.Errorf("enrollment: %v, want %v", got, want)
	}
	if got, want := counts(sc.svc.ManagedByReport(ctx)), map[string]int{"MDE": 5, "Intune": 1, "Unknown": 1}; !mapsEqual(got, want) {
		t.Errorf("managed by: %v, want %v", got, want)
	}

	// The exclusion lists merge: both paths reach the workstation, once.
	res, err := sc.svc.EffectiveConfiguration(ctx, "win-01")
	if err != nil {
		t.Fatal(err)
	}
	paths, _ := res.Flatten()[excludedPath].([]any)
	if len(paths) != 2 {
		t.Errorf("win-01 excluded paths %v, want the union of C:\\Data and D:\\Build", paths)
	}

	dr, err := sc.svc.DeviceReport(ctx, "win-02")
	if err != nil {
		t.Fatal(err)
	}
	var conflicting []string
	for _, row := range dr.Settings {
		if row.Setting.Status == report.StatusConflict {
			conflicting = append(conflicting, row.Policy.Name+":"+row.Setting.SettingID)
		}
	}
	slices.Sort(conflicting)
	if want := []string{"Windows baseline:" + cloudBlock, "Windows pilot:" + cloudBlock}; !slices.Equal(conflicting, want) {
		t.Errorf("win-02 conflicting settings %v, want %v", conflicting, want)
	}
	if _, ok := conflict.Explain(mustResult(t, sc.svc, "win-02"), cloudBlock); !ok {
		t.Error("no explanation of the conflict")
	}
}

func mustResult(t *testing.T, svc *secmgmt.Service, id string) *conflict.Result {
	t.Helper()
	res, err := svc.EffectiveConfiguration(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestEndToEnd runs the main job on every store backend and both
// transports: set up, check in, report, then the reports; then a second
// round is answered "not modified".
func TestEndToEnd(t *testing.T) {
	for _, b := range backends() {
		for _, tk := range transports {
			t.Run(b.name+"/"+tk.name, func(t *testing.T) {
				st, _ := b.open(t)
				svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithStore(st), secmgmt.WithSeed(7))
				if err != nil {
					t.Fatal(err)
				}
				defer svc.Close()
				sc := setUp(t, svc)
				agents := sc.runAgents(t, tk.make(t, svc))
				sc.checkReports(t)

				before := svc.Stats()
				for _, d := range fleet {
					if d.state != enrollment.StateEnrolled {
						continue
					}
					r, err := agents[d.id].CheckIn(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					if r.Modified {
						t.Errorf("%s: second check-in got a new configuration", d.id)
					}
				}
				after := svc.Stats()
				if after.Recomputations != before.Recomputations {
					t.Errorf("second round recomputed %d configurations", after.Recomputations-before.Recomputations)
				}
			})
		}
	}
}

// TestRestart: a persistent store keeps everything across a restart; the
// devices' credentials still work, and a device holding its configuration
// is answered "not modified".
func TestRestart(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			st, reopen := b.open(t)
			if reopen == nil {
				t.Skip("the store does not persist")
			}
			svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithStore(st))
			if err != nil {
				t.Fatal(err)
			}
			sc := setUp(t, svc)
			agents := sc.runAgents(t, svc.Transport)
			svc.Close()
			st.Close()

			svc2, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithStore(reopen(t)))
			if err != nil {
				t.Fatal(err)
			}
			defer svc2.Close()
			sc.svc = svc2
			sc.checkReports(t)
			for _, d := range fleet {
				if d.state != enrollment.StateEnrolled {
					continue
				}
				resp, err := svc2.Transport(sc.creds[d.id]).CheckIn(context.Background(), transport.CheckIn{DeviceID: d.id, ConfigurationVersion: agents[d.id].Version()})
				if err != nil {
					t.Fatalf("%s after restart: %v", d.id, err)
				}
				if !resp.NotModified {
					t.Errorf("%s after restart: configuration changed", d.id)
				}
			}
			members, err := svc2.GroupMembers(context.Background(), "pilot")
			if err != nil || !slices.Equal(members, []string{"win-02"}) {
				t.Errorf("pilot members after restart: %v, %v", members, err)
			}
		})
	}
}
