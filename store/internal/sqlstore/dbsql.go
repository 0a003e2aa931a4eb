package sqlstore

import (
	"context"
	"database/sql"
)

// SQLDB is a DB over database/sql: a pool for writes (one connection, for
// a database with a single writer such as SQLite) and a pool for reads.
type SQLDB struct {
	Write *sql.DB
	Read  *sql.DB
}

// Reader returns the read pool.
func (d SQLDB) Reader() Querier { return sqlQuerier{d.Read} }

// Writer returns the write pool, for single statements.
func (d SQLDB) Writer() Querier { return sqlQuerier{d.Write} }

// Begin starts a transaction on the write pool.
func (d SQLDB) Begin(ctx context.Context) (Tx, error) {
	tx, err := d.Write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return sqlTx{tx}, nil
}

// Close closes both pools.
func (d SQLDB) Close() error {
	rerr := d.Read.Close()
	if err := d.Write.Close(); err != nil {
		return err
	}
	return rerr
}

type execQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type sqlQuerier struct{ q execQuerier }

// Exec runs a statement and returns the rows it changed.
func (q sqlQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Query runs a query.
func (q sqlQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

type sqlRows struct{ *sql.Rows }

// Close closes the rows; database/sql reports no error worth keeping.
func (r sqlRows) Close() { r.Rows.Close() }

type sqlTx struct{ tx *sql.Tx }

// Exec runs a statement in the transaction.
func (t sqlTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return sqlQuerier{t.tx}.Exec(ctx, query, args...)
}

// Query runs a query in the transaction.
func (t sqlTx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	return sqlQuerier{t.tx}.Query(ctx, query, args...)
}

// Commit commits the transaction.
func (t sqlTx) Commit(context.Context) error { return t.tx.Commit() }

// Rollback rolls the transaction back.
func (t sqlTx) Rollback(context.Context) error { return t.tx.Rollback() }
