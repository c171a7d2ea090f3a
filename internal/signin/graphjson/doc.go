// Package graphjson decodes Microsoft Graph's signIn JSON (v1.0 or beta) into
// signin.SignIn. The Graph source decodes its live list pages and GETs with
// DecodePage and DecodeSignIn; the files source decodes exported Graph JSON,
// the admin center's JSON download (the same objects) and the Graph-shaped
// objects inside Log Analytics rows with a Decoder, and walks its files with
// a Stream and a Lexer. It sits below both sources and imports nothing of
// ours but the domain package signin.
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
package graphjson
