package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/sqlite"
)

// Open a SQLite file, write, close, and open it again: nothing is lost.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "secmgmt")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "secmgmt.db")
	ctx := context.Background()

	s, err := sqlite.Open(path, sqlite.WithReaders(2), sqlite.WithBusyTimeout(time.Second), sqlite.WithSynchronous(sqlite.SyncNormal))
	if err != nil {
		panic(err)
	}
	if _, err := s.PutDevice(ctx, &store.Device{ID: "d1"}); err != nil {
		panic(err)
	}
	s.Close()

	s, err = sqlite.Open(path)
	if err != nil {
		panic(err)
	}
	defer s.Close()
	d, err := s.Device(ctx, "d1")
	fmt.Println(d.ID, d.Version, err)
	// Output: d1 1 <nil>
}
