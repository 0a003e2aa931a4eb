package secmgmt

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/memstore"
	"github.com/secmgmt/secmgmt/transport"
)

// Service is the security settings management service: the administrator's
// operations (tenant, policies, groups, assignments, devices), the device
// operations (onboarding and the enrollment events, check-in, status
// reports, policy sync) and the reports, over one store.
//
// Every method is safe for concurrent use. See the package documentation
// for the flow, the concurrency model and how several instances share a
// store.
type Service struct {
	st        store.Store
	ownsStore bool
	catalog   *policy.Catalog
	merger    *conflict.Merger
	clock     Clock
	log       *slog.Logger
	rnd       *lockedSource
	cfg       config

	// mu guards state: readers (check-ins, reports, queries) share it,
	// writers (administrative changes, enrollment events, applying the
	// change feed) hold it alone.
	mu    sync.RWMutex
	state *state

	// seq is the last change of the store's feed applied to state; it is
	// written under mu and read without it.
	seq atomic.Int64
	// lastLook is when the feed was last looked at (UnixNano), for
	// WithSyncInterval.
	lastLook atomic.Int64
	// trimmed is the feed position through which this instance last
	// trimmed the feed (WithChangeFeedRetention); s.mu guards it.
	trimmed int64

	cache    *configCache
	checkIns *checkInLog
	gens     atomic.Uint64 // generations of policy entries
	syncs    *syncBoard
	stats    counters

	closed atomic.Bool
}

// New returns a service configured by the options; see the With...
// functions for the defaults. With a store that already holds state (a
// persistent store after a restart, or one that other instances share), New
// rebuilds its in-memory state from it: the membership index from the
// devices and groups, the policies and assignments, the enrollment records
// and credentials. Effective configurations are computed again lazily, at
// each device's next check-in.
func New(opts ...Option) (*Service, error) {
	c := config{cacheSize: 4096, feedRetention: defaultFeedRetention}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	if c.store == nil {
		c.store, c.ownsStore = memstore.New(), true
	}
	if c.clock == nil {
		c.clock = systemClock{}
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.catalog == nil {
		c.catalog = policy.Builtin()
	}
	if c.authorizer == nil {
		c.authorizer = authz.DenyAll()
	}
	if c.rand == nil {
		var seed [16]byte
		if _, err := io.ReadFull(crand.Reader, seed[:]); err != nil {
			return nil, fmt.Errorf("secmgmt: seeding the random source: %w", err)
		}
		c.rand = rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:]))
	}
	var mopts []conflict.Option
	if c.resolver != nil {
		mopts = append(mopts, conflict.WithResolver(c.resolver))
	}
	merger, err := conflict.New(c.catalog, mopts...)
	if err != nil {
		return nil, fmt.Errorf("secmgmt: %w", err)
	}
	s := &Service{
		st:        c.store,
		ownsStore: c.ownsStore,
		catalog:   c.catalog,
		merger:    merger,
		clock:     c.clock,
		log:       c.logger,
		rnd:       &lockedSource{src: c.rand},
		cfg:       c,
		cache:     newConfigCache(c.cacheSize),
		syncs:     newSyncBoard(),
	}
	flush := c.checkInFlush
	if !c.checkInFlushSet {
		if _, mem := c.store.(*memstore.Store); !mem {
			flush = defaultCheckInFlush
		}
	}
	s.checkIns = newCheckInLog(c.store, c.logger, flush)
	ctx := context.Background()
	err = s.reload(ctx)
	if err == nil && c.modeSet {
		err = s.initMode(ctx, c.mode)
	}
	if err != nil {
		s.checkIns.close()
		s.closeStore()
		return nil, err
	}
	return s, nil
}

// initMode writes the tenant's initial mode into a store that holds no
// tenant configuration yet.
func (s *Service) initMode(ctx context.Context, m enrollment.Mode) error {
	s.mu.RLock()
	version, mode := s.state.tenantVer, s.state.tenant.Mode
	s.mu.RUnlock()
	if version != 0 || mode == m {
		return nil
	}
	return s.write(ctx, "New", func(w *txn) error {
		cur, err := w.tx.Tenant(ctx)
		if err != nil {
			return err
		}
		if cur.Version != 0 {
			return nil // another instance wrote one meanwhile
		}
		cur.Config.Mode = m
		if _, err := w.tx.PutTenant(ctx, cur); err != nil {
			return err
		}
		w.changed(changeTenant)
		return nil
	})
}

// Close releases the service: waiting policy-sync requests end with
// ErrClosed, check-ins not yet written are written, and later calls return
// ErrClosed. The default in-memory store is closed with it; a store given
// with WithStore is left to its owner. Close can be called more than once.
func (s *Service) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.syncs.close()
	return errors.Join(s.checkIns.close(), s.closeStore())
}

func (s *Service) closeStore() error {
	if s.ownsStore {
		return s.st.Close()
	}
	return nil
}

// Store returns the store the service keeps its state in, for programs
// that read it directly. Writing to it behind the service's back leaves
// the service's in-memory state stale until the next restart: go through
// the service.
func (s *Service) Store() store.Store { return s.st }

// Catalog returns the catalog the service validates and merges policies
// with.
func (s *Service) Catalog() *policy.Catalog { return s.catalog }

// Stats are counters of what the service did since it started.
type Stats struct {
	// CheckIns counts answered check-ins; NotModified those answered "not
	// modified".
	CheckIns, NotModified uint64
	// Recomputations counts the effective configurations a device had to
	// have computed again (its cached one was invalidated, or it had
	// none); Merges the merges that needed, the rest being shared with
	// devices whose merge has the same inputs.
	Recomputations, Merges uint64
	// StatusReports counts accepted status reports.
	StatusReports uint64
	// FeedChanges counts changes of the store's change feed applied,
	// including the service's own.
	FeedChanges uint64
	// Reloads counts full rebuilds of the in-memory state from the store
	// (one at start, then one after each failed write).
	Reloads uint64
}

type counters struct {
	checkIns, notModified, recomputations, merges, reports, feed, reloads atomic.Uint64
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	return Stats{
		CheckIns:       s.stats.checkIns.Load(),
		NotModified:    s.stats.notModified.Load(),
		Recomputations: s.stats.recomputations.Load(),
		Merges:         s.stats.merges.Load(),
		StatusReports:  s.stats.reports.Load(),
		FeedChanges:    s.stats.feed.Load(),
		Reloads:        s.stats.reloads.Load(),
	}
}

// adminOp names an administrative operation at the choke point.
type adminOp string

// device is the check every device request passes first.
func (s *Service) device(ctx context.Context) error {
	if s.closed.Load() {
		return fmt.Errorf("%w: %w", transport.ErrUnauthenticated, ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.look(ctx)
}

// lockedSource serialises a rand.Source.
type lockedSource struct {
	mu  sync.Mutex
	src rand.Source
}

// Uint64 draws from the source.
func (l *lockedSource) Uint64() uint64 {
	l.mu.Lock()
	v := l.src.Uint64()
	l.mu.Unlock()
	return v
}

// newID returns a new lower-case GUID-shaped id drawn from the service's
// random source.
func (s *Service) newID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], s.rnd.Uint64())
	binary.BigEndian.PutUint64(b[8:], s.rnd.Uint64())
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// canonicalID is the form ids of devices and groups are kept in: lower
// case, as the directory compares them case-insensitively.
func canonicalID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }

// now reads the clock.
func (s *Service) now() time.Time { return s.clock.Now() }
