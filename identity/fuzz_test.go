package identity

import (
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
