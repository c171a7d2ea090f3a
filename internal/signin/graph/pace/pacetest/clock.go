// Package pacetest is a fake clock for tests of paced code, the way
// net/http/httptest sits beside net/http: it moves only when told to, so
// tests count what a pacer did instead of timing it.
package pacetest

import (
	"context"
	"slices"
	"sync"
	"time"
)

// FakeClock is a clock that moves only when told to. With auto set, a sleep
// moves it at once (one caller at a time); otherwise sleepers block until
// RunUntilDone advances it, so that no time passes while any caller runs.
type FakeClock struct {
	mu      sync.Mutex
	changed *sync.Cond
	now     time.Time
	auto    bool
	sleeps  int
	waiting []sleeper
}

type sleeper struct {
	until time.Time
	wake  chan struct{}
}

// NewFakeClock returns a fake clock at t0.
func NewFakeClock(t0 time.Time, auto bool) *FakeClock {
	c := &FakeClock{now: t0, auto: auto}
	c.changed = sync.NewCond(&c.mu)
	return c
}

// Now reads the clock.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep is the pacer's sleep on this clock.
func (c *FakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.sleeps++
	if c.auto {
		c.now = c.now.Add(d)
		c.mu.Unlock()
		return nil
	}
	s := sleeper{until: c.now.Add(d), wake: make(chan struct{})}
	c.waiting = append(c.waiting, s)
	c.changed.Broadcast()
	c.mu.Unlock()
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		c.waiting = slices.DeleteFunc(c.waiting, func(w sleeper) bool { return w.wake == s.wake })
		c.changed.Broadcast()
		c.mu.Unlock()
		return ctx.Err()
	}
}

// RunUntilDone runs callers concurrently, each given its index, and moves
// the clock to the earliest wake-up whenever every caller still running is
// asleep.
func (c *FakeClock) RunUntilDone(callers int, call func(i int)) {
	done := 0
	for i := range callers {
		go func() {
			call(i)
			c.mu.Lock()
			done++
			c.changed.Broadcast()
			c.mu.Unlock()
		}()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for done+len(c.waiting) < callers {
			c.changed.Wait()
		}
		if done == callers {
			return
		}
		next := c.waiting[0].until
		for _, w := range c.waiting {
			if w.until.Before(next) {
				next = w.until
			}
		}
		if next.After(c.now) {
			c.now = next
		}
		c.waiting = slices.DeleteFunc(c.waiting, func(w sleeper) bool {
			if w.until.After(c.now) {
				return false
			}
			close(w.wake)
			return true
		})
	}
}

// Sleeps is how many sleeps were asked for.
func (c *FakeClock) Sleeps() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sleeps
}
