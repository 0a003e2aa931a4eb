package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/secmgmt/secmgmt/store/postgres"
)

// One schema per tenant. A name that is not a plain lower-case identifier
// is refused before anything is sent to the server.
func ExampleWithSchema() {
	_, err := postgres.Open(context.Background(), os.Getenv("SECMGMT_POSTGRES_DSN"), postgres.WithSchema("Tenant-Contoso"))
	fmt.Println(err)
	// Output: postgres: schema "Tenant-Contoso": want lower-case letters, digits and _, not starting with a digit
}

// A pool sized for the service instances' concurrent requests. This example
// needs a server: set SECMGMT_POSTGRES_DSN, e.g.
// "postgres://secmgmt@db.internal:5432/secmgmt?sslmode=verify-full".
func ExampleWithMaxConns() {
	ctx := context.Background()
	s, err := postgres.Open(ctx, os.Getenv("SECMGMT_POSTGRES_DSN"), postgres.WithMaxConns(32))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	n, err := s.CountDevices(ctx)
	fmt.Println(n, err)
}

// This example needs a server (see ExampleWithMaxConns).
func ExampleStore_Schema() {
	s, err := postgres.Open(context.Background(), os.Getenv("SECMGMT_POSTGRES_DSN"), postgres.WithSchema("tenant_fabrikam"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	fmt.Println(s.Schema()) // tenant_fabrikam
}
