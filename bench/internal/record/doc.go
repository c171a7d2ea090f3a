// Package record holds the parts of the performance record (go run ./bench)
// that need no machine to be tested: percentiles, the Markdown table, the
// benchstat-comparable sample lines and the comparison of answers given by
// the server, jq and DuckDB. Everything that runs processes or measures time
// stays in package main.
package record
