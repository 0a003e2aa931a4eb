package enrollment_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/secmgmt/secmgmt/enrollment"
)

func TestTenantJSONDefaults(t *testing.T) {
	var tn enrollment.Tenant
	if err := json.Unmarshal([]byte(`{"scope":{"windowsClient":"tagged"}}`), &tn); err != nil {
		t.Fatal(err)
	}
	if tn.Mode != enrollment.ModeCurrent || !tn.MDEUserLicense || tn.IntuneEnforcement || tn.Scope.WindowsClient != enrollment.ScopeTagged ||
		tn.Scope.MacOS != enrollment.ScopeOff || tn.Scope.DomainControllers != enrollment.ScopeOff {
		t.Fatalf("%+v", tn)
	}
	if err := json.Unmarshal([]byte(`{"mdeUserLicense":false,"mode":"legacy"}`), &tn); err != nil || tn.MDEUserLicense || !tn.Mode.Legacy() {
		t.Fatalf("%+v %v", tn, err)
	}
}

func TestTenantJSONErrors(t *testing.T) {
	for _, in := range []string{
		`{"mode":"future"}`,
		`{"intuneEnforcment":true}`,
		`{"scope":{"windows":"all"}}`,
		`{"scope":{"windowsClient":"some"}}`,
		`{"scope":{"windowsClient":""}}`,
		`{"scope":{"windowsServer":"off","domainControllers":"all"}}`,
		`{"intuneEnforcement":"yes"}`,
		`[]`,
	} {
		var tn enrollment.Tenant
		err := json.Unmarshal([]byte(in), &tn)
		if !errors.Is(err, enrollment.ErrInvalidInput) {
			t.Errorf("%s: want an InputError, got %v", in, err)
		}
	}
}

func TestScopeFor(t *testing.T) {
	s := enrollment.Scope{WindowsClient: enrollment.ScopeAll, WindowsServer: enrollment.ScopeTagged, DomainControllers: enrollment.ScopeAll}
	for _, tc := range []struct {
		p    enrollment.Platform
		dc   bool
		want enrollment.ScopeSetting
	}{
		{enrollment.PlatformWindows, false, enrollment.ScopeAll},
		{enrollment.PlatformWindowsServer, false, enrollment.ScopeTagged},
		{enrollment.PlatformWindowsServer, true, enrollment.ScopeTagged},
		{enrollment.PlatformMacOS, false, enrollment.ScopeOff},
		{enrollment.Platform("x"), false, enrollment.ScopeOff},
	} {
		if got := s.For(tc.p, tc.dc); got != tc.want {
			t.Errorf("%s dc=%t: %s, want %s", tc.p, tc.dc, got, tc.want)
		}
	}
	s.WindowsServer = enrollment.ScopeAll
	if s.For(enrollment.PlatformWindowsServer, true) != enrollment.ScopeAll {
		t.Error("all and all")
	}
	s.DomainControllers = ""
	if s.For(enrollment.PlatformWindowsServer, true) != enrollment.ScopeOff {
		t.Error("the zero setting is off")
	}
}

func TestFactsJSONDefaults(t *testing.T) {
	for _, p := range []enrollment.Platform{enrollment.PlatformWindows, enrollment.PlatformWindowsServer, enrollment.PlatformMacOS, enrollment.PlatformLinux} {
		var f enrollment.Facts
		if err := json.Unmarshal([]byte(`{"platform":"`+string(p)+`"}`), &f); err != nil {
			t.Fatal(err)
		}
		h := enrollment.HealthyFacts(p)
		if f.Platform != p || f.AgentVersion != h.AgentVersion || f.OSVersion != h.OSVersion || !f.BoardVendorPresent ||
			f.EntraRegistration != enrollment.RegistrationNone || f.OnboardedVia != enrollment.OnboardedViaMDE {
			t.Errorf("%s: %+v", p, f)
		}
		if err := h.Validate(); err != nil {
			t.Errorf("healthy %s facts are invalid: %v", p, err)
		}
	}
	var f enrollment.Facts
	if err := json.Unmarshal([]byte(`{}`), &f); err != nil || f.Platform != enrollment.PlatformWindows || f.Edition != "Enterprise" {
		t.Fatalf("omitted platform: %+v %v", f, err)
	}
	if err := json.Unmarshal([]byte(`{"platform":"linux","boardVendorPresent":false,"tags":["a"],"fault":13}`), &f); err != nil ||
		f.BoardVendorPresent || f.Fault != 13 || !f.HasTag("A") {
		t.Fatalf("%+v %v", f, err)
	}
}

func TestFactsErrors(t *testing.T) {
	for _, tc := range []struct{ in, field string }{
		{`{"platform":"android"}`, ""},
		{`{"osVersion":"ten"}`, "osVersion"},
		{`{"osVersion":"10.0"}`, "osVersion"},
		{`{"platform":"linux","agentVersion":"101.x"}`, "agentVersion"},
		{`{"platform":"macOS","agentVersion":"1.2.3.4.5"}`, "agentVersion"},
		{`{"domainController":true,"domainJoined":true}`, "domainController"},
		{`{"platform":"windowsServer","domainController":true}`, "domainJoined"},
		{`{"serverCore":true}`, "serverCore"},
		{`{"platform":"macOS","arch32":true}`, "arch32"},
		{`{"platform":"linux","powerShellLanguageMode":"ConstrainedLanguage"}`, "powerShellLanguageMode"},
		{`{"powerShellLanguageMode":"Constrained"}`, ""},
		{`{"entraRegistration":"joined"}`, ""},
		{`{"entraRegistration":"hybridJoined"}`, "entraRegistration"},
		{`{"platform":"macOS","entraRegistration":"hybridJoined","domainJoined":true}`, "entraRegistration"},
		{`{"onboardedVia":"sccm"}`, ""},
		{`{"fault":19}`, "fault"},
		{`{"fault":-1}`, "fault"},
		{`{"distribution":"ubuntu"}`, "distribution"},
		{`{"platform":"macOS","boardVendorPresent":false}`, "boardVendorPresent"},
		{`{"tags":["MDE-Management",""]}`, "tags"},
		{`{"platfrom":"windows"}`, ""},
		{`{"mdmEnrolled":1}`, ""},
		{`"windows"`, ""},
	} {
		var f enrollment.Facts
		err := json.Unmarshal([]byte(tc.in), &f)
		var ie *enrollment.InputError
		if !errors.As(err, &ie) || ie.What != "device" || (tc.field != "" && ie.Field != tc.field) {
			t.Errorf("%s: want an InputError on %q, got %v", tc.in, tc.field, err)
		}
	}
}

func TestEventValidate(t *testing.T) {
	on := true
	code := enrollment.Code(13)
	bad := enrollment.Code(19)
	all := enrollment.ScopeAll
	empty := enrollment.ScopeSetting("")
	for _, tc := range []struct {
		ev    enrollment.Event
		field string // "" = valid
	}{
		{enrollment.Event{Kind: enrollment.EventAddTag}, ""},
		{enrollment.Event{Kind: enrollment.EventAddTag, Tag: "x"}, ""},
		{enrollment.Event{Kind: enrollment.EventAddTag, Tag: " "}, "tag"},
		{enrollment.Event{Kind: enrollment.EventCheckIn, Tag: "x"}, "tag"},
		{enrollment.Event{Kind: enrollment.EventScopeChange}, "scope"},
		{enrollment.Event{Kind: enrollment.EventScopeChange, Scope: &enrollment.ScopeUpdate{}}, "scope"},
		{enrollment.Event{Kind: enrollment.EventScopeChange, Scope: &enrollment.ScopeUpdate{Linux: &empty}}, "scope"},
		{enrollment.Event{Kind: enrollment.EventScopeChange, Scope: &enrollment.ScopeUpdate{Linux: &all}}, ""},
		{enrollment.Event{Kind: enrollment.EventOffboard, Scope: &enrollment.ScopeUpdate{Linux: &all}}, "scope"},
		{enrollment.Event{Kind: enrollment.EventIntuneToggle}, "on"},
		{enrollment.Event{Kind: enrollment.EventIntuneToggle, On: &on}, ""},
		{enrollment.Event{Kind: enrollment.EventConfigMgrClient}, ""},
		{enrollment.Event{Kind: enrollment.EventMDMEnroll, On: &on}, "on"},
		{enrollment.Event{Kind: enrollment.EventFullRegistration, EntraRegistration: enrollment.RegistrationNone}, "entraRegistration"},
		{enrollment.Event{Kind: enrollment.EventFullRegistration, EntraRegistration: enrollment.RegistrationRegistered}, ""},
		{enrollment.Event{Kind: enrollment.EventOnboard, EntraRegistration: enrollment.RegistrationRegistered}, "entraRegistration"},
		{enrollment.Event{Kind: enrollment.EventRetry, Fault: &code}, ""},
		{enrollment.Event{Kind: enrollment.EventRetry, Fault: &bad}, "fault"},
		{enrollment.Event{Kind: enrollment.EventCheckIn, Fault: &code}, "fault"},
		{enrollment.Event{Kind: "reboot"}, "event"},
	} {
		err := tc.ev.Validate()
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.ev, err)
			}
			continue
		}
		var ie *enrollment.InputError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("%s: want an error on %q, got %v", tc.ev, tc.field, err)
		}
	}
}

func TestEventJSON(t *testing.T) {
	var ev enrollment.Event
	if err := json.Unmarshal([]byte(`{"event":"scopeChange","scope":{"macOS":"tagged"}}`), &ev); err != nil || *ev.Scope.MacOS != enrollment.ScopeTagged {
		t.Fatalf("%v %v", ev, err)
	}
	if got := ev.String(); got != "scopeChange scope{macOS=tagged}" {
		t.Fatalf("String: %q", got)
	}
	for _, in := range []string{`{"event":"explode"}`, `{"event":"scopeChange","scope":{"macOS":"sometimes"}}`} {
		if err := json.Unmarshal([]byte(in), &ev); err == nil {
			t.Errorf("%s decoded", in)
		}
	}
}

func TestEventUpdate(t *testing.T) {
	on, off := true, false
	zero := enrollment.Code(0)
	tagged := enrollment.ScopeTagged
	base := func() (enrollment.Tenant, enrollment.Facts) {
		f := enrollment.HealthyFacts(enrollment.PlatformWindows)
		f.Tags = []string{"MDE-Management", "Finance"}
		f.Fault = 13
		return allScope(), f
	}
	for _, tc := range []struct {
		ev    enrollment.Event
		check func(enrollment.Tenant, enrollment.Facts) bool
	}{
		{enrollment.Event{Kind: enrollment.EventRemoveTag, Tag: "mde-management"}, func(_ enrollment.Tenant, f enrollment.Facts) bool {
			return slices.Equal(f.Tags, []string{"Finance"})
		}},
		{enrollment.Event{Kind: enrollment.EventAddTag, Tag: "finance"}, func(_ enrollment.Tenant, f enrollment.Facts) bool { return len(f.Tags) == 2 }},
		{enrollment.Event{Kind: enrollment.EventAddTag, Tag: "Kiosk"}, func(_ enrollment.Tenant, f enrollment.Facts) bool { return f.HasTag("Kiosk") }},
		{enrollment.Event{Kind: enrollment.EventScopeChange, Scope: &enrollment.ScopeUpdate{MacOS: &tagged}}, func(tn enrollment.Tenant, _ enrollment.Facts) bool {
			return tn.Scope.MacOS == enrollment.ScopeTagged && tn.Scope.WindowsClient == enrollment.ScopeAll
		}},
		{enrollment.Event{Kind: enrollment.EventIntuneToggle, On: &off}, func(tn enrollment.Tenant, _ enrollment.Facts) bool { return !tn.IntuneEnforcement }},
		{enrollment.Event{Kind: enrollment.EventConfigMgrAuthority, On: &on}, func(tn enrollment.Tenant, _ enrollment.Facts) bool { return tn.ConfigMgrAuthority }},
		{enrollment.Event{Kind: enrollment.EventDefenderForCloud, On: &off}, func(tn enrollment.Tenant, _ enrollment.Facts) bool { return !tn.DefenderForCloud }},
		{enrollment.Event{Kind: enrollment.EventConfigMgrClient}, func(_ enrollment.Tenant, f enrollment.Facts) bool { return f.ConfigMgrClient }},
		{enrollment.Event{Kind: enrollment.EventMDMEnroll}, func(_ enrollment.Tenant, f enrollment.Facts) bool {
			return f.MDMEnrolled && f.EntraRegistration == enrollment.RegistrationEntraJoined
		}},
		{enrollment.Event{Kind: enrollment.EventFullRegistration}, func(_ enrollment.Tenant, f enrollment.Facts) bool {
			return f.EntraRegistration == enrollment.RegistrationEntraJoined
		}},
		{enrollment.Event{Kind: enrollment.EventRetry, Fault: &zero}, func(_ enrollment.Tenant, f enrollment.Facts) bool { return f.Fault == 0 }},
		{enrollment.Event{Kind: enrollment.EventRetry}, func(_ enrollment.Tenant, f enrollment.Facts) bool { return f.Fault == 13 }},
		{enrollment.Event{Kind: enrollment.EventOffboard}, func(tn enrollment.Tenant, f enrollment.Facts) bool { return tn == allScope() && len(f.Tags) == 2 }},
	} {
		tn, f := base()
		orig := f.Tags
		if err := tc.ev.Update(&tn, &f); err != nil {
			t.Errorf("%s: %v", tc.ev, err)
			continue
		}
		if !tc.check(tn, f) {
			t.Errorf("%s: tenant %+v facts %+v", tc.ev, tn, f)
		}
		if !slices.Equal(orig, []string{"MDE-Management", "Finance"}) {
			t.Errorf("%s modified the caller's tag slice", tc.ev)
		}
	}
	// The default registration of fullRegistration follows the platform.
	for _, tc := range []struct {
		f    enrollment.Facts
		want enrollment.EntraRegistration
	}{
		{func() enrollment.Facts {
			f := enrollment.HealthyFacts(enrollment.PlatformWindows)
			f.DomainJoined = true
			return f
		}(), enrollment.RegistrationHybridJoined},
		{enrollment.HealthyFacts(enrollment.PlatformMacOS), enrollment.RegistrationRegistered},
		{enrollment.HealthyFacts(enrollment.PlatformLinux), enrollment.RegistrationRegistered},
	} {
		tn := allScope()
		if err := (enrollment.Event{Kind: enrollment.EventFullRegistration}).Update(&tn, &tc.f); err != nil || tc.f.EntraRegistration != tc.want {
			t.Errorf("%s: %s %v", tc.f.Platform, tc.f.EntraRegistration, err)
		}
	}
	// Failures leave both unchanged.
	tn, f := base()
	tn.Scope.DomainControllers = enrollment.ScopeAll
	offS := enrollment.ScopeOff
	before := tn
	if err := (enrollment.Event{Kind: enrollment.EventScopeChange, Scope: &enrollment.ScopeUpdate{WindowsServer: &offS}}).Update(&tn, &f); !errors.Is(err, enrollment.ErrInvalidInput) || tn != before {
		t.Errorf("Windows Server off under enabled domain controllers: %v", err)
	}
	f.EntraRegistration = enrollment.RegistrationEntraJoined
	if err := (enrollment.Event{Kind: enrollment.EventFullRegistration}).Update(&tn, &f); !errors.Is(err, enrollment.ErrInvalidInput) {
		t.Errorf("full registration twice: %v", err)
	}
	if err := (enrollment.Event{Kind: enrollment.EventIntuneToggle}).Update(&tn, &f); !errors.Is(err, enrollment.ErrInvalidInput) {
		t.Errorf("invalid event: %v", err)
	}
}

// Apply refuses an environment that does not show the event's effect:
// the caller forgot Event.Update.
func TestApplyNeedsTheEventsEffect(t *testing.T) {
	env := baseEnv(t)
	rec := reach(t, enrollment.StateEnrolled, env)
	for _, ev := range []enrollment.Event{
		{Kind: enrollment.EventAddTag, Tag: "Finance"},
		{Kind: enrollment.EventMDMEnroll},
		{Kind: enrollment.EventFullRegistration},
		{Kind: enrollment.EventIntuneToggle, On: new(bool)},
	} {
		_, _, err := enrollment.Apply(rec, ev, env)
		var ie *enrollment.InputError
		if !errors.As(err, &ie) || ie.What != "environment" || !strings.Contains(err.Error(), "Event.Update") {
			t.Errorf("%s: %v", ev, err)
		}
	}
}

func TestApplyInputErrors(t *testing.T) {
	env := baseEnv(t)
	onboard := enrollment.Event{Kind: enrollment.EventOnboard}
	for name, tc := range map[string]struct {
		rec enrollment.Record
		ev  enrollment.Event
		env func(*enrollment.Env)
	}{
		"no device id":  {enrollment.Record{}, onboard, nil},
		"unknown state": {enrollment.Record{DeviceID: "d", State: "limbo"}, onboard, nil},
		"bad event":     {enrollment.Record{DeviceID: "d"}, enrollment.Event{Kind: "x"}, nil},
		"bad tenant":    {enrollment.Record{DeviceID: "d"}, onboard, func(e *enrollment.Env) { e.Tenant.Mode = "x" }},
		"bad facts":     {enrollment.Record{DeviceID: "d"}, onboard, func(e *enrollment.Env) { e.Facts.Platform = "x" }},
	} {
		e := env
		if tc.env != nil {
			tc.env(&e)
		}
		if _, _, err := enrollment.Apply(tc.rec, tc.ev, e); !errors.Is(err, enrollment.ErrInvalidInput) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestStatusesAndCodes(t *testing.T) {
	if len(enrollment.Statuses()) != 16 {
		t.Fatalf("%d statuses", len(enrollment.Statuses()))
	}
	seen := map[enrollment.Code]bool{}
	for _, s := range enrollment.Statuses() {
		if !s.Valid() || s.Label() == "" {
			t.Errorf("%s", s)
		}
		b, err := s.MarshalText()
		var back enrollment.Status
		if err != nil || back.UnmarshalText(b) != nil || back != s {
			t.Errorf("%s does not round-trip", s)
		}
		for _, c := range s.Codes() {
			if seen[c] {
				t.Errorf("code %d in two statuses", c)
			}
			seen[c] = true
			if got, ok := c.Status(); !ok || got != s || !c.Valid() {
				t.Errorf("code %d → %s", c, got)
			}
		}
		if len(s.Codes()) > 0 && s.Code() != s.Codes()[0] {
			t.Errorf("%s: Code %d", s, s.Code())
		}
	}
	// The documented codes, exactly.
	want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 21, 22, 24, 25,
		26, 27, 28, 29, 30, 31, 32, 33, 36, 37, 38, 40, 41, 42, 43, 44}
	var got []int
	for c := range seen {
		got = append(got, int(c))
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("codes %v", got)
	}
	for _, c := range []enrollment.Code{0, 19, 23, 34, 35, 39, 45} {
		if c.Valid() {
			t.Errorf("code %d is not documented", c)
		}
	}
	if enrollment.StatusNotSupported.Code() != 0 || enrollment.Status("x").Valid() || enrollment.Status("x").Code() != 0 {
		t.Error("codes of notSupported and unknown statuses")
	}
	if !enrollment.StatusDNSError.Failed() || enrollment.StatusSuccess.Failed() || enrollment.StatusNotSupported.Failed() {
		t.Error("Failed")
	}
	if enrollment.Code(13).String() != "13" {
		t.Error("Code.String")
	}
	var s enrollment.Status
	if s.UnmarshalText([]byte("ok")) == nil {
		t.Error("unknown status decoded")
	}
	if _, err := enrollment.Status("ok").MarshalText(); err == nil {
		t.Error("unknown status encoded")
	}
}

func TestEnumValues(t *testing.T) {
	for _, m := range []enrollment.ManagedBy{enrollment.ManagedByMDE, enrollment.ManagedByIntune, enrollment.ManagedByConfigMgr, enrollment.ManagedByCoManaged, enrollment.ManagedByUnknown} {
		if !m.Valid() || m.String() == "" {
			t.Errorf("%s", m)
		}
	}
	if enrollment.ManagedBy("SCCM").Valid() || enrollment.Reason("x").Valid() || !enrollment.ReasonLicense.Valid() {
		t.Error("ManagedBy or Reason validation")
	}
	for _, s := range enrollment.States() {
		b, err := s.MarshalText()
		var back enrollment.State
		if err != nil || back.UnmarshalText(b) != nil || back != s || s.String() == "" {
			t.Errorf("state %q does not round-trip", s)
		}
	}
	var st enrollment.State
	if st.UnmarshalText([]byte("limbo")) == nil {
		t.Error("unknown state decoded")
	}
	if _, err := enrollment.State("limbo").MarshalText(); err == nil {
		t.Error("unknown state encoded")
	}
	if enrollment.StateNotOnboarded.String() != "notOnboarded" || enrollment.Mode("").String() != "current" || enrollment.ScopeSetting("").String() != "off" ||
		enrollment.EntraRegistration("").String() != "none" {
		t.Error("zero values read as their defaults")
	}
	if !enrollment.EventCheckIn.Valid() || enrollment.EventKind("x").Valid() || len(enrollment.EventKinds()) != 20 {
		t.Error("event kinds")
	}
	var k enrollment.EventKind
	var p enrollment.Platform
	var o enrollment.OnboardingSource
	var l enrollment.LanguageMode
	var r enrollment.EntraRegistration
	var m enrollment.Mode
	var sc enrollment.ScopeSetting
	for _, u := range []interface{ UnmarshalText([]byte) error }{&k, &p, &o, &l, &r, &m, &sc} {
		if u.UnmarshalText([]byte("bogus")) == nil || u.UnmarshalText(nil) == nil {
			t.Errorf("%T accepted a bogus value", u)
		}
	}
	if enrollment.PlatformLinux.OSType() != "Linux" || enrollment.Platform("x").OSType() != "" || enrollment.PlatformMacOS.Windows() {
		t.Error("platforms")
	}
}

// Regression: enumerations at their zero value encoded as "", which the
// decoder refuses; they now encode as the value they stand for.
func TestZeroValuesEncodeAsTheirDefaults(t *testing.T) {
	for _, p := range []enrollment.Platform{enrollment.PlatformWindows, enrollment.PlatformMacOS, enrollment.PlatformLinux} {
		f := enrollment.HealthyFacts(p)
		f.PowerShellLanguageMode, f.OnboardedVia, f.EntraRegistration = "", "", ""
		out, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		var back enrollment.Facts
		if err := json.Unmarshal(out, &back); err != nil || back.PowerShellLanguageMode != enrollment.FullLanguage ||
			back.OnboardedVia != enrollment.OnboardedViaMDE || back.EntraRegistration != enrollment.RegistrationNone {
			t.Fatalf("%s: %s → %+v %v", p, out, back, err)
		}
	}
	out, _ := json.Marshal(enrollment.Tenant{})
	var tn enrollment.Tenant
	if err := json.Unmarshal(out, &tn); err != nil || tn.Mode != enrollment.ModeCurrent || tn.Scope.Linux != enrollment.ScopeOff {
		t.Fatalf("%s → %+v %v", out, tn, err)
	}
}
