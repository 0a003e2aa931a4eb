package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// graphDevice is the part of a Microsoft Graph device object that rules
// read. Graph has many more properties; they are ignored.
type graphDevice struct {
	ID                     string              `json:"id"`
	DeviceID               string              `json:"deviceId"`
	DisplayName            string              `json:"displayName"`
	AccountEnabled         *bool               `json:"accountEnabled"`
	DeviceCategory         string              `json:"deviceCategory"`
	MDMAppID               string              `json:"mdmAppId"`
	Manufacturer           string              `json:"manufacturer"`
	Model                  string              `json:"model"`
	OperatingSystem        string              `json:"operatingSystem"`
	OperatingSystemVersion string              `json:"operatingSystemVersion"`
	DeviceOwnership        string              `json:"deviceOwnership"`
	PhysicalIDs            []string            `json:"physicalIds"`
	TrustType              string              `json:"trustType"`
	EnrollmentProfileName  string              `json:"enrollmentProfileName"`
	ExtensionAttributes    map[string]*string  `json:"extensionAttributes"`
	IsRooted               *bool               `json:"isRooted"`
	ManagementType         string              `json:"managementType"`
	ProfileType            string              `json:"profileType"`
	SystemLabels           []string            `json:"systemLabels"`
	MemberOf               []graphDirectoryRef `json:"memberOf"`
}

type graphDirectoryRef struct {
	ID        string `json:"id"`
	ODataType string `json:"@odata.type"`
}

// DeviceFromGraph decodes a Microsoft Graph device object (as returned by
// GET /devices/{id}, optionally with $expand=memberOf) into a Device:
//
//	id → ObjectID, deviceId, displayName, accountEnabled, deviceCategory,
//	mdmAppId → DeviceManagementAppID, manufacturer → DeviceManufacturer,
//	model → DeviceModel, operatingSystem → DeviceOSType,
//	operatingSystemVersion → DeviceOSVersion, deviceOwnership,
//	physicalIds → DevicePhysicalIDs, trustType → DeviceTrustType,
//	enrollmentProfileName, extensionAttributes.extensionAttributeN,
//	isRooted, managementType, profileType, systemLabels, and the ids of
//	the groups in an expanded memberOf → MemberOf.
//
// Values are kept as Graph spells them ("AzureAd", "company"); rule
// comparisons are case-insensitive. Properties this package does not read
// are ignored. Tags and Registration are not Graph properties and stay
// empty. A property of the wrong JSON type is a *PropertyError naming it.
func DeviceFromGraph(data []byte) (*Device, error) {
	var g graphDevice
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, graphError(err)
	}
	d := &Device{
		ObjectID:              g.ID,
		DeviceID:              g.DeviceID,
		DisplayName:           g.DisplayName,
		AccountEnabled:        g.AccountEnabled,
		DeviceCategory:        g.DeviceCategory,
		DeviceManagementAppID: g.MDMAppID,
		DeviceManufacturer:    g.Manufacturer,
		DeviceModel:           g.Model,
		DeviceOSType:          g.OperatingSystem,
		DeviceOSVersion:       g.OperatingSystemVersion,
		DeviceOwnership:       g.DeviceOwnership,
		DevicePhysicalIDs:     g.PhysicalIDs,
		DeviceTrustType:       g.TrustType,
		EnrollmentProfileName: g.EnrollmentProfileName,
		IsRooted:              g.IsRooted,
		ManagementType:        g.ManagementType,
		ProfileType:           g.ProfileType,
		SystemLabels:          g.SystemLabels,
	}
	for key, v := range g.ExtensionAttributes {
		n, ok := extensionAttributeIndex(key)
		if !ok {
			if key == "@odata.type" {
				continue
			}
			return nil, &PropertyError{Property: "extensionAttributes." + key, Reason: "not an extension attribute"}
		}
		if v != nil {
			d.ExtensionAttributes[n] = *v
		}
	}
	for _, ref := range g.MemberOf {
		if ref.ODataType != "" && ref.ODataType != "#microsoft.graph.group" {
			continue // administrative units and other directory objects
		}
		if ref.ID == "" {
			return nil, &PropertyError{Property: "memberOf", Reason: "a group without an id"}
		}
		d.MemberOf = append(d.MemberOf, ref.ID)
	}
	return d, nil
}

// DevicesFromGraph decodes a Graph list response, {"value": [device, …]}.
func DevicesFromGraph(data []byte) ([]*Device, error) {
	var list struct {
		Value []json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, graphError(err)
	}
	out := make([]*Device, 0, len(list.Value))
	for i, raw := range list.Value {
		d, err := DeviceFromGraph(raw)
		if err != nil {
			return nil, fmt.Errorf("identity: value[%d]: %w", i, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// extensionAttributeIndex maps "extensionAttributeN" (N in 1…15) to N-1.
func extensionAttributeIndex(key string) (int, bool) {
	const prefix = "extensionAttribute"
	if len(key) <= len(prefix) || key[:len(prefix)] != prefix {
		return 0, false
	}
	n, err := strconv.Atoi(key[len(prefix):])
	if err != nil || n < 1 || n > 15 || strconv.Itoa(n) != key[len(prefix):] {
		return 0, false
	}
	return n - 1, true
}

func graphError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &PropertyError{Property: te.Field, Reason: "want " + te.Type.String() + ", got JSON " + te.Value}
	}
	return fmt.Errorf("identity: Graph device: %w", err)
}
