package store_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log"
	"time"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/memstore"
)

// Offboarding revokes a device's credential; the store keeps it, marked.
func ExampleCredential_Revoked() {
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()
	issued := time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)
	if _, err := s.PutDevice(ctx, &store.Device{ID: "db-7", Created: issued, Modified: issued}); err != nil {
		log.Fatal(err)
	}
	hash := sha256.Sum256([]byte("s3cr3t"))
	if err := s.PutCredential(ctx, &store.Credential{DeviceID: "db-7", Hash: hash[:], IssuedAt: issued}); err != nil {
		log.Fatal(err)
	}
	c, err := s.Credential(ctx, "db-7")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Revoked())
	if err := s.RevokeCredential(ctx, "db-7", issued.Add(48*time.Hour)); err != nil {
		log.Fatal(err)
	}
	c, err = s.Credential(ctx, "db-7")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Revoked(), c.RevokedAt.Format(time.RFC3339))
	// Output:
	// false
	// true 2025-06-04T12:00:00Z
}

func ExampleGroup_Dynamic() {
	static := &store.Group{ID: "pilot", DisplayName: "Pilot ring", Members: []string{"db-7"}}
	dynamic := &store.Group{ID: "linux", DisplayName: "Linux servers", MembershipRule: `device.deviceOSType -eq "Linux"`}
	fmt.Println(static.Dynamic(), dynamic.Dynamic())
	// Output: false true
}
