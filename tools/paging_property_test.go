package tools_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
	"github.com/entra-signin-mcp/entra-signin-mcp/tools"
)

// textPool mixes what makes JSON grow: quotes, HTML characters and control
// characters (escaped to six bytes), and multi-byte runes.
var textPool = []rune{'a', 'Z', '0', ' ', '"', '\\', '<', '&', '\x01', 'é', '😀', '中'}

func randText(r *rand.Rand, n int) string {
	b := make([]rune, n)
	for i := range b {
		b[i] = textPool[r.IntN(len(textPool))]
	}
	return string(b)
}

// randLen is usually short, sometimes long, rarely huge.
func randLen(r *rand.Rand) int {
	switch p := r.IntN(10); {
	case p < 5:
		return r.IntN(20)
	case p < 9:
		return r.IntN(3000)
	default:
		return r.IntN(1 << 17)
	}
}

// randomSource is up to 60 failures in the last day, each field randomly
// short or huge (IDs excepted: they are unique and at most 64 characters).
func randomSource(r *rand.Rand) ([]string, *memory.Store) {
	n := 1 + r.IntN(60)
	recs := make([]signin.SignIn, n)
	ids := make([]string, n)
	for i := range recs {
		id := fmt.Sprintf("id-%03d-%s", i, strings.Repeat("f", r.IntN(56)))
		recs[i] = signin.SignIn{
			ID: id, CreatedAt: now.Add(-time.Duration(r.IntN(20*3600)) * time.Second), Type: signin.AllTypes[r.IntN(len(signin.AllTypes))],
			User:                    signin.User{UPN: randText(r, randLen(r)), ID: randText(r, randLen(r))},
			App:                     signin.App{Name: randText(r, randLen(r)), ID: randText(r, randLen(r))},
			IPAddress:               randText(r, randLen(r)),
			ClientApp:               randText(r, randLen(r)),
			CorrelationID:           randText(r, randLen(r)),
			ConditionalAccessStatus: randText(r, randLen(r)),
			Location:                signin.Location{City: randText(r, randLen(r)), State: randText(r, randLen(r)), CountryOrRegion: randText(r, randLen(r))},
			Status:                  signin.Status{ErrorCode: []int{50126, 53003, 50053, 7000222, 123456}[r.IntN(5)], FailureReason: randText(r, randLen(r))},
		}
		ids[i] = id
	}
	recs[0].CreatedAt = now // the store's clock is its newest record
	return ids, memory.New("random", recs)
}

// TestCursorAlwaysAdvances: for random sources, following nextCursor from the
// first page returns at least one row per page, never a row twice, ends, and
// returns every match: a row bigger than the answer's budget is clipped to
// fit instead of stalling the cursor.
func TestCursorAlwaysAdvances(t *testing.T) {
	for seed := range uint64(25) {
		r := rand.New(rand.NewPCG(seed, 9))
		want, src := randomSource(r)
		c := connectSource(t, src)
		var got []string
		seen := map[string]bool{}
		cursor := ""
		limit := 1 + r.IntN(200)
		for page := 0; ; page++ {
			if page > len(want) {
				t.Fatalf("seed %d: %d pages for %d matches: the cursor does not end", seed, page, len(want))
			}
			args := fmt.Sprintf(`{"limit":%d,"signInTypes":["interactive","nonInteractive","servicePrincipal","managedIdentity"]}`, limit)
			if cursor != "" {
				args = fmt.Sprintf(`{"limit":%d,"cursor":%q,"signInTypes":["interactive","nonInteractive","servicePrincipal","managedIdentity"]}`, limit, cursor)
			}
			res, raw := search(t, c, args)
			if raw.IsError {
				t.Fatalf("seed %d page %d: %s", seed, page, text(raw))
			}
			if b, _ := json.Marshal(raw); len(b) > tools.SearchBudget {
				t.Errorf("seed %d page %d: %d bytes, over %d", seed, page, len(b), tools.SearchBudget)
			}
			if len(res.SignIns) == 0 {
				t.Fatalf("seed %d page %d: no row (matched %d, cursor %t)", seed, page, res.Coverage.Matched, res.Coverage.NextCursor != "")
			}
			for _, row := range res.SignIns {
				id := row.ID
				if seen[id] {
					t.Fatalf("seed %d page %d: row %s again", seed, page, id)
				}
				seen[id] = true
				got = append(got, id)
			}
			if cursor = res.Coverage.NextCursor; cursor == "" {
				break
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("seed %d: paged %d rows, want the %d matches", seed, len(got), len(want))
		}
	}
}
