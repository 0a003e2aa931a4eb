package storetest_test

import (
	"path/filepath"
	"testing"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/memstore"
	"github.com/secmgmt/secmgmt/store/sqlite"
	"github.com/secmgmt/secmgmt/store/storetest"
)

// A backend's conformance test is a few lines. A persistent backend adds
// WithReopen.
func ExampleRun() {
	_ = func(t *testing.T) {
		storetest.Run(t, func(tb testing.TB) store.Store {
			s := memstore.New()
			tb.Cleanup(func() { s.Close() })
			return s
		})
	}
}

// A persistent backend's test: WithReopen opens the closed store's data
// again, and the kit checks that nothing was lost.
func ExampleWithReopen() {
	_ = func(t *testing.T) {
		open := func(tb testing.TB, path string) store.Store {
			s, err := sqlite.Open(path)
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { s.Close() })
			return s
		}
		storetest.Run(t, func(tb testing.TB) store.Store {
			return open(tb, filepath.Join(tb.TempDir(), "test.db"))
		}, storetest.WithReopen(func(tb testing.TB, closed store.Store) store.Store {
			return open(tb, closed.(*sqlite.Store).Path())
		}))
	}
}

// The same backend's benchmarks.
func ExampleBenchmark() {
	_ = func(b *testing.B) {
		storetest.Benchmark(b, func(tb testing.TB) store.Store {
			s := memstore.New()
			tb.Cleanup(func() { s.Close() })
			return s
		})
	}
}
