// Package sqlite is a store.Store in one SQLite file, in pure Go
// (modernc.org/sqlite, no cgo). Open creates the file when it is missing
// and applies the schema migrations it lacks (embedded, numbered, recorded
// in a schema_migrations table; shared with store/postgres); a file
// migrated by a newer version is refused.
//
// The database runs in WAL mode with foreign keys on. Writes go through a
// single connection that begins its transactions IMMEDIATE (taking the
// write lock at once, so two writers never deadlock on a lock upgrade);
// reads outside transactions go to a pool of read-only connections
// (WithReaders) and run beside a write. Transactions are serialisable. A
// statement waits up to the busy timeout (WithBusyTimeout) for a lock held
// by another process on the same file.
//
// With the default synchronous level, SyncFull, a commit is durable when
// it returns; SyncNormal trades the last commits on a power loss for
// speed, and still survives the process being killed. Either way a
// process killed in the middle of a transaction leaves the file at the
// last committed state: the package's crash test kills a child process
// mid-write and checks it.
//
// A Store is safe for concurrent use. Inside Store.Tx use only the tx
// given: the transaction holds the one writer connection, so a write
// through the Store itself would wait for it. See the store package for
// the roles, versions, transactions and iteration.
package sqlite
