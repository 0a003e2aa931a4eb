package identity

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

func synthetic(n int) *Device {
	id := fmt.Sprintf("dev-%d", n)
	return &Device{ObjectID: "obj-" + id, DeviceID: id, Registration: RegistrationSynthetic}
}

func full(n int, trust TrustType) *Device {
	id := fmt.Sprintf("dev-%d", n)
	return &Device{ObjectID: "obj-" + id, DeviceID: id, Registration: RegistrationFull, DeviceTrustType: string(trust)}
}

func TestDirectoryQuotaCountsSyntheticObjects(t *testing.T) {
	dir, err := NewDirectory(WithQuota(2), WithDevices(full(1, TrustAzureAD)))
	if err != nil {
		t.Fatal(err)
	}
	if err := dir.Apply(Change{ChangeCreate, synthetic(2)}); err != nil {
		t.Fatal(err)
	}
	err = dir.Apply(Change{ChangeCreate, synthetic(3)})
	var qe *QuotaError
	if !errors.Is(err, ErrQuotaExceeded) || !errors.As(err, &qe) || qe.Quota != 2 || qe.Count != 3 {
		t.Fatalf("want a quota error, got %v", err)
	}
	if dir.Len() != 2 || dir.Quota() != 2 {
		t.Fatalf("len %d quota %d", dir.Len(), dir.Quota())
	}
	// Deleting one makes room; an update never counts.
	if err := dir.Apply(Change{ChangeDelete, synthetic(2)}, Change{ChangeCreate, synthetic(3)}, Change{ChangeUpdate, full(1, TrustServerAD)}); err != nil {
		t.Fatal(err)
	}
	if _, err := NewDirectory(WithQuota(-1)); err == nil {
		t.Fatal("negative quota accepted")
	}
	if _, err := NewDirectory(WithQuota(1), WithDevices(synthetic(1), synthetic(2))); !errors.Is(err, ErrQuotaExceeded) {
		t.Fatalf("seed over quota: %v", err)
	}
}

func TestDirectoryOverQuotaStillAllowsShrinking(t *testing.T) {
	dir, _ := NewDirectory(WithDevices(synthetic(1), synthetic(2), synthetic(3)))
	dir.quota = 1 // as if the quota were lowered
	if err := dir.Apply(Change{ChangeDelete, synthetic(3)}); err != nil {
		t.Fatalf("a delete over quota: %v", err)
	}
	if err := dir.Apply(Change{ChangeDelete, synthetic(2)}, Change{ChangeCreate, synthetic(4)}); err != nil {
		t.Fatalf("a swap over quota: %v", err)
	}
}

func TestDirectoryApplyIsAtomic(t *testing.T) {
	dir, _ := NewDirectory(WithDevices(synthetic(1)))
	err := dir.Apply(Change{ChangeCreate, synthetic(2)}, Change{ChangeUpdate, synthetic(9)})
	var ce *ChangeError
	if !errors.Is(err, ErrDeviceNotFound) || !errors.As(err, &ce) || ce.Index != 1 {
		t.Fatalf("got %v", err)
	}
	if _, ok := dir.Lookup("dev-2"); ok || dir.Len() != 1 {
		t.Fatal("a failed Apply left a partial write")
	}
}

func TestDirectoryErrors(t *testing.T) {
	dir, _ := NewDirectory(WithDevices(synthetic(1)))
	sameDevice := synthetic(1)
	sameDevice.ObjectID = "another-object"
	renamed := synthetic(1)
	renamed.DeviceID = "dev-other"
	badTrust := synthetic(5)
	badTrust.DeviceTrustType = "AzureAD"
	noTrust := full(6, TrustNone)
	noKind := &Device{ObjectID: "o7", DeviceID: "dev-7"}
	for _, tc := range []struct {
		name string
		c    Change
		want error
	}{
		{"object id in use", Change{ChangeCreate, synthetic(1)}, ErrDeviceExists},
		{"object id in use, other case", Change{ChangeCreate, &Device{ObjectID: "OBJ-DEV-1", DeviceID: "x", Registration: RegistrationSynthetic}}, ErrDeviceExists},
		{"device id in use", Change{ChangeCreate, sameDevice}, ErrDeviceExists},
		{"update of a missing object", Change{ChangeUpdate, synthetic(2)}, ErrDeviceNotFound},
		{"delete of a missing object", Change{ChangeDelete, synthetic(2)}, ErrDeviceNotFound},
		{"device id changed by an update", Change{ChangeUpdate, renamed}, ErrInvalidChange},
		{"unknown kind", Change{"merge", synthetic(3)}, ErrInvalidChange},
		{"no device", Change{ChangeCreate, nil}, ErrInvalidChange},
		{"no object id", Change{ChangeCreate, &Device{DeviceID: "d"}}, ErrInvalidChange},
		{"no device id", Change{ChangeCreate, &Device{ObjectID: "o"}}, ErrInvalidChange},
		{"synthetic with a trust type", Change{ChangeCreate, badTrust}, ErrInvalidChange},
		{"full without a trust type", Change{ChangeCreate, noTrust}, ErrInvalidChange},
		{"no registration kind", Change{ChangeCreate, noKind}, ErrInvalidChange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := dir.Check(tc.c); !errors.Is(err, tc.want) {
				t.Fatalf("Check: want %v, got %v", tc.want, err)
			}
			if err := dir.Apply(tc.c); !errors.Is(err, tc.want) {
				t.Fatalf("Apply: want %v, got %v", tc.want, err)
			}
			if dir.Len() != 1 {
				t.Fatal("a refused change was applied")
			}
		})
	}
}

func TestDirectoryDeleteAndReaddSameDeviceID(t *testing.T) {
	d := synthetic(1)
	d.MemberOf = []string{"static"}
	dir, _ := NewDirectory(WithDevices(d))
	if err := dir.Apply(Delete(d)...); err != nil {
		t.Fatal(err)
	}
	if _, ok := dir.Lookup("dev-1"); ok {
		t.Fatal("deleted device still found")
	}
	if err := dir.Apply(Readd(d, at)...); err != nil {
		t.Fatal(err)
	}
	got, ok := dir.Lookup("DEV-1")
	if !ok || got.ObjectID == d.ObjectID || len(got.MemberOf) != 0 {
		t.Fatalf("re-added: %+v", got)
	}
	if _, ok := dir.Get(got.ObjectID); !ok {
		t.Fatal("Get by the new object id")
	}
	if _, ok := dir.Get(d.ObjectID); ok {
		t.Fatal("the old object id is still there")
	}
}

func TestDirectoryCopies(t *testing.T) {
	d := synthetic(1)
	d.Tags = []string{"a"}
	dir, _ := NewDirectory(WithDevices(d))
	d.Tags[0] = "changed by the caller"
	got, _ := dir.Lookup("dev-1")
	got.Tags[0] = "changed again"
	again, _ := dir.Lookup("dev-1")
	if again.Tags[0] != "a" || dir.Devices()[0].Tags[0] != "a" {
		t.Fatal("the directory shares memory with its callers")
	}
}

func TestDirectoryDevicesOrdered(t *testing.T) {
	dir, _ := NewDirectory(WithDevices(synthetic(3), synthetic(1), synthetic(2)))
	var ids []string
	for _, d := range dir.Devices() {
		ids = append(ids, d.ObjectID)
	}
	if fmt.Sprint(ids) != "[obj-dev-1 obj-dev-2 obj-dev-3]" {
		t.Fatalf("order: %v", ids)
	}
}

func TestDirectoryConcurrentUse(t *testing.T) {
	dir, _ := NewDirectory(WithQuota(50))
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := dir.Apply(Change{ChangeCreate, synthetic(i)}); err != nil {
				errs <- err
			}
			dir.Lookup(fmt.Sprintf("dev-%d", i))
			dir.Devices()
		}()
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if !errors.Is(err, ErrQuotaExceeded) {
			t.Fatal(err)
		}
		n++
	}
	if dir.Len() != 50 || n != 50 {
		t.Fatalf("len %d, refused %d", dir.Len(), n)
	}
}

// Shared hands out the directory's own object; an update replaces it
// rather than changing it, so an object handed out earlier keeps its
// content.
func TestDirectoryShared(t *testing.T) {
	dir, err := NewDirectory(WithDevices(&Device{ObjectID: "o1", DeviceID: "D1", DisplayName: "before", Registration: RegistrationSynthetic}))
	if err != nil {
		t.Fatal(err)
	}
	first, ok := dir.Shared("d1")
	if !ok || first.DisplayName != "before" {
		t.Fatalf("Shared = %+v %v", first, ok)
	}
	if again, _ := dir.Shared("D1"); again != first {
		t.Fatal("Shared returned a copy")
	}
	if err := dir.Apply(Change{Kind: ChangeUpdate, Device: &Device{ObjectID: "o1", DeviceID: "D1", DisplayName: "after", Registration: RegistrationSynthetic}}); err != nil {
		t.Fatal(err)
	}
	second, _ := dir.Shared("d1")
	if second == first || second.DisplayName != "after" || first.DisplayName != "before" {
		t.Fatalf("after an update: first %q, second %q (same object: %v)", first.DisplayName, second.DisplayName, second == first)
	}
	if _, ok := dir.Shared("nobody"); ok {
		t.Fatal("Shared found a device that is not there")
	}
}
