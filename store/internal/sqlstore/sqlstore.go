// Package sqlstore is the store.Store of the SQL backends: one
// implementation over a small database interface, with what differs
// between SQLite and PostgreSQL isolated in a Dialect. store/sqlite and
// store/postgres only open their database and pick their dialect.
//
// Writes are optimistic: a versioned write is one conditional statement
// (INSERT ... ON CONFLICT DO NOTHING to create, UPDATE ... WHERE version =
// the version read to replace), whose count of rows tells success from
// conflict; a read-then-write (a status report against the latest one)
// locks the row it read (Dialect.ForUpdate). Every write outside Store.Tx
// runs in a transaction of its own; nested transactions are savepoints.
package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/codec"
)

// Querier runs statements: a connection pool or a transaction.
type Querier interface {
	// Exec runs a statement and returns the number of rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// Query runs a query.
	Query(ctx context.Context, query string, args ...any) (Rows, error)
}

// Rows is a query's result.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Tx is a database transaction.
type Tx interface {
	Querier
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// DB is a database: where reads outside a transaction go, and where
// transactions begin.
type DB interface {
	// Reader runs reads outside transactions.
	Reader() Querier
	// Writer runs a single statement outside a transaction, atomic on its
	// own.
	Writer() Querier
	// Begin starts a transaction for writing.
	Begin(ctx context.Context) (Tx, error)
	Close() error
}

// Dialect is what differs between the SQL databases.
type Dialect struct {
	// Name names the database in errors.
	Name string
	// Types replaces the {{placeholders}} of the migrations.
	Types map[string]string
	// QuestionMarks rewrites the $1, $2 ... placeholders of the queries as
	// ?1, ?2 ...
	QuestionMarks bool
	// ForUpdate ends a SELECT that reads a row to change it: a row lock
	// where writers run concurrently, "" where they are serialised.
	ForUpdate string
	// PrepareMigrations run first in the migration transaction: a lock, so
	// that processes opening the database together migrate it once, and
	// whatever the tables need to exist.
	PrepareMigrations []string
	// Classify maps a database error to the store's sentinel errors:
	// it returns store.ErrNotFound for a foreign key violation,
	// store.ErrConflict for a unique violation or a transaction aborted for
	// a concurrent one, and nil otherwise.
	Classify func(error) error
}

// Rebind rewrites a query's placeholders for the dialect.
func (d *Dialect) Rebind(q string) string {
	if !d.QuestionMarks || !strings.Contains(q, "$") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q))
	for i := 0; i < len(q); i++ {
		if q[i] == '$' && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
			b.WriteByte('?')
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// pageSize is how many rows an iterator reads per query.
const pageSize = 256

// Store is a store.Store over a SQL database.
type Store struct {
	sh *shared
	tx *txState // nil outside a transaction
}

var _ store.Store = (*Store)(nil)

type shared struct {
	db      DB
	d       *Dialect
	closed  atomic.Bool
	queries sync.Map // query text as written -> rebound
}

// txState is one running transaction.
type txState struct {
	tx   Tx
	done bool
	// savepoints counts the nested transactions open.
	savepoints int
}

// Open migrates the database and returns a store over it. The store closes
// db when it is closed; db is closed too when Open fails.
func Open(ctx context.Context, db DB, d *Dialect) (*Store, error) {
	if err := migrate(ctx, db, d); err != nil {
		db.Close()
		return nil, err
	}
	return &Store{sh: &shared{db: db, d: d}}, nil
}

var errTxDone = fmt.Errorf("transaction is finished: %w", store.ErrClosed)

// sql returns a query rebound for the dialect, from a cache.
func (s *Store) sql(q string) string {
	if v, ok := s.sh.queries.Load(q); ok {
		return v.(string)
	}
	r := s.sh.d.Rebind(q)
	s.sh.queries.Store(q, r)
	return r
}

// reader returns where a read goes: the transaction, or the pool.
func (s *Store) reader(ctx context.Context) (Querier, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.tx != nil {
		if s.tx.done {
			return nil, errTxDone
		}
		return s.tx.tx, nil
	}
	if s.sh.closed.Load() {
		return nil, store.ErrClosed
	}
	return s.sh.db.Reader(), nil
}

// read runs fn on the reader.
func (s *Store) read(ctx context.Context, fn func(q Querier) error) error {
	q, err := s.reader(ctx)
	if err != nil {
		return err
	}
	return s.fail(fn(q))
}

// writeOne runs fn, which runs one statement, in the transaction, or on
// its own: a single statement is atomic without a transaction around it,
// and saves the round trips of one.
func (s *Store) writeOne(ctx context.Context, fn func(q Querier) error) error {
	if s.tx != nil {
		return s.write(ctx, fn)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.sh.closed.Load() {
		return store.ErrClosed
	}
	return s.fail(fn(s.sh.db.Writer()))
}

// write runs fn in the transaction, or in a transaction of its own.
func (s *Store) write(ctx context.Context, fn func(q Querier) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.tx != nil {
		if s.tx.done {
			return errTxDone
		}
		return s.fail(fn(s.tx.tx))
	}
	if s.sh.closed.Load() {
		return store.ErrClosed
	}
	tx, err := s.sh.db.Begin(ctx)
	if err != nil {
		return s.fail(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return s.fail(err)
	}
	return s.fail(tx.Commit(ctx))
}

// fail maps a database error to the store's errors, keeping the
// database's error wrapped for its details.
func (s *Store) fail(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict),
		errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrClosed),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case s.sh.closed.Load():
		return fmt.Errorf("%w (%v)", store.ErrClosed, err)
	}
	if c := s.sh.d.Classify(err); c != nil {
		return fmt.Errorf("%s: %w: %w", s.sh.d.Name, c, err)
	}
	return fmt.Errorf("%s: %w", s.sh.d.Name, err)
}

// Tx runs fn in a database transaction; nested calls use savepoints.
func (s *Store) Tx(ctx context.Context, fn func(tx store.Store) error) (err error) {
	if s.tx != nil {
		return s.nested(ctx, fn)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.sh.closed.Load() {
		return store.ErrClosed
	}
	tx, err := s.sh.db.Begin(ctx)
	if err != nil {
		return s.fail(err)
	}
	t := &txState{tx: tx}
	finished := false
	defer func() {
		if !finished {
			tx.Rollback(context.WithoutCancel(ctx))
		}
		t.done = true
	}()
	if err := fn(&Store{sh: s.sh, tx: t}); err != nil {
		return err
	}
	finished = true
	return s.fail(tx.Commit(ctx))
}

// nested runs fn in a savepoint of the running transaction.
func (s *Store) nested(ctx context.Context, fn func(tx store.Store) error) error {
	if s.tx.done {
		return errTxDone
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.tx.savepoints++
	name := "sp" + strconv.Itoa(s.tx.savepoints)
	defer func() { s.tx.savepoints-- }()
	if _, err := s.tx.tx.Exec(ctx, "SAVEPOINT "+name); err != nil {
		return s.fail(err)
	}
	finished := false
	rollback := func() {
		c := context.WithoutCancel(ctx)
		s.tx.tx.Exec(c, "ROLLBACK TO SAVEPOINT "+name)
		s.tx.tx.Exec(c, "RELEASE SAVEPOINT "+name)
	}
	defer func() {
		if !finished {
			rollback()
		}
	}()
	if err := fn(s); err != nil {
		finished = true
		rollback()
		return err
	}
	finished = true
	_, err := s.tx.tx.Exec(ctx, "RELEASE SAVEPOINT "+name)
	return s.fail(err)
}

// Close closes the database. Calls after it return store.ErrClosed.
func (s *Store) Close() error {
	if s.tx != nil {
		return errors.New("sqlstore: Close inside a transaction")
	}
	if s.sh.closed.Swap(true) {
		return nil
	}
	return s.sh.db.Close()
}

// errNoRows is queryRow's answer when the query returns no row.
var errNoRows = errors.New("sqlstore: no rows")

// queryRow runs a query and scans its first row; errNoRows when there is
// none.
func queryRow(ctx context.Context, q Querier, query string, args []any, dest ...any) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return errNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Err()
}

// row is queryRow on the store's rebound query.
func (s *Store) row(ctx context.Context, q Querier, query string, args []any, dest ...any) error {
	return queryRow(ctx, q, s.sql(query), args, dest...)
}

// exec runs a rebound statement.
func (s *Store) exec(ctx context.Context, q Querier, query string, args ...any) (int64, error) {
	return q.Exec(ctx, s.sql(query), args...)
}

// exists reports whether a row with the key is in the table.
func (s *Store) exists(ctx context.Context, q Querier, table, keyColumn, key string) (bool, error) {
	var one int64
	err := s.row(ctx, q, "SELECT 1 FROM "+table+" WHERE "+keyColumn+" = $1", []any{key}, &one)
	if errors.Is(err, errNoRows) {
		return false, nil
	}
	return err == nil, err
}

// version returns the version stored with a key, and whether there is one.
func (s *Store) version(ctx context.Context, q Querier, table, versionColumn, key string) (int64, bool, error) {
	var v int64
	err := s.row(ctx, q, "SELECT "+versionColumn+" FROM "+table+" WHERE id = $1", []any{key}, &v)
	if errors.Is(err, errNoRows) {
		return 0, false, nil
	}
	return v, err == nil, err
}

// putVersioned creates (version 0) or replaces a (id, doc, version) row.
// parent, when set, is a table the key must exist in first ("devices").
func (s *Store) putVersioned(ctx context.Context, q Querier, table, record, key string, doc []byte, version int64, parent string) (int64, error) {
	if version == 0 {
		var n int64
		var err error
		if parent == "" {
			n, err = s.exec(ctx, q, "INSERT INTO "+table+" (id, doc, version) VALUES ($1, $2, 1) ON CONFLICT (id) DO NOTHING", key, string(doc))
		} else {
			n, err = s.exec(ctx, q, "INSERT INTO "+table+" (id, doc, version) SELECT id, $2, 1 FROM "+parent+" WHERE id = $1 ON CONFLICT (id) DO NOTHING", key, string(doc))
		}
		if err != nil || n == 1 {
			return 1, err
		}
		if parent != "" {
			ok, err := s.exists(ctx, q, parent, "id", key)
			if err != nil {
				return 0, err
			}
			if !ok {
				return 0, codec.NotFound(strings.TrimSuffix(parent, "s"), key)
			}
		}
		stored, _, err := s.version(ctx, q, table, "version", key)
		if err != nil {
			return 0, err
		}
		return 0, codec.Conflict(record, key, 0, stored)
	}
	n, err := s.exec(ctx, q, "UPDATE "+table+" SET doc = $2, version = version + 1 WHERE id = $1 AND version = $3", key, string(doc), version)
	if err != nil || n == 1 {
		return version + 1, err
	}
	return 0, s.missOrConflict(ctx, q, table, "version", record, key, version)
}

// missOrConflict tells why a conditional write changed no row.
func (s *Store) missOrConflict(ctx context.Context, q Querier, table, versionColumn, record, key string, version int64) error {
	stored, ok, err := s.version(ctx, q, table, versionColumn, key)
	switch {
	case err != nil:
		return err
	case !ok:
		return codec.NotFound(record, key)
	}
	return codec.Conflict(record, key, version, stored)
}

// deleteVersioned deletes a (id, doc, version) row at a version.
func (s *Store) deleteVersioned(ctx context.Context, q Querier, table, record, key string, version int64) error {
	n, err := s.exec(ctx, q, "DELETE FROM "+table+" WHERE id = $1 AND version = $2", key, version)
	if err != nil || n == 1 {
		return err
	}
	return s.missOrConflict(ctx, q, table, "version", record, key, version)
}

// getVersioned reads a (id, doc, version) row.
func (s *Store) getVersioned(ctx context.Context, q Querier, table, record, key string) ([]byte, int64, error) {
	var doc []byte
	var v int64
	err := s.row(ctx, q, "SELECT doc, version FROM "+table+" WHERE id = $1", []any{key}, &doc, &v)
	if errors.Is(err, errNoRows) {
		return nil, 0, codec.NotFound(record, key)
	}
	return doc, v, err
}
