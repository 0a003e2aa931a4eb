package secmgmt_test

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/postgres"
)

// postgresDSN returns the PostgreSQL server of the tests, or skips.
func postgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("SECMGMT_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SECMGMT_POSTGRES_DSN is not set: skipping the PostgreSQL tests (.ci/run starts a server)")
	}
	return dsn
}

// postgresSchema returns a new schema, dropped when the test ends, so that
// tests never share tables.
func postgresSchema(t *testing.T) string {
	t.Helper()
	dsn := postgresDSN(t)
	name := strings.ToLower("service_" + rand.Text()[:12])
	t.Cleanup(func() {
		ctx := context.Background()
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			t.Errorf("dropping schema %s: %v", name, err)
			return
		}
		defer pool.Close()
		if _, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", name, err)
		}
	})
	return name
}

// openPostgres opens a store in a schema, closed when the test ends.
func openPostgres(t *testing.T, schema string) store.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), postgresDSN(t), postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// postgresBackends is the PostgreSQL backend: a schema of its own per
// test; it skips without SECMGMT_POSTGRES_DSN.
func postgresBackends() []backend {
	return []backend{{"postgres", func(t *testing.T) (store.Store, func(*testing.T) store.Store) {
		schema := postgresSchema(t)
		return openPostgres(t, schema), func(t *testing.T) store.Store { return openPostgres(t, schema) }
	}}}
}

// postgresShared opens two stores, as two service instances on two
// machines would, over one schema.
func postgresShared() []sharedBackend {
	return []sharedBackend{{"postgres", func(t *testing.T) (store.Store, store.Store) {
		schema := postgresSchema(t)
		return openPostgres(t, schema), openPostgres(t, schema)
	}}}
}
