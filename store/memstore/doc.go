// Package memstore is the default store.Store: everything in memory, no
// setup, nothing kept after the process ends.
//
// # Transactions and concurrency
//
// A Store is safe for concurrent use. Reads share a read lock; a write
// takes the write lock for the time of the write. Store.Tx holds the write
// lock for the whole transaction, so transactions are serialisable and
// every other call waits while one runs: keep them short, and inside one
// use only the tx it is given (a call on the Store itself would wait for
// the transaction, forever). A transaction rolls back through an undo log.
// Nested transactions roll back to where they began.
//
// Iterators copy a page of records under the read lock and yield them
// outside it; an iteration is not a snapshot of the whole set, but every
// record it yields is one that was committed, in key order, once.
//
// # Memory
//
// Records are kept decoded, as the SQL backends read them back (the same
// checks and the same canonical form, from a shared codec), so that every
// backend returns the same values. Device rows hold everything about a
// device (record, enrollment, history, status report, credential,
// check-in) to need a single lookup; group memberships are a small sorted
// array of interned group numbers per device and a sorted set of device
// ids per group. Low-cardinality strings of device records (OS, versions,
// manufacturer, ...) are interned. BENCHMARKS.md records the bytes per
// device.
package memstore
