// Package pace keeps the Graph source's requests under the reporting API's
// budget (5 requests per 10 s per app and tenant), across every caller of one
// server. It is its own package, without the Graph SDK, so that its
// concurrency is checked by the race detector in seconds (the Graph package
// itself takes minutes to build with -race).
package pace

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Pacer keeps requests at or under n in any window of the given length,
// across every caller of the source (Graph's reporting API allows 5 per 10 s
// per app and tenant). It is a sliding-window log, not a token bucket: a
// bucket of n that refills continuously lets up to 2n-1 requests into one
// window, which is the throttling this exists to avoid. It reads the source's
// clock and sleeps through an injected function, so that tests count what it
// did on a fake clock instead of timing it.
type Pacer struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	now    func() time.Time
	sleep  func(context.Context, time.Duration) error
	sent   []time.Time
}

// New returns a Pacer of n requests per window, on the clock now, waiting
// through sleep (SleepContext in production).
func New(n int, window time.Duration, now func() time.Time, sleep func(context.Context, time.Duration) error) *Pacer {
	return &Pacer{n: n, window: window, now: now, sleep: sleep}
}

// Wait blocks until a request may be sent, or ctx ends.
func (p *Pacer) Wait(ctx context.Context) error {
	for {
		p.mu.Lock()
		now := p.now()
		keep := p.sent[:0]
		for _, t := range p.sent {
			if now.Sub(t) < p.window {
				keep = append(keep, t)
			}
		}
		p.sent = keep
		if len(p.sent) < p.n {
			p.sent = append(p.sent, now)
			p.mu.Unlock()
			return nil
		}
		wait := p.window - now.Sub(p.sent[0])
		p.mu.Unlock()
		if err := p.sleep(ctx, wait); err != nil {
			return fmt.Errorf("waiting for Graph's request budget (%d per %s): %w", p.n, p.window, err)
		}
	}
}

// SleepContext sleeps for d on the wall clock, or until ctx ends.
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// InWindow is how many requests the log holds (sent within the last window
// as of the last Wait), for tests.
func (p *Pacer) InWindow() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sent)
}
