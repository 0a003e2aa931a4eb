package targeting

import (
	"strconv"
	"strings"

	"github.com/secmgmt/secmgmt/identity"
)

// propKind is the type of a rule property.
type propKind uint8

const (
	kindString     propKind = iota + 1 // a single string
	kindBool                           // a Boolean
	kindCollection                     // a collection of strings
	kindGroups                         // memberOf: a collection of group ids
)

// String names the type for messages.
func (k propKind) String() string {
	switch k {
	case kindString:
		return "string"
	case kindBool:
		return "Boolean"
	case kindCollection:
		return "string collection"
	case kindGroups:
		return "group collection"
	}
	return "unknown"
}

// propID identifies a device property. The order is the documentation's.
type propID uint8

const (
	propNone propID = iota
	propAccountEnabled
	propDeviceCategory
	propDeviceID
	propDeviceManagementAppID
	propDeviceManufacturer
	propDeviceModel
	propDisplayName
	propDeviceOSType
	propDeviceOSVersion
	propDeviceOwnership
	propDevicePhysicalIDs
	propDeviceTrustType
	propEnrollmentProfileName
	propExtensionAttribute1 // … propExtensionAttribute1+14
)

const (
	propIsRooted = propExtensionAttribute1 + 15 + iota
	propManagementType
	propMemberOf
	propObjectID
	propProfileType
	propSystemLabels
	propDeviceType // extension: alias of deviceOSType
	propTags       // extension: endpoint-protection tags
	numProps
)

// property describes one device property of the rule language.
type property struct {
	id        propID
	name      string // the documented spelling, written by String()
	kind      propKind
	extension bool   // rejected by Strict()
	reads     propID // the property whose value it reads (deviceType reads deviceOSType)
}

var properties = func() [numProps]property {
	var p [numProps]property
	set := func(id propID, name string, kind propKind) {
		p[id] = property{id: id, name: name, kind: kind, reads: id}
	}
	set(propAccountEnabled, "accountEnabled", kindBool)
	set(propDeviceCategory, "deviceCategory", kindString)
	set(propDeviceID, "deviceId", kindString)
	set(propDeviceManagementAppID, "deviceManagementAppId", kindString)
	set(propDeviceManufacturer, "deviceManufacturer", kindString)
	set(propDeviceModel, "deviceModel", kindString)
	set(propDisplayName, "displayName", kindString)
	set(propDeviceOSType, "deviceOSType", kindString)
	set(propDeviceOSVersion, "deviceOSVersion", kindString)
	set(propDeviceOwnership, "deviceOwnership", kindString)
	set(propDevicePhysicalIDs, "devicePhysicalIds", kindCollection)
	set(propDeviceTrustType, "deviceTrustType", kindString)
	set(propEnrollmentProfileName, "enrollmentProfileName", kindString)
	for i := range propID(15) {
		set(propExtensionAttribute1+i, "extensionAttribute"+strconv.Itoa(int(i)+1), kindString)
	}
	set(propIsRooted, "isRooted", kindBool)
	set(propManagementType, "managementType", kindString)
	set(propMemberOf, "memberOf", kindGroups)
	set(propObjectID, "objectId", kindString)
	set(propProfileType, "profileType", kindString)
	set(propSystemLabels, "systemLabels", kindCollection)
	set(propDeviceType, "deviceType", kindString)
	p[propDeviceType].extension = true
	p[propDeviceType].reads = propDeviceOSType
	set(propTags, "tags", kindCollection)
	p[propTags].extension = true
	return p
}()

// propertyByName maps a lower-cased property name to its id.
var propertyByName = func() map[string]propID {
	m := make(map[string]propID, numProps)
	for id := propAccountEnabled; id < numProps; id++ {
		m[strings.ToLower(properties[id].name)] = id
	}
	return m
}()

// PropertyNames returns the names of every device property the rule
// language knows, in the documentation's order, extensions (deviceType,
// tags) last.
func PropertyNames() []string {
	out := make([]string, 0, numProps-1)
	for id := propAccountEnabled; id < numProps; id++ {
		out = append(out, properties[id].name)
	}
	return out
}

// propMask is a set of property ids (what a rule reads, what changed).
type propMask uint64

func (m propMask) has(id propID) bool { return m&(1<<id) != 0 }

// stringValue returns the value of a string property of d ("" is null).
func stringValue(d *identity.Device, id propID) string {
	switch id {
	case propDeviceCategory:
		return d.DeviceCategory
	case propDeviceID:
		return d.DeviceID
	case propDeviceManagementAppID:
		return d.DeviceManagementAppID
	case propDeviceManufacturer:
		return d.DeviceManufacturer
	case propDeviceModel:
		return d.DeviceModel
	case propDisplayName:
		return d.DisplayName
	case propDeviceOSType, propDeviceType:
		return d.DeviceOSType
	case propDeviceOSVersion:
		return d.DeviceOSVersion
	case propDeviceOwnership:
		return d.DeviceOwnership
	case propDeviceTrustType:
		return d.DeviceTrustType
	case propEnrollmentProfileName:
		return d.EnrollmentProfileName
	case propManagementType:
		return d.ManagementType
	case propObjectID:
		return d.ObjectID
	case propProfileType:
		return d.ProfileType
	}
	if id >= propExtensionAttribute1 && id < propExtensionAttribute1+15 {
		return d.ExtensionAttributes[id-propExtensionAttribute1]
	}
	return ""
}

// boolValue returns the value of a Boolean property of d (nil is null).
func boolValue(d *identity.Device, id propID) *bool {
	switch id {
	case propAccountEnabled:
		return d.AccountEnabled
	case propIsRooted:
		return d.IsRooted
	}
	return nil
}

// collectionValue returns the value of a collection property of d.
func collectionValue(d *identity.Device, id propID) []string {
	switch id {
	case propDevicePhysicalIDs:
		return d.DevicePhysicalIDs
	case propSystemLabels:
		return d.SystemLabels
	case propTags:
		return d.Tags
	case propMemberOf:
		return d.MemberOf
	}
	return nil
}

// changedProperties returns the properties whose values differ between a
// and b (compared exactly: a change of case is a change).
func changedProperties(a, b *identity.Device) propMask {
	var m propMask
	for id := propAccountEnabled; id < numProps; id++ {
		p := &properties[id]
		if p.reads != id {
			continue // an alias changes with the property it reads
		}
		var same bool
		switch p.kind {
		case kindString:
			same = stringValue(a, id) == stringValue(b, id)
		case kindBool:
			x, y := boolValue(a, id), boolValue(b, id)
			same = (x == nil) == (y == nil) && (x == nil || *x == *y)
		case kindCollection, kindGroups:
			x, y := collectionValue(a, id), collectionValue(b, id)
			same = len(x) == len(y)
			for i := 0; same && i < len(x); i++ {
				same = x[i] == y[i]
			}
		}
		if !same {
			m |= 1 << id
			if id == propDeviceOSType {
				m |= 1 << propDeviceType
			}
		}
	}
	return m
}
