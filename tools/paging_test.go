package tools_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

// movingClock is a store whose clock is the test's, as a live source's is
// the wall clock: it moves between two calls.
type movingClock struct {
	*memory.Store
	now *time.Time
}

func (m movingClock) Now(context.Context) (time.Time, error) { return *m.now, nil }

// TestCursorKeepsTheFirstWindow: page two of a relative window ("the last 24
// hours") continues page one although the clock moved in between: the
// window comes from the cursor, not from the clock, and since/until given
// with a cursor are not read.
func TestCursorKeepsTheFirstWindow(t *testing.T) {
	clock := now
	c := connectSource(t, movingClock{fixtureSource(), &clock})
	first, res := search(t, c, `{"limit":3}`)
	if res.IsError || first.Coverage.NextCursor == "" {
		t.Fatalf("page one: %s %+v", text(res), first.Coverage)
	}
	all, _ := search(t, c, `{"limit":200}`)
	got := rowIDs(first)
	cursor := first.Coverage.NextCursor
	for i := 0; cursor != ""; i++ {
		clock = clock.Add(17*time.Minute + 123456789*time.Nanosecond)
		args := fmt.Sprintf(`{"limit":3,"cursor":%q}`, cursor)
		if i%2 == 1 {
			args = fmt.Sprintf(`{"limit":3,"since":"7d","until":"1h","cursor":%q}`, cursor)
		}
		page, res := search(t, c, args)
		if res.IsError {
			t.Fatalf("page %d after the clock moved %s: %s", i+2, clock.Sub(now), text(res))
		}
		if page.Coverage.Since != first.Coverage.Since || page.Coverage.Until != first.Coverage.Until {
			t.Errorf("page %d window %s..%s, page one's %s..%s", i+2, page.Coverage.Since, page.Coverage.Until, first.Coverage.Since, first.Coverage.Until)
		}
		got = append(got, rowIDs(page)...)
		cursor = page.Coverage.NextCursor
	}
	if !slices.Equal(got, rowIDs(all)) {
		t.Errorf("paged %v\nwhole  %v", got, rowIDs(all))
	}
	// Another filter with the cursor is still refused.
	_, res = search(t, c, fmt.Sprintf(`{"limit":3,"user":"ali@contoso.com","cursor":%q}`, first.Coverage.NextCursor))
	if !res.IsError {
		t.Error("a cursor with another user was accepted")
	}
}
