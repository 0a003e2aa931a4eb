package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"sync"
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
	}), storetest.WithShared(func(t testing.TB, s store.Store) store.Store {
		return open(t, s.(*postgres.Store).Schema())
	}))
}

// TestConcurrentOpen opens one new schema from several goroutines at once:
// the migrations run once, under their lock, and every store works.
func TestConcurrentOpen(t *testing.T) {
	schema := freshSchema(t)
	const n = 4
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = postgres.Open(context.Background(), dsn(t), postgres.WithSchema(schema))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	for i, s := range stores {
		if _, err := s.PutDevice(context.Background(), &store.Device{ID: fmt.Sprint("d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := stores[0].CountDevices(context.Background()); err != nil || n != len(stores) {
		t.Fatalf("CountDevices = %d, %v", n, err)
	}
}

func TestOptions(t *testing.T) {
	for _, name := range []string{"", "Upper", "1st", "has-dash", "a;drop"} {
		if _, err := postgres.Open(context.Background(), "postgres://localhost/x", postgres.WithSchema(name)); err == nil {
			t.Errorf("schema %q accepted", name)
		}
	}
	for _, n := range []int{0, -1, 10001} {
		if _, err := postgres.Open(context.Background(), "postgres://localhost/x", postgres.WithMaxConns(n)); err == nil {
			t.Errorf("pool of %d accepted", n)
		}
	}
	if _, err := postgres.Open(context.Background(), "not a dsn ::"); err == nil {
		t.Error("a malformed DSN was accepted")
	}
}

func BenchmarkStore(b *testing.B) {
	dsn(b)
	storetest.Benchmark(b, func(tb testing.TB) store.Store {
		return open(tb, freshSchema(tb))
	})
}
