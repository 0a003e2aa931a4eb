package memstore

import "github.com/secmgmt/secmgmt/store"

// Interning bounds: the table keeps short strings only, and stops growing
// when full (lookups go on), so that strings unique to each device cannot
// make it large.
const (
	maxInterned    = 1 << 16
	maxInternedLen = 64
)

// interner keeps one copy of the strings many devices share (OS versions,
// models, tags), so that a million devices running the same OS version
// hold it once. It is used under the store's write lock.
type interner map[string]string

func (in interner) intern(s string) string {
	if s == "" {
		return s
	}
	if v, ok := in[s]; ok {
		return v
	}
	if len(in) < maxInterned && len(s) <= maxInternedLen {
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
		if o.DeviceID == d.ID {
			o.DeviceID = d.ID // one copy of the id, shared with the key
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
