package storetest

import (
	"errors"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/store"
)

// counter reads the counter kept in a device's display name.
func counter(t *testing.T, s store.Store, deviceID string) (*store.Device, int) {
	d, err := s.Device(ctx(t), deviceID)
	if err != nil {
		t.Error(err)
		return nil, 0
	}
	n, err := strconv.Atoi(d.Object.DisplayName)
	if err != nil {
		t.Error(err)
	}
	return d, n
}

// parallel runs f(i) for i in [0, n) on n goroutines started together.
func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}

var concurrentCases = []testCase{
	{"NoLostUpdate", func(t *testing.T, e *env) {
		const writers, each = 8, 15
		mustV(e.s.PutDevice(ctx(t), &store.Device{ID: "ctr", Object: &identity.Device{DisplayName: "0"}}))(t)
		var conflicts atomic.Int64
		parallel(writers, func(int) {
			for done := 0; done < each; {
				d, n := counter(t, e.s, "ctr")
				if t.Failed() {
					return
				}
				d.Object.DisplayName = strconv.Itoa(n + 1)
				_, err := e.s.PutDevice(ctx(t), d)
				switch {
				case errors.Is(err, store.ErrConflict):
					conflicts.Add(1)
				case err != nil:
					t.Error(err)
					return
				default:
					done++
				}
			}
		})
		if _, n := counter(t, e.s, "ctr"); n != writers*each {
			t.Fatalf("counter = %d after %d increments (%d conflicts retried)", n, writers*each, conflicts.Load())
		}
		if d, _ := counter(t, e.s, "ctr"); d.Version != writers*each+1 {
			t.Fatalf("version = %d", d.Version)
		}
	}},
	{"TxNoLostUpdate", func(t *testing.T, e *env) {
		const writers, each = 4, 10
		mustV(e.s.PutDevice(ctx(t), &store.Device{ID: "ctr", Object: &identity.Device{DisplayName: "0"}}))(t)
		parallel(writers, func(int) {
			for done := 0; done < each; {
				err := e.s.Tx(ctx(t), func(tx store.Store) error {
					d, n := counter(t, tx, "ctr")
					if d == nil {
						return errStop
					}
					d.Object.DisplayName = strconv.Itoa(n + 1)
					if _, err := tx.PutDevice(ctx(t), d); err != nil {
						return err
					}
					_, err := tx.AppendChange(ctx(t), store.Change{Kind: "ctr", Keys: []string{d.Object.DisplayName}})
					return err
				})
				switch {
				case errors.Is(err, store.ErrConflict):
				case err != nil:
					t.Error(err)
					return
				default:
					done++
				}
			}
		})
		if _, n := counter(t, e.s, "ctr"); n != writers*each {
			t.Fatalf("counter = %d after %d increments", n, writers*each)
		}
		changes := mustV(e.s.Changes(ctx(t), 0, 1000))(t)
		if len(changes) != writers*each {
			t.Fatalf("%d changes for %d committed transactions", len(changes), writers*each)
		}
		for i, c := range changes {
			if c.Keys[0] != strconv.Itoa(i+1) {
				t.Fatalf("change %d says %v: the feed is not in commit order", c.Seq, c.Keys)
			}
		}
	}},
	{"OneWinner", func(t *testing.T, e *env) {
		const writers = 8
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		var won, lost atomic.Int64
		parallel(writers, func(i int) {
			d := bareDevice("d1")
			d.Version = 1
			d.Created = t0.Add(time.Duration(i))
			_, err := e.s.PutDevice(ctx(t), d)
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(err, store.ErrConflict):
				lost.Add(1)
			default:
				t.Error(err)
			}
		})
		if won.Load() != 1 || lost.Load() != writers-1 {
			t.Fatalf("%d writers with the same version: %d won, %d conflicted", writers, won.Load(), lost.Load())
		}
		// Creates race the same way.
		won.Store(0)
		parallel(writers, func(int) {
			if _, err := e.s.PutGroup(ctx(t), &store.Group{ID: "g-race"}); err == nil {
				won.Add(1)
			} else if !errors.Is(err, store.ErrConflict) {
				t.Error(err)
			}
		})
		if won.Load() != 1 {
			t.Fatalf("%d concurrent creates of one group succeeded", won.Load())
		}
	}},
	{"ChangeFeedNeverSkips", func(t *testing.T, e *env) {
		const appenders, each = 4, 25
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		var mu sync.Mutex
		var appended []int64
		var seen []int64
		done := make(chan struct{})
		go func() {
			defer close(done)
			var after int64
			deadline := time.Now().Add(60 * time.Second)
			for len(seen) < appenders*each && time.Now().Before(deadline) {
				page, err := e.s.Changes(ctx(t), after, 7)
				if err != nil {
					t.Error(err)
					return
				}
				for _, c := range page {
					if c.Seq <= after {
						t.Errorf("change %d after %d", c.Seq, after)
						return
					}
					after = c.Seq
					seen = append(seen, c.Seq)
				}
				if len(page) == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		}()
		parallel(appenders, func(w int) {
			for range each {
				var seq int64
				err := e.s.Tx(ctx(t), func(tx store.Store) error {
					var err error
					if seq, err = tx.AppendChange(ctx(t), store.Change{Kind: "w", Keys: []string{strconv.Itoa(w)}}); err != nil {
						return err
					}
					// Stay in the transaction a little after taking the
					// number, as a real write would.
					return tx.RecordCheckIn(ctx(t), store.CheckIn{DeviceID: "d1", At: t0})
				})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				appended = append(appended, seq)
				mu.Unlock()
			}
		})
		<-done
		slices.Sort(appended)
		if !slices.Equal(seen, appended) {
			t.Fatalf("the reader saw %d changes %v,\nthe appenders committed %d: %v", len(seen), seen, len(appended), appended)
		}
	}},
	{"IdempotentReports", func(t *testing.T, e *env) {
		const senders = 8
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		var stored, dup atomic.Int64
		parallel(senders, func(int) {
			o, err := e.s.PutStatusReport(ctx(t), sampleReport("d1", "same", t0))
			switch {
			case err != nil:
				t.Error(err)
			case o == store.ReportStored:
				stored.Add(1)
			case o == store.ReportDuplicate:
				dup.Add(1)
			default:
				t.Errorf("outcome %q", o)
			}
		})
		if stored.Load() != 1 || dup.Load() != senders-1 {
			t.Fatalf("the same report sent %d times: %d stored, %d duplicates", senders, stored.Load(), dup.Load())
		}
		deepEqual(t, "report", mustV(e.s.StatusReport(ctx(t), "d1"))(t), sampleReport("d1", "same", t0))
	}},
	{"CheckIns", func(t *testing.T, e *env) {
		const writers, each = 8, 25
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		parallel(writers, func(w int) {
			for i := range each {
				c := store.CheckIn{DeviceID: "d1", At: t0.Add(time.Duration(w*each+i) * time.Second), ConfigurationVersion: strconv.Itoa(w)}
				if err := e.s.RecordCheckIn(ctx(t), c); err != nil {
					t.Error(err)
					return
				}
			}
		})
		c := mustV(e.s.LastCheckIn(ctx(t), "d1"))(t)
		w, err := strconv.Atoi(c.ConfigurationVersion)
		must(t, err)
		if c.At != t0.Add(time.Duration(w*each+each-1)*time.Second) {
			t.Fatalf("last check-in %v from writer %d is not that writer's last", c.At, w)
		}
	}},
}
