package secmgmt

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/store"
)

// Option configures New.
type Option func(*config) error

// config is what the options set; New fills in the defaults first.
type config struct {
	store           store.Store
	clock           Clock
	logger          *slog.Logger
	catalog         *policy.Catalog
	mode            enrollment.Mode
	modeSet         bool
	rand            rand.Source
	quota           int
	syncEvery       time.Duration
	registrar       enrollment.Registrar
	resolver        conflict.Resolver
	macOSIssue      bool
	cacheSize       int
	checkInFlush    time.Duration
	checkInFlushSet bool
	ownsStore       bool
	authorizer      authz.Authorizer
	feedRetention   int64
}

// WithStore sets where the service keeps its state. The default is a new
// in-memory store (store/memstore) that the service closes with itself; a
// store given here belongs to the caller, who closes it after the service.
func WithStore(s store.Store) Option {
	return func(c *config) error {
		if s == nil {
			return errors.New("secmgmt: WithStore: nil store")
		}
		c.store = s
		return nil
	}
}

// WithClock sets the clock every time stamp comes from (policy times,
// enrollment transitions, check-ins, reports). The default is the system
// clock.
func WithClock(clk Clock) Option {
	return func(c *config) error {
		if clk == nil {
			return errors.New("secmgmt: WithClock: nil clock")
		}
		c.clock = clk
		return nil
	}
}

// WithLogger sets where the service logs: administrative changes at Info,
// failures it recovers from at Warn, device requests at Debug. The default
// discards.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("secmgmt: WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithCatalog sets the catalog of setting definitions policies are
// validated and merged with. The default is policy.Builtin().
func WithCatalog(cat *policy.Catalog) Option {
	return func(c *config) error {
		if cat == nil {
			return errors.New("secmgmt: WithCatalog: nil catalog")
		}
		c.catalog = cat
		return nil
	}
}

// WithMode sets the tenant's mode when the store holds no tenant
// configuration yet (a store that has one keeps its own; change it with
// SetTenant). The documentation variant the merge follows comes with the
// mode: legacy mode merges with policy.VariantLegacy.
func WithMode(m enrollment.Mode) Option {
	return func(c *config) error {
		if !m.Valid() {
			return fmt.Errorf("secmgmt: WithMode: unknown mode %q", string(m))
		}
		c.mode, c.modeSet = m, true
		return nil
	}
}

// WithRand sets the source of the check-in jitter and of the ids the
// service makes up for new policies and groups, so that tests and examples
// are repeatable. The default is a source seeded from the operating
// system. Device credentials never come from it: they always come from
// crypto/rand.
func WithRand(src rand.Source) Option {
	return func(c *config) error {
		if src == nil {
			return errors.New("secmgmt: WithRand: nil source")
		}
		c.rand = src
		return nil
	}
}

// WithSeed is WithRand with a PCG source seeded by seed.
func WithSeed(seed uint64) Option {
	return WithRand(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// WithDirectoryQuota limits the number of device objects in the directory
// (synthetic registrations count like full ones). A registration that
// would exceed it fails, as the directory refuses it. 0, the default,
// means no limit.
func WithDirectoryQuota(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("secmgmt: WithDirectoryQuota: %d is negative", n)
		}
		c.quota = n
		return nil
	}
}

// WithSyncInterval sets how often the service looks at the store's change
// feed for writes made by other service instances sharing the store. With
// 0, the default, it looks before every request: one cheap read of the
// feed's last sequence number, so that a request always sees every write
// committed before it began. A positive interval looks at most that often,
// trading freshness for fewer reads.
func WithSyncInterval(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("secmgmt: WithSyncInterval: %v is negative", d)
		}
		c.syncEvery = d
		return nil
	}
}

// WithRegistrar sets the environment's side of the registration step of
// the enrollment flow (see enrollment.Registrar), through which tests
// inject the documented registration failures. The default lets every
// registration succeed unless the device's facts inject a fault.
func WithRegistrar(r enrollment.Registrar) Option {
	return func(c *config) error {
		c.registrar = r
		return nil
	}
}

// WithConflictResolver decides conflicting settings instead of withholding
// them (see conflict.TieBreak for the documented antivirus tie-break). The
// default withholds, as the service does.
func WithConflictResolver(r conflict.Resolver) Option {
	return func(c *config) error {
		c.resolver = r
		return nil
	}
}

// WithMacOSDuplicateIssue reproduces the known issue of macOS agent
// 101.23052.0004: a device that reuses its full registration also gets a
// duplicate synthetic directory object (see enrollment.Env).
func WithMacOSDuplicateIssue() Option {
	return func(c *config) error {
		c.macOSIssue = true
		return nil
	}
}

// WithConfigurationCache sets how many distinct effective configurations
// the service keeps, shared by every device whose merge has the same
// inputs (platform, OS version, documentation variant and assigned policy
// versions). The default is 4096; 0 disables sharing (each device still
// keeps its own).
func WithConfigurationCache(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("secmgmt: WithConfigurationCache: %d is negative", n)
		}
		c.cacheSize = n
		return nil
	}
}

// WithCheckInFlush sets how long devices' last check-ins are kept in
// memory before they are written to the store together, in one
// transaction: with a SQL store, a commit per check-in would bound the
// check-in rate. 0 writes every check-in at once. The default is 0 with
// the in-memory store and 200 ms with any other. The service's own views
// (Device, the reports) include the check-ins not yet written; another
// instance sharing the store sees them once written, and a crash loses at
// most that long of last check-ins (never a configuration or a report).
func WithCheckInFlush(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("secmgmt: WithCheckInFlush: %v is negative", d)
		}
		c.checkInFlush, c.checkInFlushSet = d, true
		return nil
	}
}

// WithChangeFeedRetention sets how many of the latest change-feed entries
// the service keeps: as its writes go past that many, it trims the older
// ones from the store (a few at a time, every retention/4 entries). An
// instance sharing the store that falls further behind than that finds a
// gap in the feed and rebuilds its state from the store instead of applying
// entries it can no longer read. The default keeps 100,000 entries; 0 never
// trims.
func WithChangeFeedRetention(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("secmgmt: WithChangeFeedRetention: %d is negative", n)
		}
		c.feedRetention = int64(n)
		return nil
	}
}
