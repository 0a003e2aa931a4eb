package storetest_test

import (
	"os"
	"testing"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/postgres"
	"github.com/secmgmt/secmgmt/store/storetest"
)

// A backend that several service instances share (a database server)
// declares it with WithShared: open returns a second store over the same
// data, and the kit checks that each sees the other's writes and that
// concurrent writers through both lose no update.
func ExampleWithShared() {
	_ = func(t *testing.T) {
		dsn := os.Getenv("SECMGMT_POSTGRES_DSN")
		if dsn == "" {
			t.Skip("no PostgreSQL server")
		}
		open := func(tb testing.TB) store.Store {
			s, err := postgres.Open(tb.Context(), dsn, postgres.WithSchema("storetest"))
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { s.Close() })
			return s
		}
		storetest.Run(t, open, storetest.WithShared(func(tb testing.TB, _ store.Store) store.Store {
			return open(tb)
		}))
	}
}
