package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/sqlstore"
)

// Store is a store.Store in one SQLite file.
type Store struct {
	store.Store
	path string
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Synchronous is how hard SQLite makes sure a commit is on disk (its
// synchronous pragma).
type Synchronous string

// Synchronous levels.
const (
	// SyncFull: a commit is durable when it returns, through a power loss.
	// The default.
	SyncFull Synchronous = "FULL"
	// SyncNormal: in WAL mode a commit survives the process being killed,
	// but the last commits may be lost when the machine loses power. Faster.
	SyncNormal Synchronous = "NORMAL"
)

// Valid reports whether s is a declared level.
func (s Synchronous) Valid() bool { return s == SyncFull || s == SyncNormal }

// Option configures Open.
type Option func(*config) error

type config struct {
	readers     int
	busyTimeout time.Duration
	sync        Synchronous
}

// WithReaders sets how many connections serve reads outside transactions
// (default 4). Writes always go through one connection.
func WithReaders(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("sqlite: %d readers: want at least 1", n)
		}
		c.readers = n
		return nil
	}
}

// WithBusyTimeout sets how long a statement waits for a lock another
// process holds on the file (default 5 s).
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("sqlite: negative busy timeout %v", d)
		}
		c.busyTimeout = d
		return nil
	}
}

// WithSynchronous sets the synchronous level (default SyncFull).
func WithSynchronous(s Synchronous) Option {
	return func(c *config) error {
		if !s.Valid() {
			return fmt.Errorf("sqlite: unknown synchronous level %q", string(s))
		}
		c.sync = s
		return nil
	}
}

// dialect is SQLite's SQL.
var dialect = &sqlstore.Dialect{
	Name:          "sqlite",
	Types:         map[string]string{"key": "TEXT", "blob": "BLOB", "serial": "INTEGER PRIMARY KEY"},
	QuestionMarks: true,
	Classify:      classify,
}

func classify(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return store.ErrNotFound
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return store.ErrConflict
	}
	return nil
}

// Open opens, or creates, the database file at path, applies the schema
// migrations it lacks, and returns a store over it.
func Open(path string, opts ...Option) (*Store, error) {
	cfg := config{readers: 4, busyTimeout: 5 * time.Second, sync: SyncFull}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: %q: want the path of a file, without ? or #", path)
	}
	common := url.Values{}
	common.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.busyTimeout.Milliseconds()))
	common.Add("_pragma", "foreign_keys(1)")
	w := url.Values{"_txlock": {"immediate"}}
	w.Add("_pragma", "journal_mode(WAL)")
	w.Add("_pragma", "synchronous("+string(cfg.sync)+")")
	r := url.Values{}
	r.Add("_pragma", "query_only(1)")
	for k, vs := range common {
		w[k] = append(w[k], vs...)
		r[k] = append(r[k], vs...)
	}
	writer, err := sql.Open("sqlite", path+"?"+w.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	// The writer connection comes first: it turns on WAL mode, which the
	// readers need.
	if err := writer.PingContext(context.Background()); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	readers, err := sql.Open("sqlite", path+"?"+r.Encode())
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	readers.SetMaxOpenConns(cfg.readers)
	readers.SetMaxIdleConns(cfg.readers)
	readers.SetConnMaxLifetime(0)
	readers.SetConnMaxIdleTime(0)
	s, err := sqlstore.Open(context.Background(), sqlstore.SQLDB{Write: writer, Read: readers}, dialect)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return &Store{Store: s, path: path}, nil
}
