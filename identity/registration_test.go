package identity

import (
	"errors"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"
)

var at = time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)

func registrant(trust TrustType) Registrant {
	return Registrant{DeviceID: "dev-1", DisplayName: "PC-1", OSType: "Windows", OSVersion: "10.0.22631", Tags: []string{"MDE-Management"}, Trust: trust}
}

func TestRegister(t *testing.T) {
	synthetic := &Device{ObjectID: "o-s", DeviceID: "dev-1", Registration: RegistrationSynthetic}
	workplace := &Device{ObjectID: "o-w", DeviceID: "dev-1", Registration: RegistrationFull, DeviceTrustType: "Workplace"}
	joined := &Device{ObjectID: "o-j", DeviceID: "dev-1", Registration: RegistrationFull, DeviceTrustType: "AzureAd"}
	for _, tc := range []struct {
		name    string
		current *Device
		trust   TrustType
		method  Method
		kind    ChangeKind // "" = no change
		reg     RegistrationKind
		want    TrustType
		err     bool
	}{
		{"reuse a known full registration", joined, TrustNone, MethodExisting, "", "", "", false},
		{"reuse a full registration the directory does not hold yet", nil, TrustServerAD, MethodExisting, ChangeCreate, RegistrationFull, TrustServerAD, false},
		{"reuse needs a full trust type", nil, TrustNone, MethodExisting, "", "", "", true},
		{"reuse of a synthetic object is not a full registration", synthetic, TrustNone, MethodExisting, "", "", "", true},
		{"synthetic for an unregistered device", nil, TrustNone, MethodSynthetic, ChangeCreate, RegistrationSynthetic, TrustNone, false},
		{"synthetic reuses a synthetic object", synthetic, TrustNone, MethodSynthetic, "", "", "", false},
		{"no synthetic for a fully registered device", workplace, TrustNone, MethodSynthetic, "", "", "", true},
		{"hybrid join of an unregistered device", nil, TrustNone, MethodHybridJoin, ChangeCreate, RegistrationFull, TrustServerAD, false},
		{"Entra join of an unregistered device", nil, TrustNone, MethodEntraJoin, ChangeCreate, RegistrationFull, TrustAzureAD, false},
		{"Entra join of a registered device updates its object", workplace, TrustNone, MethodEntraJoin, ChangeUpdate, RegistrationFull, TrustAzureAD, false},
		{"hybrid join of a synthetic object", synthetic, TrustNone, MethodHybridJoin, ChangeUpdate, RegistrationFull, TrustServerAD, false},
		{"no join of a joined device", joined, TrustNone, MethodHybridJoin, "", "", "", true},
		{"none is not a method of registration", nil, TrustNone, MethodNone, "", "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.current.Clone()
			cs, err := Register(tc.current, registrant(tc.trust), tc.method, at)
			if tc.err {
				var le *LifecycleError
				if !errors.Is(err, ErrLifecycle) || !errors.As(err, &le) || le.Op != "register" {
					t.Fatalf("want a LifecycleError, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.current != nil && !reflect.DeepEqual(before, tc.current) {
				t.Error("Register modified its argument")
			}
			if tc.kind == "" {
				if len(cs) != 0 {
					t.Fatalf("want no change, got %v", cs)
				}
				return
			}
			if len(cs) != 1 || cs[0].Kind != tc.kind {
				t.Fatalf("want one %s, got %v", tc.kind, cs)
			}
			d := cs[0].Device
			if d.Registration != tc.reg || TrustTypeOf(d) != tc.want || d.DeviceID != "dev-1" {
				t.Fatalf("got %+v", d)
			}
			if tc.kind == ChangeCreate && (d.DeviceOSType != "Windows" || d.DisplayName != "PC-1" || !d.HasTag("MDE-Management") || d.AccountEnabled == nil || !*d.AccountEnabled || d.ObjectID == "") {
				t.Fatalf("created object lacks the registrant's properties: %+v", d)
			}
		})
	}
}

func TestRegisterRejectsForeignObject(t *testing.T) {
	other := &Device{ObjectID: "o", DeviceID: "dev-2", Registration: RegistrationSynthetic}
	if _, err := Register(other, registrant(TrustNone), MethodSynthetic, at); !errors.Is(err, ErrLifecycle) {
		t.Fatalf("got %v", err)
	}
	if _, err := Register(nil, Registrant{}, MethodSynthetic, at); !errors.Is(err, ErrLifecycle) {
		t.Fatalf("got %v", err)
	}
}

func TestReplaceSynthetic(t *testing.T) {
	syn := &Device{ObjectID: "o-s", DeviceID: "dev-1", Registration: RegistrationSynthetic, ManagementType: "MicrosoftSense",
		Tags: []string{"MDE-Management"}, MemberOf: []string{"static-group"}}
	cs, err := ReplaceSynthetic(syn, TrustAzureAD, at)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Kind != ChangeDelete || cs[0].Device.ObjectID != "o-s" || cs[1].Kind != ChangeCreate {
		t.Fatalf("got %v", cs)
	}
	full := cs[1].Device
	if full.ObjectID == "o-s" || full.DeviceID != "dev-1" || full.Registration != RegistrationFull || full.DeviceTrustType != "AzureAD" ||
		full.ManagementType != "MicrosoftSense" || !full.HasTag("MDE-Management") || len(full.MemberOf) != 0 {
		t.Fatalf("full object: %+v", full)
	}
	// The directory accepts the replacement even at its quota.
	dir, _ := NewDirectory(WithQuota(1), WithDevices(syn))
	if err := dir.Apply(cs...); err != nil {
		t.Fatal(err)
	}
	if got, _ := dir.Lookup("dev-1"); got.Registration != RegistrationFull {
		t.Fatalf("after replacement: %+v", got)
	}
	for _, bad := range []struct {
		d     *Device
		trust TrustType
	}{{nil, TrustAzureAD}, {full, TrustAzureAD}, {syn, TrustNone}, {syn, "Bogus"}} {
		if _, err := ReplaceSynthetic(bad.d, bad.trust, at); !errors.Is(err, ErrLifecycle) {
			t.Errorf("ReplaceSynthetic(%v, %q): %v", bad.d, bad.trust, err)
		}
	}
}

func TestManagementMarks(t *testing.T) {
	d := &Device{ObjectID: "o", DeviceID: "dev-1", Registration: RegistrationSynthetic}
	cs := SetManaged(d, MarkManagementType, false)
	if len(cs) != 1 || cs[0].Device.ManagementType != ManagementTypeMicrosoftSense || d.ManagementType != "" {
		t.Fatalf("SetManaged managementType: %v (original %q)", cs, d.ManagementType)
	}
	if again := SetManaged(cs[0].Device, MarkManagementType, false); again != nil {
		t.Fatalf("marking twice changed: %v", again)
	}
	cleared := ClearManaged(cs[0].Device, "")
	if len(cleared) != 1 || cleared[0].Device.ManagementType != "" {
		t.Fatalf("ClearManaged: %v", cleared)
	}
	mdm := ClearManaged(cs[0].Device, ManagementTypeMDM)
	if len(mdm) != 1 || mdm[0].Device.ManagementType != "MDM" {
		t.Fatalf("ClearManaged to MDM: %v", mdm)
	}
	if other := ClearManaged(&Device{ObjectID: "o", DeviceID: "d", ManagementType: "PC"}, ""); other != nil {
		t.Fatalf("ClearManaged changed a management type it does not own: %v", other)
	}

	joined := SetManaged(d, MarkSystemLabels, true)[0].Device
	if !slices.Equal(joined.SystemLabels, []string{LabelMDEJoined, LabelMDEManaged}) || joined.ManagementType != "" {
		t.Fatalf("labels of a joined device: %q", joined.SystemLabels)
	}
	reused := SetManaged(d, MarkSystemLabels, false)[0].Device
	if !slices.Equal(reused.SystemLabels, []string{LabelMDEManaged}) {
		t.Fatalf("labels of a reused registration: %q", reused.SystemLabels)
	}
	left := ClearManaged(joined, "")[0].Device
	if !slices.Equal(left.SystemLabels, []string{LabelMDEJoined}) {
		t.Fatalf("MDEManaged must go and MDEJoined stay: %q", left.SystemLabels)
	}
	if ClearManaged(ClearManaged(reused, "")[0].Device, "") != nil {
		t.Fatal("clearing twice changed")
	}
	if SetManaged(nil, MarkManagementType, false) != nil || ClearManaged(nil, "") != nil || SetManaged(d, "bogus", false) != nil {
		t.Fatal("nil device or unknown marking must plan nothing")
	}
}

func TestSyncTagsDeleteReadd(t *testing.T) {
	d := &Device{ObjectID: "o", DeviceID: "dev-1", Registration: RegistrationSynthetic, Tags: []string{"a"}, MemberOf: []string{"g1"}}
	if SyncTags(d, []string{"a"}) != nil || SyncTags(nil, nil) != nil {
		t.Fatal("equal tags planned a change")
	}
	if cs := SyncTags(d, nil); len(cs) != 1 || cs[0].Device.Tags != nil || len(d.Tags) != 1 {
		t.Fatalf("SyncTags: %v", cs)
	}
	del := Delete(d)
	if len(del) != 1 || del[0].Kind != ChangeDelete || Delete(nil) != nil {
		t.Fatalf("Delete: %v", del)
	}
	re := Readd(d, at.Add(time.Hour))
	if len(re) != 1 || re[0].Kind != ChangeCreate || re[0].Device.DeviceID != "dev-1" || re[0].Device.ObjectID == "o" ||
		len(re[0].Device.MemberOf) != 0 || Readd(nil, at) != nil {
		t.Fatalf("Readd: %v", re)
	}
	dir, _ := NewDirectory(WithDevices(d))
	if err := dir.Apply(append(del, re...)...); err != nil {
		t.Fatal(err)
	}
	if got, _ := dir.Lookup("dev-1"); got.ObjectID != re[0].Device.ObjectID || len(got.MemberOf) != 0 {
		t.Fatalf("re-added: %+v", got)
	}
}

func TestDuplicateSynthetic(t *testing.T) {
	mac := &Device{ObjectID: "o", DeviceID: "dev-1", DeviceOSType: "macOS", Registration: RegistrationFull, DeviceTrustType: "Workplace", Tags: []string{"t"}}
	cs, err := DuplicateSynthetic(mac, at)
	if err != nil {
		t.Fatal(err)
	}
	dup := cs[0].Device
	if len(cs) != 1 || dup.DeviceID != DuplicateDeviceID("dev-1") || dup.DeviceID == "dev-1" || dup.Registration != RegistrationSynthetic ||
		dup.DeviceTrustType != "" || dup.ManagementType != "" || !dup.HasTag("t") {
		t.Fatalf("duplicate: %+v", dup)
	}
	if DuplicateDeviceID("dev-1") != DuplicateDeviceID("DEV-1") || DuplicateDeviceID("dev-1") == DuplicateDeviceID("dev-2") {
		t.Fatal("duplicate device ids are not derived from the device id alone")
	}
	win := mac.Clone()
	win.DeviceOSType = "Windows"
	syn := mac.Clone()
	syn.Registration, syn.DeviceTrustType = RegistrationSynthetic, ""
	for _, d := range []*Device{nil, win, syn} {
		if _, err := DuplicateSynthetic(d, at); !errors.Is(err, ErrLifecycle) {
			t.Errorf("DuplicateSynthetic(%v): %v", d, err)
		}
	}
}

func TestCompact(t *testing.T) {
	a1 := &Device{ObjectID: "A", DeviceID: "a", ManagementType: "1"}
	a2 := &Device{ObjectID: "a", DeviceID: "a", ManagementType: "2"}
	b := &Device{ObjectID: "B", DeviceID: "b"}
	c := &Device{ObjectID: "C", DeviceID: "c"}
	in := []Change{{ChangeCreate, a1}, {ChangeUpdate, b}, {ChangeUpdate, a2}, {ChangeCreate, c}, {ChangeDelete, c}, {ChangeDelete, b}}
	got := Compact(in)
	want := []Change{{ChangeCreate, a2}, {ChangeDelete, b}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].Kind != want[i].Kind || got[i].Device != want[i].Device {
			t.Fatalf("change %d: got %v want %v", i, got[i], want[i])
		}
	}
	if len(in) != 6 || in[0].Device != a1 {
		t.Fatal("Compact modified its input")
	}
	// A delete followed by a create of the same object keeps both.
	if got := Compact([]Change{{ChangeDelete, b}, {ChangeCreate, b}}); len(got) != 2 {
		t.Fatalf("delete then create: %v", got)
	}
}

func TestNewObjectID(t *testing.T) {
	id := NewObjectID("dev-1", "synthetic/", at)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
		t.Fatalf("not a GUID of version 8: %s", id)
	}
	if NewObjectID("DEV-1", "synthetic/", at) != id {
		t.Fatal("device ids are case-insensitive")
	}
	for _, other := range []string{NewObjectID("dev-2", "synthetic/", at), NewObjectID("dev-1", "full/AzureAD", at), NewObjectID("dev-1", "synthetic/", at.Add(time.Nanosecond))} {
		if other == id {
			t.Fatal("different inputs gave the same id")
		}
	}
}

func TestEnums(t *testing.T) {
	for _, m := range []Method{MethodNone, MethodExisting, MethodSynthetic, MethodHybridJoin, MethodEntraJoin} {
		b, _ := m.MarshalText()
		var back Method
		if !m.Valid() || back.UnmarshalText(b) != nil || back != m {
			t.Errorf("method %q does not round-trip", m)
		}
	}
	var m Method
	if m.UnmarshalText([]byte("join")) == nil || Method("x").Valid() || MethodNone.String() != "none" {
		t.Error("method validation")
	}
	if !TrustAzureAD.Full() || TrustNone.Full() || TrustType("x").Valid() || TrustType("x").Full() {
		t.Error("trust types")
	}
	if TrustTypeOf(&Device{DeviceTrustType: "serverad"}) != TrustServerAD || TrustTypeOf(&Device{DeviceTrustType: "x"}).Valid() {
		t.Error("TrustTypeOf")
	}
	if !MarkManagementType.Valid() || Marking("x").Valid() || ChangeKind("x").Valid() {
		t.Error("marking and change kinds")
	}
	if (Change{Kind: ChangeDelete}).String() != "delete <nil>" {
		t.Error("Change.String of a nil device")
	}
}
