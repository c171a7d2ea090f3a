package pace_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/pace"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graph/pace/pacetest"
)

// TestPacerBoundsRequests: concurrent callers of one pacer, on a fake clock,
// never get more than n requests into any window, get the first n at once,
// and wait no longer than the budget needs.
func TestPacerBoundsRequests(t *testing.T) {
	const n, window, callers, each = 5, 10 * time.Second, 8, 4
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := pacetest.NewFakeClock(t0, false)
	p := pace.New(n, window, clock.Now, clock.Sleep)
	var mu sync.Mutex
	var granted []time.Time
	clock.RunUntilDone(callers, func(int) {
		for range each {
			if err := p.Wait(context.Background()); err != nil {
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
	clock := pacetest.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), true)
	p := pace.New(1, time.Hour, clock.Now, clock.Sleep)
	if err := p.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled wait: %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	if err := p.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a wait past its deadline: %v, want context.DeadlineExceeded", err)
	}
	if p.InWindow() != 1 || clock.Sleeps() != 0 {
		t.Errorf("after two refused waits: %d requests in the log (want 1), %d sleeps (want 0)", p.InWindow(), clock.Sleeps())
	}
}
