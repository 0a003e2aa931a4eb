package agent_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/agent"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/inproc"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

const (
	def      = "device_vendor_msft_policy_config_defender_"
	asr      = def + "attacksurfacereductionrules"
	tsda     = def + "threatseveritydefaultaction"
	edr      = "device_vendor_msft_windowsadvancedthreatprotection_"
	linux    = "linux_mdatp_managed_"
	mac      = "com.apple.managedclient.preferences_"
	tpOption = "vendor_msft_defender_configuration_tamperprotection_options"
	rtm      = def + "allowrealtimemonitoring"
)

var epoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type env struct {
	srv   *transporttest.FakeServer
	clock *fakeClock
	tr    transport.Transport
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := newFakeClock(epoch)
	srv := transporttest.NewFakeServer(transporttest.FakeClock(clock.Now))
	cred := srv.AddDevice("dev", "secret")
	return &env{srv: srv, clock: clock, tr: inproc.New(srv, cred)}
}

func (e *env) configure(t *testing.T, version string, platform policy.DevicePlatform, settings ...*policy.SettingInstance) {
	t.Helper()
	if err := e.srv.SetConfiguration("dev", &transport.Configuration{Version: version, Platform: platform, Settings: settings}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) agent(t *testing.T, platform policy.DevicePlatform, opts ...agent.Option) *agent.Agent {
	t.Helper()
	a, err := agent.New("dev", platform, e.tr, append([]agent.Option{agent.WithClock(e.clock), agent.WithRandom(rand.New(rand.NewPCG(1, 2)))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func results(rs []transport.SettingResult) map[string]transport.SettingResult {
	m := map[string]transport.SettingResult{}
	for _, r := range rs {
		m[r.SettingID] = r
	}
	return m
}

func TestNewValidates(t *testing.T) {
	tr := inproc.New(transporttest.NewFakeServer(), transport.Credential{DeviceID: "d"})
	cases := map[string]func() (*agent.Agent, error){
		"no id":        func() (*agent.Agent, error) { return agent.New("", policy.DeviceWindows, tr) },
		"bad platform": func() (*agent.Agent, error) { return agent.New("d", "amiga", tr) },
		"no transport": func() (*agent.Agent, error) { return agent.New("d", policy.DeviceLinux, nil) },
		"bad variant": func() (*agent.Agent, error) {
			return agent.New("d", policy.DeviceLinux, tr, agent.WithVariant("future"))
		},
		"empty failure": func() (*agent.Agent, error) {
			return agent.New("d", policy.DeviceLinux, tr, agent.WithFailure("", 1, "x"))
		},
		"bad os": func() (*agent.Agent, error) {
			return agent.New("d", policy.DeviceLinux, tr, agent.WithOSVersion("ten"))
		},
		"bad interval": func() (*agent.Agent, error) {
			return agent.New("d", policy.DeviceLinux, tr, agent.WithInterval(time.Minute, time.Hour))
		},
		"bad backoff": func() (*agent.Agent, error) {
			return agent.New("d", policy.DeviceLinux, tr, agent.WithBackoff(time.Minute, time.Second))
		},
		"nil clock":      func() (*agent.Agent, error) { return agent.New("d", policy.DeviceLinux, tr, agent.WithClock(nil)) },
		"nil catalog":    func() (*agent.Agent, error) { return agent.New("d", policy.DeviceLinux, tr, agent.WithCatalog(nil)) },
		"nil randomness": func() (*agent.Agent, error) { return agent.New("d", policy.DeviceLinux, tr, agent.WithRandom(nil)) },
	}
	for name, mk := range cases {
		if a, err := mk(); !errors.Is(err, agent.ErrInvalid) || a != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	a, err := agent.New("d", policy.DeviceLinux, tr)
	if err != nil || a.DeviceID() != "d" || a.TamperProtection() {
		t.Fatalf("%v %v", a, err)
	}
	if w, _ := agent.New("d", policy.DeviceWindowsServer, tr); !w.TamperProtection() {
		t.Error("tamper protection is off by default on Windows")
	}
}

func windowsSettings() []*policy.SettingInstance {
	return []*policy.SettingInstance{
		policy.Choice(rtm, rtm+"_0"), // tamper protected
		policy.Integer(def+"avgcpuloadfactor", 30),
		policy.Choice(def+"allowintrusionpreventionsystem", def+"allowintrusionpreventionsystem_1"), // not delivered by this channel
		policy.Strings(def+"excludedpaths", `C:\Temp`, `D:\Builds`),
		policy.GroupCollection(asr, policy.Item(
			policy.Choice(asr+"_blockwin32apicallsfromofficemacros", asr+"_blockwin32apicallsfromofficemacros_block"),
			policy.Choice(asr+"_blockadobereaderfromcreatingchildprocesses", asr+"_blockadobereaderfromcreatingchildprocesses_audit"))),
		policy.GroupCollection(tsda, policy.Item(policy.Choice(tsda+"_severethreats", tsda+"_severethreats_remove"))), // tamper protected
		policy.Integer(linux+"antivirusengine_scanhistorymaximumitems", 12000),
		policy.Integer("nobody_knows_this", 1),
		policy.Choice(edr+"configurationtype", edr+"configurationtype_onboard", policy.Secret(edr+"onboarding", "SECRET-BLOB")),
	}
}

func TestCheckInAppliesWindowsConfiguration(t *testing.T) {
	e := newEnv(t)
	e.configure(t, "v1", policy.DeviceWindows, windowsSettings()...)
	a := e.agent(t, policy.DeviceWindows,
		agent.WithFailure(def+"excludedpaths", -2147024891, "access denied"),
		agent.WithFailure(asr+"_blockadobereaderfromcreatingchildprocesses", 87, "bad parameter"))
	round, err := a.CheckIn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !round.Modified || round.Version != "v1" || !round.Reported || !round.NextCheckIn.Equal(epoch.Add(90*time.Minute)) {
		t.Fatalf("round %+v", round)
	}
	want := []transport.SettingResult{
		{SettingID: rtm, Status: report.StatusSucceeded, Value: "1"},
		{SettingID: def + "avgcpuloadfactor", Status: report.StatusSucceeded, Value: "30"},
		{SettingID: def + "allowintrusionpreventionsystem", Status: report.StatusNotApplicable, Message: "security settings management does not deliver this setting"},
		{SettingID: def + "excludedpaths", Status: report.StatusError, ErrorCode: -2147024891, Message: "access denied"},
		{SettingID: asr + "_blockwin32apicallsfromofficemacros", Status: report.StatusSucceeded, Value: "1"},
		{SettingID: asr + "_blockadobereaderfromcreatingchildprocesses", Status: report.StatusError, ErrorCode: 87, Message: "bad parameter", Value: "0"}, // its default stays
		{SettingID: tsda + "_severethreats", Status: report.StatusSucceeded, Value: ""},
		{SettingID: linux + "antivirusengine_scanhistorymaximumitems", Status: report.StatusNotApplicable, Message: "the setting is for linux, not windows"},
		{SettingID: "nobody_knows_this", Status: report.StatusNotApplicable, Message: "the device does not know this setting"},
		{SettingID: edr + "configurationtype", Status: report.StatusSucceeded, Value: "Onboard"},
	}
	if got := a.Results(); !slices.Equal(got, want) {
		t.Fatalf("results\n got %+v\nwant %+v", got, want)
	}
	reps := e.srv.Reports("dev")
	if len(reps) != 1 || !slices.Equal(reps[0].Results, want) || reps[0].ConfigurationVersion != "v1" || reps[0].ReportID == "" {
		t.Fatalf("server got %+v", reps)
	}
	// The device wrote what it applied: the ASR rule that failed and the
	// settings it does not take are left out.
	applied := []*policy.SettingInstance{
		policy.Choice(rtm, rtm+"_0"),
		policy.Integer(def+"avgcpuloadfactor", 30),
		policy.GroupCollection(asr, policy.Item(policy.Choice(asr+"_blockwin32apicallsfromofficemacros", asr+"_blockwin32apicallsfromofficemacros_block"))),
		policy.GroupCollection(tsda, policy.Item(policy.Choice(tsda+"_severethreats", tsda+"_severethreats_remove"))),
		policy.Choice(edr+"configurationtype", edr+"configurationtype_onboard", policy.Secret(edr+"onboarding", "SECRET-BLOB")),
	}
	wantOps, err := policy.RenderWindows(nil, applied)
	if err != nil {
		t.Fatal(err)
	}
	r := a.Rendered()
	if r.Platform != policy.DeviceWindows || r.File != nil || !slices.Equal(r.Operations, wantOps) {
		t.Fatalf("rendered %+v\nwant %+v", r.Operations, wantOps)
	}
	// Tamper protection kept real-time monitoring on: drift.
	wantState := map[string]string{
		rtm: "1", def + "avgcpuloadfactor": "30", asr + "_blockwin32apicallsfromofficemacros": "1",
		tsda + "_severethreats": "", edr + "configurationtype": "Onboard",
	}
	if s := a.State(); !maps.Equal(s, wantState) {
		t.Fatalf("state %v\nwant %v", s, wantState)
	}
	for _, res := range a.Results() {
		if strings.Contains(res.Value, "SECRET") || strings.Contains(res.Message, "SECRET") {
			t.Fatal("a secret reached the report")
		}
	}
	// Nothing new: a not-modified round reports nothing.
	round, err = a.CheckIn(context.Background())
	if err != nil || round.Modified || round.Reported || e.srv.ReportCount("dev") != 1 {
		t.Fatalf("second round %+v %v", round, err)
	}
}

func TestTamperProtection(t *testing.T) {
	cases := []struct {
		name     string
		opts     []agent.Option
		settings []*policy.SettingInstance
		state    string
		tamper   bool
	}{
		{"on by default: the value stays", nil, []*policy.SettingInstance{policy.Choice(rtm, rtm+"_0")}, "1", true},
		{"off: the value changes", []agent.Option{agent.WithTamperProtection(false)}, []*policy.SettingInstance{policy.Choice(rtm, rtm+"_0")}, "0", false},
		// The catalog's _0 is "On" and _1 "Off".
		{"the configuration turns it off first", nil, []*policy.SettingInstance{policy.Choice(rtm, rtm+"_0"), policy.Choice(tpOption, tpOption+"_1")}, "0", false},
		{"the configuration turns it on first", []agent.Option{agent.WithTamperProtection(false)}, []*policy.SettingInstance{policy.Choice(rtm, rtm+"_0"), policy.Choice(tpOption, tpOption+"_0")}, "1", true},
		{"legacy variant does not deliver the switch", []agent.Option{agent.WithVariant(policy.VariantLegacy)}, []*policy.SettingInstance{policy.Choice(rtm, rtm+"_0"), policy.Choice(tpOption, tpOption+"_1")}, "1", true},
		{"the device's own value stays", []agent.Option{agent.WithState(map[string]string{rtm: "7"})}, []*policy.SettingInstance{policy.Choice(rtm, rtm+"_0")}, "7", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.configure(t, "v1", policy.DeviceWindows, c.settings...)
			a := e.agent(t, policy.DeviceWindows, c.opts...)
			if _, err := a.CheckIn(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := a.State()[rtm]; got != c.state || a.TamperProtection() != c.tamper {
				t.Fatalf("state %q tamper %v, want %q %v", got, a.TamperProtection(), c.state, c.tamper)
			}
			r := results(a.Results())[rtm]
			if r.Status != report.StatusSucceeded || r.Value != c.state {
				t.Fatalf("result %+v", r)
			}
		})
	}
}

func TestSettingsLeaveTheDevice(t *testing.T) {
	e := newEnv(t)
	e.configure(t, "v1", policy.DeviceWindows, policy.Choice(rtm, rtm+"_1"), policy.Integer(def+"avgcpuloadfactor", 30))
	a := e.agent(t, policy.DeviceWindows)
	ctx := context.Background()
	if _, err := a.CheckIn(ctx); err != nil {
		t.Fatal(err)
	}
	e.configure(t, "v2", policy.DeviceWindows)
	if _, err := a.CheckIn(ctx); err != nil {
		t.Fatal(err)
	}
	// Tamper protection holds the locked setting; the other leaves.
	if s := a.State(); !maps.Equal(s, map[string]string{rtm: "1"}) {
		t.Fatalf("state %v", s)
	}
	if len(a.Results()) != 0 || a.Version() != "v2" || len(a.Rendered().Operations) != 0 {
		t.Fatalf("after an empty configuration: %v %q %v", a.Results(), a.Version(), a.Rendered())
	}
}

func TestOSVersion(t *testing.T) {
	e := newEnv(t)
	e.configure(t, "v1", policy.DeviceWindows, windowsSettings()[:5]...)
	a := e.agent(t, policy.DeviceWindows, agent.WithOSVersion("10.0.15063"))
	if _, err := a.CheckIn(context.Background()); err != nil {
		t.Fatal(err)
	}
	rs := results(a.Results())
	if r := rs[asr+"_blockwin32apicallsfromofficemacros"]; r.Status != report.StatusNotApplicable || !strings.Contains(r.Message, "10.0.16299") {
		t.Errorf("ASR rule on an old build: %+v", r)
	}
	if r := rs[def+"avgcpuloadfactor"]; r.Status != report.StatusSucceeded {
		t.Errorf("an old enough setting: %+v", r)
	}
}

func TestLinuxAndMacOS(t *testing.T) {
	excl := linux + "antivirusengine_exclusions"
	cases := []struct {
		platform policy.DevicePlatform
		settings []*policy.SettingInstance
		applied  int // how many of settings the device writes
		render   func(*policy.Catalog, []*policy.SettingInstance) ([]byte, error)
		value    [2]string
	}{
		{policy.DeviceLinux, []*policy.SettingInstance{
			policy.Choice(linux+"antivirusengine_enforcementlevel", linux+"antivirusengine_enforcementlevel_0"),
			policy.Strings(linux+"antivirusengine_disallowedthreatactions", "allow", "restore"),
			policy.GroupCollection(excl, policy.Item(policy.Choice(excl+"_item_$type", excl+"_item_$type_1", policy.String(excl+"_item_extension", ".log")))),
			policy.Integer(def+"avgcpuloadfactor", 30),
		}, 3, policy.RenderLinux, [2]string{linux + "antivirusengine_disallowedthreatactions", `["allow","restore"]`}},
		{policy.DeviceMacOS, []*policy.SettingInstance{
			policy.Choice(mac+"enforcementlevel_antivirusengine", mac+"enforcementlevel_antivirusengine_2"),
			policy.GroupCollection(mac+"tags", policy.Item(policy.Choice(mac+"tags_item_key", mac+"tags_item_key_0"), policy.String(mac+"tags_item_value", "EU"))),
			policy.Integer(linux+"antivirusengine_scanhistorymaximumitems", 12000),
		}, 2, policy.RenderMacOS, [2]string{mac + "tags", `[{"key":"GROUP","value":"EU"}]`}},
	}
	for _, c := range cases {
		t.Run(string(c.platform), func(t *testing.T) {
			e := newEnv(t)
			e.configure(t, "v1", c.platform, c.settings...)
			a := e.agent(t, c.platform)
			if _, err := a.CheckIn(context.Background()); err != nil {
				t.Fatal(err)
			}
			want, err := c.render(nil, c.settings[:c.applied])
			if err != nil {
				t.Fatal(err)
			}
			r := a.Rendered()
			if !bytes.Equal(r.File, want) || r.Operations != nil {
				t.Fatalf("rendered\n%s\nwant\n%s", r.File, want)
			}
			last := a.Results()[len(c.settings)-1]
			if last.Status != report.StatusNotApplicable {
				t.Errorf("another platform's setting: %+v", last)
			}
			if got := a.State()[c.value[0]]; got != c.value[1] {
				t.Errorf("value %q, want %q", got, c.value[1])
			}
		})
	}
}

func TestRenderFailureIsAnError(t *testing.T) {
	e := newEnv(t)
	e.configure(t, "v1", policy.DeviceWindows, policy.Strings(def+"excludedpaths", `C:\a|b`), policy.Integer(def+"avgcpuloadfactor", 30))
	a := e.agent(t, policy.DeviceWindows)
	if _, err := a.CheckIn(context.Background()); err != nil {
		t.Fatal(err)
	}
	rs := results(a.Results())
	if r := rs[def+"excludedpaths"]; r.Status != report.StatusError || r.ErrorCode != agent.RenderFailureCode || !strings.Contains(r.Message, "separator") {
		t.Fatalf("unwritable setting: %+v", r)
	}
	if r := rs[def+"avgcpuloadfactor"]; r.Status != report.StatusSucceeded {
		t.Fatalf("the other setting: %+v", r)
	}
	if ops := a.Rendered().Operations; len(ops) != 1 || !strings.HasSuffix(ops[0].URI, "AvgCPULoadFactor") {
		t.Fatalf("operations %+v", ops)
	}
	if _, ok := a.State()[def+"excludedpaths"]; ok {
		t.Fatal("a failed setting changed the device")
	}
}

// flaky wraps a transport and fails the calls it is told to.
type flaky struct {
	transport.Transport
	mu          sync.Mutex
	failReports []error
	failChecks  []error
	zeroNext    bool
	reportIDs   []string
}

func (f *flaky) CheckIn(ctx context.Context, req transport.CheckIn) (*transport.CheckInResponse, error) {
	f.mu.Lock()
	if len(f.failChecks) > 0 {
		err := f.failChecks[0]
		if len(f.failChecks) > 1 {
			f.failChecks = f.failChecks[1:]
		}
		f.mu.Unlock()
		return nil, err
	}
	zero := f.zeroNext
	f.mu.Unlock()
	resp, err := f.Transport.CheckIn(ctx, req)
	if err == nil && zero {
		resp.NextCheckIn = time.Time{}
	}
	return resp, err
}

func (f *flaky) ReportStatus(ctx context.Context, rep transport.StatusReport) error {
	f.mu.Lock()
	f.reportIDs = append(f.reportIDs, rep.ReportID)
	if len(f.failReports) > 0 {
		err := f.failReports[0]
		f.failReports = f.failReports[1:]
		f.mu.Unlock()
		return err
	}
	f.mu.Unlock()
	return f.Transport.ReportStatus(ctx, rep)
}

var errNetwork = errors.New("connection reset by peer")

func TestReportRetriesKeepTheirID(t *testing.T) {
	e := newEnv(t)
	e.configure(t, "v1", policy.DeviceLinux, policy.Integer(linux+"antivirusengine_scanhistorymaximumitems", 12000))
	f := &flaky{Transport: e.tr, failReports: []error{errNetwork, errNetwork}}
	a, err := agent.New("dev", policy.DeviceLinux, f, agent.WithClock(e.clock))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := a.CheckIn(ctx); !errors.Is(err, errNetwork) {
		t.Fatalf("first round: %v", err)
	}
	pending, ok := a.PendingReport()
	if !ok || a.Version() != "v1" {
		t.Fatal("no pending report after a failed delivery")
	}
	if _, err := a.CheckIn(ctx); !errors.Is(err, errNetwork) {
		t.Fatalf("second round: %v", err)
	}
	round, err := a.CheckIn(ctx)
	if err != nil || !round.Reported || round.Modified {
		t.Fatalf("third round %+v %v", round, err)
	}
	if _, ok := a.PendingReport(); ok {
		t.Fatal("the report is still pending")
	}
	if len(f.reportIDs) != 3 || f.reportIDs[0] != pending.ReportID || f.reportIDs[1] != pending.ReportID || f.reportIDs[2] != pending.ReportID {
		t.Fatalf("report ids %v, want %s three times", f.reportIDs, pending.ReportID)
	}
	if e.srv.ReportCount("dev") != 1 {
		t.Fatal("the server did not get the report exactly once")
	}
	// The same version applied again later is a new report.
	e.configure(t, "v2", policy.DeviceLinux)
	if _, err := a.CheckIn(ctx); err != nil {
		t.Fatal(err)
	}
	e.configure(t, "v1", policy.DeviceLinux, policy.Integer(linux+"antivirusengine_scanhistorymaximumitems", 12000))
	if _, err := a.CheckIn(ctx); err != nil {
		t.Fatal(err)
	}
	ids := f.reportIDs[3:]
	if len(ids) != 2 || ids[1] == pending.ReportID || ids[0] == ids[1] {
		t.Fatalf("ids after re-application %v (first %s)", ids, pending.ReportID)
	}
	// A stale or malformed report is dropped, not retried for ever.
	for _, refusal := range []error{transport.ErrStale, transport.ErrBadRequest} {
		e.configure(t, "v-"+refusal.Error(), policy.DeviceLinux)
		f.mu.Lock()
		f.failReports = []error{refusal}
		f.mu.Unlock()
		a.CheckIn(ctx)
		if _, ok := a.PendingReport(); ok {
			t.Fatalf("a report refused with %v is still pending", refusal)
		}
	}
}

func TestConcurrentCheckIns(t *testing.T) {
	e := newEnv(t)
	e.configure(t, "v1", policy.DeviceWindows, windowsSettings()...)
	a := e.agent(t, policy.DeviceWindows)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if _, err := a.CheckIn(context.Background()); err != nil {
					t.Error(err)
				}
				_ = a.State()
				_ = a.Results()
				_ = a.Rendered()
			}
		}()
	}
	wg.Wait()
	if e.srv.ReportCount("dev") != 1 || e.srv.CheckIns("dev") != 40 {
		t.Fatalf("%d reports, %d check-ins", e.srv.ReportCount("dev"), e.srv.CheckIns("dev"))
	}
}
