// Package demo is the embedded synthetic tenant behind --source demo: a
// fictitious Contoso with a few hundred users, the usual Microsoft 365 and
// line-of-business applications, a service principal and a managed identity,
// and seven days of sign-ins. Most sign-ins succeed; among them are the
// failure scenarios a help desk meets every week (a user locked out by smart
// lockout, a password spray, expired and disabled accounts, declined MFA,
// Conditional Access blocks, revoked tokens, expired client secrets, missing
// consent, and more), each with the detail the troubleshooting tools read.
// Every scenario id of diagnose_signin_failures happens at least once in the
// 48 hours before the newest sign-in, for a subject that Stories names.
//
// Nothing is stored: Generate builds the tenant in code from fixed random
// streams, so the same call always returns the same sign-ins, and it runs in a
// few milliseconds.
package demo

import (
	"cmp"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// TenantID is the demo tenant's ID; every demo sign-in carries it.
const TenantID = "4f9d1c2b-7a3e-4b8d-9e61-2c5a8f0d3b17"

// Domain is the demo tenant's UPN domain: members are first.last@contoso.com.
const Domain = "contoso.com"

// seed is the fixed seed of every random stream of the generator.
const seed = 0x5eed_c0_7050

// window is how much history the demo holds.
const window = 7 * 24 * time.Hour

// reference is the generator's own "now" before the shift: a Thursday,
// 14:20 in Seattle. Weekdays, office hours and the scenarios' story ("since
// this morning") are laid out against it; Generate then moves every timestamp
// by the same amount so that the newest sign-in is the caller's now.
var reference = time.Date(2025, time.February, 13, 22, 20, 0, 0, time.UTC)

// Generate returns the demo tenant's sign-ins, generated deterministically
// (same output for the same now), with timestamps shifted so that the newest
// sign-in is exactly now (UTC, truncated to the second). Every sign-in lies in
// [now-7d, now]; they are returned oldest first (ties broken by ID).
//
// Each call builds everything afresh: no two calls share memory. Within one
// call, records may share slices and pointers (grant controls, device
// compliance flags), so treat them as read-only.
func Generate(now time.Time) []signin.SignIn {
	g := newGenerator()
	g.baseline()
	g.workloads()
	g.scenarios()

	// Sort small keys, then move each record once: swapping whole records
	// costs more than generating them. The keys use the unshifted times,
	// which UnixNano represents whatever now is.
	type key struct {
		at int64
		id string
		i  int
	}
	keys := make([]key, len(g.out))
	for i := range g.out {
		keys[i] = key{g.out[i].CreatedAt.UnixNano(), g.out[i].ID, i}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})

	now = now.UTC().Truncate(time.Second)
	newest := g.out[0].CreatedAt
	for i := range g.out {
		if g.out[i].CreatedAt.After(newest) {
			newest = g.out[i].CreatedAt
		}
	}
	// Move every time by now-newest, computed as now minus the time's age
	// (at most seven days), so that no Duration saturates for a far now.
	move := func(t time.Time) time.Time { return now.Add(-newest.Sub(t)) }
	for i := range g.out {
		s := &g.out[i]
		s.CreatedAt = move(s.CreatedAt)
		for j := range s.AuthDetails {
			s.AuthDetails[j].At = move(s.AuthDetails[j].At)
		}
	}
	// Apply the permutation in place, one cycle at a time.
	out := g.out
	for start := range keys {
		if keys[start].i < 0 {
			continue
		}
		tmp := out[start]
		k := start
		for keys[k].i != start {
			next := keys[k].i
			out[k] = out[next]
			keys[k].i = -1
			k = next
		}
		out[k] = tmp
		keys[k].i = -1
	}
	return out
}

// generator holds the directory and the sign-ins built so far.
type generator struct {
	ref   time.Time // the newest instant; Generate shifts it to now
	floor time.Time // nothing is generated before it
	out   []signin.SignIn

	members []*user // every member, in directory order
	guests  []*user
	regular []*user          // members without a story of their own, for random picks
	byUPN   map[string]*user // lookups only, never iterated

	pol     policies
	ca      map[caKey]caResult // evaluate's memo: records share policy lists
	yes, no *bool              // device compliance flags, shared by the records of one call
}

func newGenerator() *generator { return newGeneratorFor(6000) }

// newGeneratorFor returns a generator with room for n sign-ins: Generate
// makes about 5,200, Directory only reads the users and runs one story, and
// clearing room for thousands of records would cost it most of its time.
func newGeneratorFor(n int) *generator {
	g := &generator{
		ref:   reference,
		floor: reference.Add(-window + 10*time.Minute),
		out:   make([]signin.SignIn, 0, n),
		byUPN: make(map[string]*user, 320),
		pol:   newPolicies(),
		ca:    make(map[caKey]caResult, 64),
		yes:   new(bool),
		no:    new(bool),
	}
	*g.yes = true
	g.directory()
	g.storyLimits()
	return g
}

// ago is the instant d before the reference time.
func (g *generator) ago(d time.Duration) time.Time { return g.ref.Add(-d) }

// in reports whether a flow starting at t and lasting up to span fits the window.
func (g *generator) in(t time.Time, span time.Duration) bool {
	return !t.Before(g.floor) && !t.Add(span).After(g.ref)
}

// u returns the member or guest with the UPN; the name must exist.
func (g *generator) u(upn string) *user {
	u, ok := g.byUPN[upn]
	if !ok {
		panic("demo: no user " + upn)
	}
	return u
}

// stream returns the random stream of one part of the generator. Each part
// has its own stream, so that changing one scenario leaves the others' IDs
// and times alone.
func stream(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// jitter is a random duration in [0, max).
func jitter(r *rand.Rand, max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return time.Duration(r.Int64N(int64(max)))
}

// between is a random duration in [lo, hi), at millisecond precision.
func between(r *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + jitter(r, hi-lo).Truncate(time.Millisecond)
}

// pick returns a random element of xs.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }
