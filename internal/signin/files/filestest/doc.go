// Package filestest writes synthetic sign-in exports in every format the
// files source reads, for tests, benchmarks, the end-to-end tests and the
// Graph fake, the way net/http/httptest sits beside net/http: nothing in
// production imports it.
//
// It is the second synthetic tenant of the project, and it differs from the
// demo tenant (internal/signin/demo) on purpose. The demo is a small story
// tenant: a few hundred named users over seven days ending at the caller's
// now, with hand-laid scenarios (a smart lockout, a password spray, an
// expired client secret, ...) whose fixed names the README's examples use,
// returned as signin.SignIn values and built in milliseconds. The export writer must instead produce
// any number of rows (the benchmarks and load budgets use 100,000 to
// 1,000,000), deterministically from a seed and at fixed dates, in each
// export's own bytes (Graph pages and JSON lines, the admin center's JSON
// and 57-column CSV with its quirks, Log Analytics CSV and JSON with their
// time forms and dynamic columns), with the failure codes in a production
// mix and a dozen Conditional Access policies on every user sign-in so that
// records have their real size. Scaling the demo's scenarios up would turn
// its story into noise and still not give the writer the formats, so the
// two share only the domain types.
package filestest
