package memstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/ordered"
	"github.com/secmgmt/secmgmt/store/internal/paging"
)

// pageSize is how many records an iterator copies under one lock.
const pageSize = 256

// Store is the in-memory store. The zero value is not usable: call New.
type Store struct {
	db *db
	tx *txState // nil outside a transaction
}

var _ store.Store = (*Store)(nil)

// db is the state the Store and its transactions share.
type db struct {
	mu     sync.RWMutex
	closed bool

	tenant *store.Tenant // nil: the default, version 0

	devices     map[string]*deviceRow
	deviceOrder ordered.Map[*deviceRow]

	groups     ordered.Map[*groupRow]
	groupByIdx []*groupRow // interned group numbers, for deviceRow.groups
	freeIdx    []uint32

	policies ordered.Map[*policyRow]

	// policyReports lists, per policy id, the devices whose latest report
	// has results for it.
	policyReports map[string]*ordered.Map[struct{}]

	changes []store.Change
	lastSeq int64

	audit    []store.AuditEntry
	auditSeq int64

	strings interner
}

// txState is one transaction: the undo log that rolls it back.
type txState struct {
	undo []func()
	done bool
}

// New returns an empty store.
func New() *Store {
	return &Store{db: &db{
		devices:       make(map[string]*deviceRow),
		policyReports: make(map[string]*ordered.Map[struct{}]),
		strings:       make(interner),
	}}
}

var errTxDone = fmt.Errorf("transaction is finished: %w", store.ErrClosed)

// rlock takes the read lock; in a transaction, which holds the write
// lock, it only checks that the transaction is still running.
func (s *Store) rlock(ctx context.Context) error { return s.acquire(ctx, false) }

func (s *Store) runlock() { s.release(false) }

// lock takes the write lock, or checks the transaction.
func (s *Store) lock(ctx context.Context) error { return s.acquire(ctx, true) }

func (s *Store) unlock() { s.release(true) }

func (s *Store) acquire(ctx context.Context, write bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.tx != nil {
		if s.tx.done {
			return errTxDone
		}
		return nil
	}
	if write {
		s.db.mu.Lock()
	} else {
		s.db.mu.RLock()
	}
	if s.db.closed {
		s.release(write)
		return store.ErrClosed
	}
	return nil
}

func (s *Store) release(write bool) {
	switch {
	case s.tx != nil:
	case write:
		s.db.mu.Unlock()
	default:
		s.db.mu.RUnlock()
	}
}

// onUndo records how to undo a change, when in a transaction. Outside one,
// every operation checks everything before it changes anything, so it
// needs no undo.
func (s *Store) onUndo(f func()) {
	if s.tx != nil {
		s.tx.undo = append(s.tx.undo, f)
	}
}

// rollback undoes the transaction's changes back to mark.
func (t *txState) rollback(mark int) {
	for i := len(t.undo) - 1; i >= mark; i-- {
		t.undo[i]()
		t.undo[i] = nil
	}
	t.undo = t.undo[:mark]
}

// Tx runs fn in a transaction: it holds the store's write lock throughout,
// so transactions are serialisable, and every other call waits for it.
// Calls on s (rather than tx) from inside fn would wait for fn: a deadlock.
func (s *Store) Tx(ctx context.Context, fn func(tx store.Store) error) (err error) {
	if s.tx != nil {
		return s.nested(ctx, fn)
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.db.mu.Unlock()
	t := &txState{}
	finished := false
	defer func() {
		t.done = true
		if !finished {
			t.rollback(0)
		}
	}()
	err = fn(&Store{db: s.db, tx: t})
	if err != nil {
		t.rollback(0)
	}
	finished = true
	return err
}

// nested runs fn inside the running transaction, rolling back only its
// own changes when it fails.
func (s *Store) nested(ctx context.Context, fn func(tx store.Store) error) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	mark := len(s.tx.undo)
	finished := false
	defer func() {
		if !finished {
			s.tx.rollback(mark)
		}
	}()
	err := fn(s)
	if err != nil {
		s.tx.rollback(mark)
	}
	finished = true
	return err
}

// Close releases the store's memory. Later calls return store.ErrClosed.
func (s *Store) Close() error {
	if s.tx != nil {
		return errors.New("memstore: Close inside a transaction")
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if s.db.closed {
		return nil
	}
	s.db.closed = true
	s.db.tenant = nil
	s.db.devices = nil
	s.db.deviceOrder.Clear()
	s.db.groups.Clear()
	s.db.groupByIdx, s.db.freeIdx = nil, nil
	s.db.policies.Clear()
	s.db.policyReports = nil
	s.db.changes = nil
	s.db.audit = nil
	s.db.strings = nil
	return nil
}

// pages builds an iterator that fetches each page under the read lock
// and yields it outside the lock, so that the caller may call the store
// between items.
func pages[T, C any](s *Store, ctx context.Context, cursor C, fetch func(cursor C) ([]T, C, bool, error)) iter.Seq2[T, error] {
	return paging.Pages(cursor, func(cursor C) ([]T, C, bool, error) {
		if err := s.rlock(ctx); err != nil {
			return nil, cursor, false, err
		}
		defer s.runlock()
		return fetch(cursor)
	})
}
