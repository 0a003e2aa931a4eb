package postgres_test

import (
	"context"
	"fmt"
	"os"

	"github.com/secmgmt/secmgmt/store/postgres"
)

// Open a store in a PostgreSQL schema of its own (one per tenant, say).
// Several service instances can open the same database and schema.
func ExampleOpen() {
	ctx := context.Background()
	s, err := postgres.Open(ctx, os.Getenv("SECMGMT_POSTGRES_DSN"),
		postgres.WithSchema("tenant_contoso"), postgres.WithMaxConns(16))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	t, err := s.Tenant(ctx)
	fmt.Println(t.Version, err)
}
