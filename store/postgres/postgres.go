package postgres

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/sqlstore"
)

// Store is a store.Store in a PostgreSQL schema.
type Store struct {
	store.Store
	schema string
}

// Schema returns the schema the store's tables are in.
func (s *Store) Schema() string { return s.schema }

// Option configures Open.
type Option func(*config) error

type config struct {
	schema   string
	maxConns int32
}

// schemaName is what WithSchema accepts: a plain lower-case identifier.
var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// WithSchema puts the store's tables in a schema of their own (created if
// missing), e.g. one per tenant. The default is "public".
func WithSchema(name string) Option {
	return func(c *config) error {
		if !schemaName.MatchString(name) {
			return fmt.Errorf("postgres: schema %q: want lower-case letters, digits and _, not starting with a digit", name)
		}
		c.schema = name
		return nil
	}
}

// WithMaxConns sets the size of the connection pool (default: the DSN's
// pool_max_conns, else the greater of 4 and the number of CPUs).
func WithMaxConns(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 10000 {
			return fmt.Errorf("postgres: pool of %d connections", n)
		}
		c.maxConns = int32(n)
		return nil
	}
}

func classify(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return nil
	}
	switch pe.Code {
	case "23503": // foreign_key_violation
		return store.ErrNotFound
	case "23505", "40001", "40P01": // unique_violation, serialization_failure, deadlock_detected
		return store.ErrConflict
	}
	return nil
}

// Open connects to the database at dsn (a PostgreSQL URL or key=value
// string), creates the schema if needed, applies the migrations it lacks
// and returns a store over it.
//
// Several processes may open the same database and schema at once: the
// migrations run under an advisory lock, once.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	cfg := config{schema: "public"}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pc.ConnConfig.RuntimeParams["search_path"] = cfg.schema
	if cfg.maxConns > 0 {
		pc.MaxConns = cfg.maxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	quoted := pgx.Identifier{cfg.schema}.Sanitize()
	d := &sqlstore.Dialect{
		Name:      "postgres",
		Types:     map[string]string{"key": `TEXT COLLATE "C"`, "blob": "BYTEA", "serial": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"},
		ForUpdate: " FOR UPDATE",
		PrepareMigrations: []string{
			// The schema name is checked by WithSchema: safe to quote in.
			fmt.Sprintf("SELECT pg_advisory_xact_lock(hashtext('secmgmt store migrations %s'))", cfg.schema),
			"CREATE SCHEMA IF NOT EXISTS " + quoted,
		},
		Classify: classify,
	}
	s, err := sqlstore.Open(ctx, &db{pool}, d)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &Store{Store: s, schema: cfg.schema}, nil
}

// db adapts a pgx pool to the SQL store.
type db struct{ pool *pgxpool.Pool }

// Reader returns the pool: reads outside transactions.
func (d *db) Reader() sqlstore.Querier { return querier{d.pool} }

// Writer returns the pool: single statements run in transactions of their
// own.
func (d *db) Writer() sqlstore.Querier { return querier{d.pool} }

// Begin starts a READ COMMITTED transaction.
func (d *db) Begin(ctx context.Context) (sqlstore.Tx, error) {
	tx, err := d.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return nil, err
	}
	return txn{querier{tx}, tx}, nil
}

// Close closes the pool.
func (d *db) Close() error {
	d.pool.Close()
	return nil
}

type pgxQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

type querier struct{ q pgxQuerier }

// Exec runs a statement and returns the rows it changed.
func (q querier) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := q.q.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

// Query runs a query.
func (q querier) Query(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
	return q.q.Query(ctx, sql, args...)
}

type txn struct {
	querier
	tx pgx.Tx
}

// Commit commits the transaction.
func (t txn) Commit(ctx context.Context) error { return t.tx.Commit(ctx) }

// Rollback rolls the transaction back.
func (t txn) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }
