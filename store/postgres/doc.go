// Package postgres is a store.Store in PostgreSQL, through pgx (a
// pgxpool connection pool), with the schema and migrations of store/sqlite
// (numbered, embedded, applied on open under an advisory lock, so several
// processes may open the database together). Keys use the "C" collation,
// so that iteration is bytewise as in every backend.
//
// Several service instances on different machines can share one database
// and stay consistent:
//
//   - Transactions run at READ COMMITTED. Versioned writes are single
//     conditional statements (INSERT ... ON CONFLICT DO NOTHING to create,
//     UPDATE ... WHERE version = the version read to replace), so
//     concurrent writers of one record cannot both succeed: the loser gets
//     store.ErrConflict. A write that depends on a read (a device's latest
//     status report) locks the row it read (SELECT ... FOR UPDATE).
//   - A transaction the database aborts for a concurrent one (serialisation
//     failure, deadlock) is store.ErrConflict too: retry it.
//   - The change feed's sequence numbers come from a one-row counter
//     updated in the appending transaction, whose row lock is held until
//     commit: numbers are handed out in commit order, and a reader that
//     reads the changes after the last number it saw never skips one. (A
//     PostgreSQL sequence would not do: a transaction can take number 5,
//     another 6 and commit first, and a reader at 6 would never see 5.)
//     Appenders serialise from their append to their commit: append last.
//
// Reads inside a transaction see each statement's committed data and the
// transaction's own writes; they are not a snapshot. The store's own
// conditions (not found, version conflict, a duplicate report) never fail
// a statement, so a transaction goes on after them; a database error does
// abort the transaction in PostgreSQL, and the function given to Tx should
// return it. WithSchema puts the
// tables in a schema of their own (one per tenant, or per test); Open
// creates it. The tests run when SECMGMT_POSTGRES_DSN names a database,
// each in a fresh schema dropped afterwards, and skip otherwise.
//
// A Store is safe for concurrent use. See the store package for the roles,
// versions, transactions and iteration.
package postgres
