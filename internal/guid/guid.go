// Package guid holds the one pattern of the GUIDs Entra uses for object,
// application, tenant, request and correlation IDs. It is a leaf package:
// the catalog, the domain and the sources share it.
package guid

import "regexp"

// Pattern matches one GUID in its 8-4-4-4-12 hexadecimal form, without
// anchors, for use inside larger expressions.
const Pattern = `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`

var exact = regexp.MustCompile(`^` + Pattern + `$`)

// Valid reports whether s is exactly one GUID, such as an object or app ID.
func Valid(s string) bool { return len(s) == 36 && exact.MatchString(s) }
