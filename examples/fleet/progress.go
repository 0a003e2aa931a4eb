package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progress shows how far a phase got on stderr: a bar redrawn in place on
// a terminal, otherwise a line every few seconds, so that logs stay
// readable.
type progress struct {
	w        io.Writer
	terminal bool
	name     string
	total    int64
	done     atomic.Int64
	start    time.Time
	stop     chan struct{}
	wg       sync.WaitGroup
}

// Intervals between updates.
const (
	barEvery  = 100 * time.Millisecond
	lineEvery = 5 * time.Second
)

func startProgress(w io.Writer, terminal bool, name string, total int) *progress {
	p := &progress{w: w, terminal: terminal, name: name, total: int64(total), start: time.Now(), stop: make(chan struct{})}
	every := lineEvery
	if terminal {
		every = barEvery
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.draw(false)
			}
		}
	}()
	return p
}

// add counts n more items done.
func (p *progress) add(n int) { p.done.Add(int64(n)) }

// finish stops the updates and draws the final state.
func (p *progress) finish() time.Duration {
	close(p.stop)
	p.wg.Wait()
	p.draw(true)
	return time.Since(p.start)
}

func (p *progress) draw(final bool) {
	done, total := p.done.Load(), max(p.total, 1)
	elapsed := time.Since(p.start)
	rate := float64(done) / max(elapsed.Seconds(), 1e-9)
	if !p.terminal {
		if final || done < total {
			fmt.Fprintf(p.w, "%-10s %d/%d (%.0f%%) %.0f/s %v\n", p.name, done, total, 100*float64(done)/float64(total), rate, elapsed.Round(time.Millisecond))
		}
		return
	}
	const width = 30
	fill := int(width * done / total)
	bar := strings.Repeat("█", fill) + strings.Repeat("░", width-fill)
	fmt.Fprintf(p.w, "\r%-10s %s %3.0f%% %d/%d %.0f/s %v ", p.name, bar, 100*float64(done)/float64(total), done, total, rate, elapsed.Round(100*time.Millisecond))
	if final {
		fmt.Fprintln(p.w)
	}
}
