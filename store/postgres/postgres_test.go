package postgres_test

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
	"github.com/secmgmt/secmgmt/store/storetest"
)

// dsn returns the test database, or skips the test.
func dsn(t testing.TB) string {
	t.Helper()
	v := os.Getenv("SECMGMT_POSTGRES_DSN")
	if v == "" {
		t.Skip("SECMGMT_POSTGRES_DSN is not set: the PostgreSQL tests need a database (.ci/run starts one)")
	}
	return v
}

// freshSchema returns the name of a new schema that is dropped when the
// test ends, so that tests never see each other's tables.
func freshSchema(t testing.TB) string {
	t.Helper()
	url := dsn(t)
	name := "storetest_" + rand.Text()[:12]
	name = strings.ToLower(name)
	t.Cleanup(func() {
		ctx := context.Background()
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			t.Errorf("drop schema %s: %v", name, err)
			return
		}
		defer pool.Close()
		if _, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name
}

// open opens a store in a schema, closed at the end of the test.
func open(t testing.TB, schema string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn(t), postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	dsn(t)
	storetest.Run(t, func(t testing.TB) store.Store {
		return open(t, freshSchema(t))
	}, storetest.WithReopen(func(t testing.TB, closed store.Store) store.Store {
		return open(t, closed.(*postgres.Store).Schema())
	}))
}

func BenchmarkStore(b *testing.B) {
	dsn(b)
	storetest.Benchmark(b, func(tb testing.TB) store.Store {
		return open(tb, freshSchema(tb))
	})
}
