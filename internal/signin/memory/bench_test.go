package memory

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// BenchmarkNew100k indexes 100,000 sign-ins (2,000 users, 20 apps, one in
// three a success): the cost a files source pays once at load.
func BenchmarkNew100k(b *testing.B) {
	recs := make([]signin.SignIn, 100_000)
	for i := range recs {
		code := 50126
		if i%3 == 0 {
			code = 0
		}
		u := fmt.Sprintf("user%04d@contoso.com", i%2000)
		recs[i] = signin.SignIn{
			ID: fmt.Sprintf("id-%06d", i), CorrelationID: fmt.Sprintf("c-%06d", i/2), CreatedAt: t0.Add(-time.Duration(i) * time.Second),
			Type: signin.Interactive, User: signin.User{UPN: u, ID: "oid-" + u}, App: signin.App{ID: fmt.Sprintf("app-%d", i%20), Name: fmt.Sprintf("App %d", i%20)},
			IPAddress: fmt.Sprintf("198.51.100.%d", i%250), Status: signin.Status{ErrorCode: code},
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		New("bench", slices.Clone(recs))
	}
}
