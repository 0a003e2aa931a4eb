package agent_test

import (
	"sync"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/agent"
)

// fakeClock is a Clock whose time moves only when the test says so. Every
// timer it creates is announced on created, so a test can wait for the
// agent to start waiting without sleeping.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	created chan *fakeTimer
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, created: make(chan *fakeTimer, 64)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) agent.Timer {
	c.mu.Lock()
	t := &fakeTimer{c: c, at: c.now.Add(d), d: d, ch: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	c.created <- t
	return t
}

// Advance moves the clock and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if !t.stopped && !t.at.After(c.now) {
			t.stopped = true
			t.ch <- c.now
			continue
		}
		if !t.stopped {
			kept = append(kept, t)
		}
	}
	c.timers = kept
}

// nextTimer waits for the agent to create a timer.
func (c *fakeClock) nextTimer(t *testing.T) *fakeTimer {
	t.Helper()
	select {
	case tm := <-c.created:
		return tm
	case <-time.After(20 * time.Second):
		t.Fatal("the agent never started waiting")
		return nil
	}
}

type fakeTimer struct {
	c       *fakeClock
	at      time.Time
	d       time.Duration
	ch      chan time.Time
	stopped bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}
