package secmgmt

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/secmgmt/secmgmt/store"
)

// defaultCheckInFlush is how long check-ins wait to be written together to
// a store other than memstore.
const defaultCheckInFlush = 200 * time.Millisecond

// maxCheckInBatch is how many pending check-ins make the check-in that
// adds the last one write them at once.
const maxCheckInBatch = 1024

// checkInLog writes devices' last check-ins to the store's check-in role.
// With a flush interval, check-ins are kept in memory and written together,
// in one transaction, when the interval has passed or the batch is full:
// a SQL store then commits once for many check-ins instead of once each.
// What is pending is read back with the stored check-ins. Without an
// interval every check-in is written at once.
type checkInLog struct {
	st    store.Store
	log   *slog.Logger
	every time.Duration

	mu      sync.Mutex
	pending map[string]store.CheckIn

	stop chan struct{}
	done chan struct{}
}

func newCheckInLog(st store.Store, log *slog.Logger, every time.Duration) *checkInLog {
	c := &checkInLog{st: st, log: log, every: every, pending: map[string]store.CheckIn{}}
	if every > 0 {
		c.stop, c.done = make(chan struct{}), make(chan struct{})
		go c.loop()
	}
	return c
}

// loop flushes the pending check-ins every interval until close.
func (c *checkInLog) loop() {
	defer close(c.done)
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if err := c.flush(context.Background()); err != nil {
				c.log.Warn("writing check-ins", "err", err)
			}
		}
	}
}

// record records a check-in.
func (c *checkInLog) record(ctx context.Context, ci store.CheckIn) error {
	if c.every <= 0 {
		err := c.st.RecordCheckIn(ctx, ci)
		if errors.Is(err, store.ErrNotFound) {
			return nil // the device went meanwhile
		}
		return err
	}
	c.mu.Lock()
	c.pending[ci.DeviceID] = ci
	full := len(c.pending) >= maxCheckInBatch
	c.mu.Unlock()
	if full {
		return c.flush(ctx)
	}
	return nil
}

// flush writes the pending check-ins in one transaction. Those it could
// not write are kept for the next flush, unless newer ones came meanwhile.
func (c *checkInLog) flush(ctx context.Context) error {
	c.mu.Lock()
	batch := c.pending
	if len(batch) == 0 {
		c.mu.Unlock()
		return nil
	}
	c.pending = make(map[string]store.CheckIn, len(batch))
	c.mu.Unlock()
	cis := make([]store.CheckIn, 0, len(batch))
	for _, ci := range batch {
		cis = append(cis, ci)
	}
	slices.SortFunc(cis, func(a, b store.CheckIn) int { return strings.Compare(a.DeviceID, b.DeviceID) })
	err := c.st.Tx(ctx, func(tx store.Store) error {
		for _, ci := range cis {
			if err := tx.RecordCheckIn(ctx, ci); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		c.mu.Lock()
		for id, ci := range batch {
			if _, newer := c.pending[id]; !newer {
				c.pending[id] = ci
			}
		}
		c.mu.Unlock()
	}
	return err
}

// last returns a device's pending check-in, if any.
func (c *checkInLog) last(id string) (store.CheckIn, bool) {
	if c.every <= 0 {
		return store.CheckIn{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ci, ok := c.pending[id]
	return ci, ok
}

// lastCheckIn returns a device's last check-in, pending or stored.
func (s *Service) lastCheckIn(ctx context.Context, id string) (store.CheckIn, bool, error) {
	if ci, ok := s.checkIns.last(id); ok {
		return ci, true, nil
	}
	c, err := s.st.LastCheckIn(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.CheckIn{}, false, nil
	case err != nil:
		return store.CheckIn{}, false, err
	}
	return *c, true, nil
}

// close stops the flushing and writes what is pending.
func (c *checkInLog) close() error {
	if c.every <= 0 {
		return nil
	}
	close(c.stop)
	<-c.done
	return c.flush(context.Background())
}
