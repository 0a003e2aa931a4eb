package memstore_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/memstore"
)

// Open a memory store, put a device and read it back; a second create of
// the same device conflicts.
func ExampleNew() {
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()

	d := &store.Device{ID: "3f2c9a1e-0d4b-4c8e-9a7f-5b6d1e2c3a4f",
		Object: &identity.Device{DisplayName: "DESKTOP-0042", DeviceOSType: "Windows"}}
	v, err := s.PutDevice(ctx, d)
	fmt.Println(v, err)

	got, err := s.Device(ctx, d.ID)
	fmt.Println(got.Object.DisplayName, got.Version, err)

	_, err = s.PutDevice(ctx, d) // version 0 again: a create
	fmt.Println(errors.Is(err, store.ErrConflict))
	// Output:
	// 1 <nil>
	// DESKTOP-0042 1 <nil>
	// true
}
