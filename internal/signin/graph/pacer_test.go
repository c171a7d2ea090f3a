package graph

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told to. With auto set, a sleep
// moves it at once (one caller at a time); otherwise sleepers block until
// runUntilDone advances it, so that no time passes while any caller runs.
type fakeClock struct {
	mu      sync.Mutex
	changed *sync.Cond
	now     time.Time
	auto    bool
	sleeps  int // sleeps asked for
	waiting []sleeper
}

type sleeper struct {
	until time.Time
	wake  chan struct{}
}

func newFakeClock(t0 time.Time, auto bool) *fakeClock {
	c := &fakeClock{now: t0, auto: auto}
	c.changed = sync.NewCond(&c.mu)
	return c
}

// Now reads the clock.
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep is the pacer's sleep on this clock.
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
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

// runUntilDone runs callers concurrently, each given its index, and moves
// the clock to the earliest wake-up whenever every caller still running is
// asleep.
func (c *fakeClock) runUntilDone(callers int, call func(i int)) {
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

// TestPacerBoundsRequests: concurrent callers of one pacer, on a fake clock,
// never get more than n requests into any window, get the first n at once,
// and wait no longer than the budget needs.
func TestPacerBoundsRequests(t *testing.T) {
	const n, window, callers, each = 5, 10 * time.Second, 8, 4
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := newFakeClock(t0, false)
	p := newPacer(n, window, clock.Now, clock.Sleep)
	var mu sync.Mutex
	var granted []time.Time
	clock.runUntilDone(callers, func(int) {
		for range each {
			if err := p.wait(context.Background()); err != nil {
				t.Error(err)
				return
			}
			at := clock.Now() // the clock stands still while any caller runs
			mu.Lock()
			granted = append(granted, at)
			mu.Unlock()
		}
	})
	if len(granted) != callers*each {
		t.Fatalf("%d requests granted, want %d", len(granted), callers*each)
	}
	slices.SortFunc(granted, time.Time.Compare)
	for i := range granted {
		in := 0
		for _, g := range granted[i:] {
			if g.Sub(granted[i]) < window {
				in++
			}
		}
		if in > n {
			t.Errorf("%d requests in the window from %s, want at most %d", in, granted[i].Sub(t0), n)
		}
	}
	if first := granted[n-1]; !first.Equal(t0) {
		t.Errorf("request %d waited until %s: the first %d need no wait", n, first.Sub(t0), n)
	}
	// 32 requests at 5 per window: 7 windows, the last beginning at 60 s.
	if last, want := granted[len(granted)-1].Sub(t0), time.Duration((callers*each+n-1)/n-1)*window; last != want {
		t.Errorf("last request at %s on the fake clock, want %s", last, want)
	}
}

// TestPacerStopsWhenTheContextEnds: a caller waiting for the budget gets its
// context's error, and takes no request from the budget.
func TestPacerStopsWhenTheContextEnds(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), true)
	p := newPacer(1, time.Hour, clock.Now, clock.Sleep)
	if err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled wait: %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	if err := p.wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a wait past its deadline: %v, want context.DeadlineExceeded", err)
	}
	if len(p.sent) != 1 || clock.sleeps != 0 {
		t.Errorf("after two refused waits: %d requests in the log (want 1), %d sleeps (want 0)", len(p.sent), clock.sleeps)
	}
}
