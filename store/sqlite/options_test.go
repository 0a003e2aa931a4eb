package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/store/sqlite"
)

func TestOptions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	bad := map[string][]sqlite.Option{
		"no readers":        {sqlite.WithReaders(0)},
		"negative timeout":  {sqlite.WithBusyTimeout(-time.Second)},
		"unknown sync mode": {sqlite.WithSynchronous("OFF")},
	}
	for name, opts := range bad {
		if _, err := sqlite.Open(path, opts...); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
	for _, p := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro", "x#y"} {
		if _, err := sqlite.Open(p); err == nil {
			t.Errorf("path %q: opened", p)
		}
	}
	s, err := sqlite.Open(path, sqlite.WithReaders(1), sqlite.WithBusyTimeout(0), sqlite.WithSynchronous(sqlite.SyncNormal))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Path() != path {
		t.Errorf("Path = %q", s.Path())
	}
}

// TestNewerSchemaRefused: a file migrated by a newer version is not
// opened, and not changed.
func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(context.Background(), "INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = sqlite.Open(path)
	if err == nil || !strings.Contains(err.Error(), "schema version 99") {
		t.Fatalf("open of a newer file: %v", err)
	}
}

// TestMigrationsOnce: opening a migrated file applies nothing again.
func TestMigrationsOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	for range 3 {
		s, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, last int
	if err := db.QueryRow("SELECT COUNT(*), MAX(version) FROM schema_migrations").Scan(&n, &last); err != nil || n != last || n < 1 {
		t.Fatalf("%d migrations recorded up to version %d, %v", n, last, err)
	}
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal mode %q, %v", mode, err)
	}
}
