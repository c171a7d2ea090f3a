// Package graphjson decodes Microsoft Graph's signIn JSON (v1.0 or beta) into
// signin.SignIn. The Graph source decodes its live list pages and GETs with
// DecodePage and DecodeSignIn; the files source decodes exported Graph JSON,
// the admin center's JSON download (the same objects) and the Graph-shaped
// objects inside Log Analytics rows with a Decoder, and walks its files with
// a Stream and a Lexer. It sits below both sources and imports nothing of
// ours but the domain package signin and the leaf logtext.
//
// The exported surface, by user:
//   - DecodePage, DecodeSignIn, Page: whole Graph responses (the Graph source).
//   - Decoder: one record or Graph-shaped object at a time, sharing repeated
//     strings and Conditional Access outcomes across the records of a load.
//   - Stream: cuts a JSON file into values (pages, arrays, members) without
//     decoding them; Lexer: reads one value held in memory, strictly, for
//     the shapes that are not Graph's (Log Analytics rows and tables).
//   - ParseTime, ParseBool, ParseErrorCode, EnumValue, ManagedIdentityType,
//     SetType, ConditionsText: the value conventions of the signIn resource,
//     which the CSV and Log Analytics exports write in other spellings.
//
// JSON is cut into records by Stream and each record is decoded by a small
// strict lexer that knows the sign-in shapes: members we do not keep are
// skipped in the same pass, and repeated strings are shared rather than
// allocated per record.
//
// Why a hand-written lexer: measured, not assumed. The Decode benchmarks
// (bench_test.go) decode the export writer's 100,000-row Graph JSON export
// (662 MB, pages of 1,000) into signin.SignIn through this package and
// through encoding/json (Decoder.Token down to the value array, Decode per
// element into tagged structs, the same mapping and string sharing; a test
// checks that the results are equal), and, built with GOEXPERIMENT=jsonv2,
// through encoding/json/v2 (jsontext.Decoder, UnmarshalDecode per element).
// On go1.26.8, 2 shared vCPUs, -benchtime 3x -count 3 (fastest of three;
// the machine was shared, so the spread was wide):
//
//	go test -run '^$' -bench Decode -benchtime 3x -count 3 ./internal/signin/graphjson
//	GOEXPERIMENT=jsonv2 go test -run '^$' -bench Decode -benchtime 3x -count 3 ./internal/signin/graphjson
//
//	decoder                       s/op   MB/s   MB alloc/op  allocs/op  peak heap MB
//	graphjson                     3.90    178        913      4.39 M     1436-1489
//	encoding/json                15.8      44       2066      6.16 M     1493-1583
//	graphjson (jsonv2 build)      4.62    150        893      4.01 M     1490-1666
//	encoding/json/v2              5.64    123       1996      3.77 M     1468-1516
//	encoding/json on v2 (jsonv2)  6.97    100       1997      3.84 M     1455-1496
//
// (Peak heap includes the 662 MB of pages the benchmark holds; the
// results hold about 120 MB whichever decoder made them.) encoding/json as
// shipped is about 4x slower and allocates 2.3x as much; encoding/json/v2
// comes within 1.5x on throughput but still allocates 2.2x as much, and in
// Go 1.26 it exists only behind GOEXPERIMENT. The lexer stays; re-measure
// when encoding/json/v2 ships without an experiment flag.
package graphjson
