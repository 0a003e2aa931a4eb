package memstore

import (
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/store"
)

// Interning bounds: the table keeps short strings only, and stops growing
// when full (lookups go on), so that strings unique to each device cannot
// make it large.
const (
	maxInterned    = 1 << 16
	maxInternedLen = 64
	// maxInternedTextLen bounds the sentences interned from enrollment
	// records and histories (the causes of transitions): a few dozen of
	// them, each written for many devices.
	maxInternedTextLen = 512
)

// interner keeps one copy of the strings many devices share (OS versions,
// models, tags), so that a million devices running the same OS version
// hold it once. It is used under the store's write lock.
type interner map[string]string

func (in interner) intern(s string) string { return in.internUpTo(s, maxInternedLen) }

// text interns a sentence that recurs across devices.
func (in interner) text(s string) string { return in.internUpTo(s, maxInternedTextLen) }

func (in interner) internUpTo(s string, maxLen int) string {
	if s == "" {
		return s
	}
	if v, ok := in[s]; ok {
		return v
	}
	if len(in) < maxInterned && len(s) <= maxLen {
		in[s] = s
	}
	return s
}

func internT[S ~string](in interner, s *S) { *s = S(in.intern(string(*s))) }

func (in interner) all(ss []string) {
	for i := range ss {
		ss[i] = in.intern(ss[i])
	}
}

// device interns the low-cardinality strings of a device record: all but
// its ids and name.
func (in interner) device(d *store.Device) {
	if o := d.Object; o != nil {
		in.object(o, d.ID)
	}
	if f := d.Facts; f != nil {
		for _, s := range []*string{&f.OSVersion, &f.Edition, &f.AgentVersion, &f.Distribution, &f.DistributionVersion} {
			internT(in, s)
		}
		internT(in, &f.Platform)
		internT(in, &f.PowerShellLanguageMode)
		internT(in, &f.EntraRegistration)
		internT(in, &f.OnboardedVia)
		in.all(f.Tags)
	}
}

// object interns the low-cardinality strings of a directory object, and
// shares its device id with key when they are equal.
func (in interner) object(o *identity.Device, key string) {
	if o.DeviceID == key {
		o.DeviceID = key // one copy of the id, shared with the key
	}
	for _, s := range []*string{&o.DeviceCategory, &o.DeviceManagementAppID, &o.DeviceManufacturer,
		&o.DeviceModel, &o.DeviceOSType, &o.DeviceOSVersion, &o.DeviceOwnership, &o.DeviceTrustType,
		&o.EnrollmentProfileName, &o.ManagementType, &o.ProfileType} {
		internT(in, s)
	}
	for i := range o.ExtensionAttributes {
		internT(in, &o.ExtensionAttributes[i])
	}
	internT(in, &o.Registration)
	in.all(o.SystemLabels)
	in.all(o.Tags)
	in.all(o.MemberOf)
}

// record interns the strings of an enrollment record that recur across
// devices: its state, status, reason, authority, method and cause.
func (in interner) record(r *enrollment.Record) {
	internT(in, &r.State)
	internT(in, &r.Status)
	internT(in, &r.Reason)
	internT(in, &r.ManagedBy)
	internT(in, &r.Registration)
	r.Cause = in.text(r.Cause)
}

// transition interns the strings of a history entry that recur across
// devices (states, event, outcome, cause) and those of the directory
// objects its changes hold, whose device id it shares with key.
func (in interner) transition(t *enrollment.Transition, key string) {
	internT(in, &t.From)
	internT(in, &t.To)
	internT(in, &t.Event.Kind)
	internT(in, &t.Event.Tag)
	internT(in, &t.Event.EntraRegistration)
	t.Cause = in.text(t.Cause)
	internT(in, &t.Status)
	internT(in, &t.Reason)
	internT(in, &t.ManagedBy)
	internT(in, &t.Registration)
	for i := range t.Changes {
		internT(in, &t.Changes[i].Kind)
		if o := t.Changes[i].Device; o != nil {
			in.object(o, key)
		}
	}
}
