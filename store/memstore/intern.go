package memstore

import (
	"unique"

	"github.com/secmgmt/secmgmt/store"
)

// intern replaces a string that many devices share by its canonical copy,
// so that a million devices running the same OS version hold it once.
func intern[S ~string](s *S) {
	if *s != "" {
		*s = S(unique.Make(string(*s)).Value())
	}
}

func internAll(ss []string) {
	for i := range ss {
		intern(&ss[i])
	}
}

// internDevice interns the low-cardinality strings of a device record:
// everything but its ids and name.
func internDevice(d *store.Device) {
	if o := d.Object; o != nil {
		if o.DeviceID == d.ID {
			o.DeviceID = d.ID // one copy of the id, shared with the key
		}
		for _, s := range []*string{&o.DeviceCategory, &o.DeviceManagementAppID, &o.DeviceManufacturer,
			&o.DeviceModel, &o.DeviceOSType, &o.DeviceOSVersion, &o.DeviceOwnership, &o.DeviceTrustType,
			&o.EnrollmentProfileName, &o.ManagementType, &o.ProfileType} {
			intern(s)
		}
		for i := range o.ExtensionAttributes {
			intern(&o.ExtensionAttributes[i])
		}
		intern(&o.Registration)
		internAll(o.SystemLabels)
		internAll(o.Tags)
		internAll(o.MemberOf)
	}
	if f := d.Facts; f != nil {
		for _, s := range []*string{&f.OSVersion, &f.Edition, &f.AgentVersion, &f.Distribution, &f.DistributionVersion} {
			intern(s)
		}
		intern(&f.Platform)
		intern(&f.PowerShellLanguageMode)
		intern(&f.EntraRegistration)
		intern(&f.OnboardedVia)
		internAll(f.Tags)
	}
}
