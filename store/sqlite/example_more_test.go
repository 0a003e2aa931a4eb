package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/secmgmt/secmgmt/store/sqlite"
)

// tempDB returns the path of a database file in a new temporary directory
// and a function that removes the directory.
func tempDB() (string, func()) {
	dir, err := os.MkdirTemp("", "secmgmt")
	if err != nil {
		log.Fatal(err)
	}
	return filepath.Join(dir, "secmgmt.db"), func() { os.RemoveAll(dir) }
}

func ExampleStore_Path() {
	path, cleanup := tempDB()
	defer cleanup()
	s, err := sqlite.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	fmt.Println(filepath.Base(s.Path()), s.Path() == path)
	// Output: secmgmt.db true
}

// A service with many devices reading at once gets more reader
// connections; writes always go through one.
func ExampleWithReaders() {
	path, cleanup := tempDB()
	defer cleanup()
	s, err := sqlite.Open(path, sqlite.WithReaders(8))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	n, err := s.CountDevices(context.Background())
	fmt.Println(n, err)

	_, err = sqlite.Open(path, sqlite.WithReaders(0))
	fmt.Println(err)
	// Output:
	// 0 <nil>
	// sqlite: 0 readers: want at least 1
}

// Another process holding the file's lock is waited for this long.
func ExampleWithBusyTimeout() {
	path, cleanup := tempDB()
	defer cleanup()
	s, err := sqlite.Open(path, sqlite.WithBusyTimeout(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	_, err = sqlite.Open(path, sqlite.WithBusyTimeout(-time.Second))
	fmt.Println(err)
	// Output: sqlite: negative busy timeout -1s
}

// SyncNormal trades the last transactions before a power loss for faster
// commits; SyncFull, the default, loses nothing committed.
func ExampleWithSynchronous() {
	path, cleanup := tempDB()
	defer cleanup()
	s, err := sqlite.Open(path, sqlite.WithSynchronous(sqlite.SyncNormal))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	_, err = sqlite.Open(path, sqlite.WithSynchronous("sometimes"))
	fmt.Println(err)
	// Output: sqlite: unknown synchronous level "sometimes"
}
