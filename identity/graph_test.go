package identity

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

const graphSample = `{
  "@odata.context": "https://graph.microsoft.com/beta/$metadata#devices/$entity",
  "id": "aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb",
  "deviceId": "d4fe7726-5966-431c-b3b8-cddc8fdb717d",
  "displayName": "PC-0042",
  "accountEnabled": true,
  "approximateLastSignInDateTime": "2026-11-01T10:00:00Z",
  "deviceCategory": "HR",
  "mdmAppId": "0000000a-0000-0000-c000-000000000000",
  "manufacturer": "Dell Inc.",
  "model": "Latitude 7440",
  "operatingSystem": "Windows",
  "operatingSystemVersion": "10.0.22631.4460",
  "deviceOwnership": "company",
  "physicalIds": ["[ZTDId]:abc", "[OrderID]:Kiosk"],
  "trustType": "AzureAd",
  "enrollmentProfileName": "Autopilot",
  "extensionAttributes": {"extensionAttribute1": "site-7", "extensionAttribute15": "x", "extensionAttribute2": null},
  "isRooted": false,
  "managementType": "MicrosoftSense",
  "profileType": "RegisteredDevice",
  "systemLabels": ["M365Managed"],
  "memberOf": [
    {"@odata.type": "#microsoft.graph.group", "id": "g1"},
    {"@odata.type": "#microsoft.graph.administrativeUnit", "id": "au1"},
    {"id": "g2"}
  ]
}`

func TestDeviceFromGraph(t *testing.T) {
	d, err := DeviceFromGraph([]byte(graphSample))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s|%s|%s|%v|%s|%s|%s|%s|%s|%s|%s|%v|%s|%s|%s|%s|%v|%s|%s|%v|%v",
		d.ObjectID, d.DeviceID, d.DisplayName, *d.AccountEnabled, d.DeviceCategory, d.DeviceManagementAppID,
		d.DeviceManufacturer, d.DeviceModel, d.DeviceOSType, d.DeviceOSVersion, d.DeviceOwnership, d.DevicePhysicalIDs,
		d.DeviceTrustType, d.EnrollmentProfileName, d.ExtensionAttribute(1), d.ExtensionAttribute(15), *d.IsRooted,
		d.ManagementType, d.ProfileType, d.SystemLabels, d.MemberOf)
	want := "aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb|d4fe7726-5966-431c-b3b8-cddc8fdb717d|PC-0042|true|HR|0000000a-0000-0000-c000-000000000000|" +
		"Dell Inc.|Latitude 7440|Windows|10.0.22631.4460|company|[[ZTDId]:abc [OrderID]:Kiosk]|AzureAd|Autopilot|site-7|x|false|" +
		"MicrosoftSense|RegisteredDevice|[M365Managed]|[g1 g2]"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if d.ExtensionAttribute(2) != "" || len(d.Tags) != 0 || d.Registration != RegistrationNone {
		t.Errorf("unexpected values: %+v", d)
	}
	empty, err := DeviceFromGraph([]byte(`{}`))
	if err != nil || empty.AccountEnabled != nil || empty.MemberOf != nil {
		t.Errorf("empty object: %+v %v", empty, err)
	}
}

func TestDeviceFromGraphErrors(t *testing.T) {
	cases := map[string]string{
		`{"accountEnabled": "yes"}`:                                 "accountEnabled",
		`{"physicalIds": "x"}`:                                      "physicalIds",
		`{"extensionAttributes": {"extensionAttribute16": "x"}}`:    "extensionAttributes.extensionAttribute16",
		`{"extensionAttributes": {"extensionAttribute01": "x"}}`:    "extensionAttributes.extensionAttribute01",
		`{"memberOf": [{"@odata.type": "#microsoft.graph.group"}]}`: "memberOf",
	}
	for in, prop := range cases {
		_, err := DeviceFromGraph([]byte(in))
		var pe *PropertyError
		if !errors.As(err, &pe) || pe.Property != prop {
			t.Errorf("%s: %v, want a PropertyError on %s", in, err, prop)
		}
	}
	if _, err := DeviceFromGraph([]byte(`{`)); err == nil {
		t.Error("truncated JSON accepted")
	}
	if _, err := DeviceFromGraph([]byte(`[]`)); err == nil {
		t.Error("an array accepted")
	}
}

func TestDevicesFromGraph(t *testing.T) {
	list, err := DevicesFromGraph([]byte(`{"value": [` + graphSample + `, {"id": "b", "operatingSystem": "Linux"}]}`))
	if err != nil || len(list) != 2 || list[1].DeviceOSType != "Linux" || !slices.Equal(list[0].MemberOf, []string{"g1", "g2"}) {
		t.Fatalf("%v %v", list, err)
	}
	if _, err := DevicesFromGraph([]byte(`{"value": [{"isRooted": 1}]}`)); err == nil {
		t.Error("bad element accepted")
	}
}

func ExampleDeviceFromGraph() {
	d, err := DeviceFromGraph([]byte(`{"id": "aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb", "operatingSystem": "Windows Server",
		"managementType": "MicrosoftSense", "trustType": "ServerAd", "extensionAttributes": {"extensionAttribute3": "tier-0"}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.ObjectID, d.DeviceOSType, d.ManagementType, d.DeviceTrustType, d.ExtensionAttribute(3))
	// Output: aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb Windows Server MicrosoftSense ServerAd tier-0
}

func FuzzDeviceFromGraph(f *testing.F) {
	f.Add([]byte(graphSample))
	f.Add([]byte(`{"value": []}`))
	f.Add([]byte(`{"extensionAttributes": {"extensionAttribute1": 5}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := DeviceFromGraph(data)
		if err == nil && d == nil {
			t.Fatal("nil device without an error")
		}
		_, _ = DevicesFromGraph(data)
	})
}
