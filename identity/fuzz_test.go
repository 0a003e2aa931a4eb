package identity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// FuzzCompact checks that a compacted list of changes leaves a directory
// as the list itself does, whenever the list applies.
func FuzzCompact(f *testing.F) {
	f.Add([]byte{0, 1, 2, 10, 11, 20})
	f.Add([]byte{0, 20, 0, 10, 10, 21})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64 {
			return
		}
		var changes []Change
		for _, b := range data {
			n := int(b % 4)
			d := &Device{ObjectID: fmt.Sprintf("o%d", n), DeviceID: fmt.Sprintf("d%d", n), Registration: RegistrationSynthetic,
				ManagementType: fmt.Sprint(b)}
			kind := []ChangeKind{ChangeCreate, ChangeUpdate, ChangeDelete}[int(b/4)%3]
			changes = append(changes, Change{kind, d})
		}
		seed := []*Device{{ObjectID: "o3", DeviceID: "d3", Registration: RegistrationSynthetic}}
		plain, _ := NewDirectory(WithDevices(seed...))
		compact, _ := NewDirectory(WithDevices(seed...))
		if plain.Apply(changes...) != nil {
			return
		}
		if err := compact.Apply(Compact(changes)...); err != nil {
			t.Fatalf("the compacted list fails: %v\n%v\n%v", err, changes, Compact(changes))
		}
		a, b := plain.Devices(), compact.Devices()
		if len(a) != len(b) {
			t.Fatalf("%d objects vs %d", len(a), len(b))
		}
		for i := range a {
			if !reflect.DeepEqual(a[i], b[i]) {
				t.Fatalf("object %d: %+v vs %+v", i, a[i], b[i])
			}
		}
	})
}

// FuzzRuleProperties: any input either decodes as a device in the
// rule-property form or is refused with an error; a decoded device writes a
// form that decodes to a device writing the same bytes.
func FuzzRuleProperties(f *testing.F) {
	f.Add([]byte(`{"deviceOSType": "Windows", "accountEnabled": true, "devicePhysicalIds": ["[OrderID]:A"], "tags": ["MDE-Management"]}`))
	f.Add([]byte(`{"deviceid": "x", "DEVICEID": "y"}`))
	f.Add([]byte(`{"registration": "synthetic", "extensionAttribute1": null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := DeviceFromRuleProperties(data)
		if err != nil {
			// Valid JSON is refused for a reason the caller can act on: a
			// property (*PropertyError) or not an object.
			var pe *PropertyError
			var te *json.UnmarshalTypeError
			if json.Valid(data) && !errors.As(err, &pe) && !errors.As(err, &te) {
				t.Fatalf("valid JSON refused without a typed error: %v", err)
			}
			return
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("a decoded device does not encode: %v", err)
		}
		again, err := DeviceFromRuleProperties(out)
		if err != nil {
			t.Fatalf("the written form %s does not decode: %v", out, err)
		}
		out2, _ := json.Marshal(again)
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the device:\n%s\n%s", out, out2)
		}
	})
}
