package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/sqlite"
	"github.com/secmgmt/secmgmt/store/storetest"
)

// open opens a store at path, closed at the end of the test.
func open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t testing.TB) store.Store {
		return open(t, filepath.Join(t.TempDir(), "secmgmt.db"))
	}, storetest.WithReopen(func(t testing.TB, closed store.Store) store.Store {
		return open(t, closed.(*sqlite.Store).Path())
	}), storetest.WithShared(func(t testing.TB, s store.Store) store.Store {
		return open(t, s.(*sqlite.Store).Path())
	}))
}

func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, func(tb testing.TB) store.Store {
		return open(tb, filepath.Join(tb.TempDir(), "secmgmt.db"))
	})
}

// BenchmarkStoreSyncNormal is BenchmarkStore with SyncNormal: commits
// without waiting for the disk.
func BenchmarkStoreSyncNormal(b *testing.B) {
	storetest.Benchmark(b, func(tb testing.TB) store.Store {
		s, err := sqlite.Open(filepath.Join(tb.TempDir(), "secmgmt.db"), sqlite.WithSynchronous(sqlite.SyncNormal))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { s.Close() })
		return s
	})
}
