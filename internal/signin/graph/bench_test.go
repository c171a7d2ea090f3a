package graph

import (
	"bufio"
	"bytes"
	"context"
	"testing"

	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// page1000 is one Graph list page of 1,000 generated sign-ins (v1.0 and
// beta properties, as Graph's beta endpoint returns them).
func page1000(b *testing.B) []byte {
	var lines bytes.Buffer
	if err := filestest.Generate(&lines, files.FormatGraphJSONLines, 1000, 9); err != nil {
		b.Fatal(err)
	}
	var page bytes.Buffer
	page.WriteString(`{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns","value":[`)
	sc := bufio.NewScanner(&lines)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for i := 0; sc.Scan(); i++ {
		if i > 0 {
			page.WriteByte(',')
		}
		page.Write(sc.Bytes())
	}
	page.WriteString(`],"@odata.nextLink":"https://graph.microsoft.com/v1.0/auditLogs/signIns?$skiptoken=x"}`)
	return page.Bytes()
}

// BenchmarkDecodePage1000 compares the SDK's path (Kiota JSON parse node into
// msgraph-sdk-go models) with the streaming decoder this source uses.
func BenchmarkDecodePage1000(b *testing.B) {
	page := page1000(b)
	b.Run("sdk-models", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			node, err := jsonserialization.NewJsonParseNode(page)
			if err != nil {
				b.Fatal(err)
			}
			v, err := node.GetObjectValue(models.CreateSignInCollectionResponseFromDiscriminatorValue)
			if err != nil {
				b.Fatal(err)
			}
			if n := len(v.(models.SignInCollectionResponseable).GetValue()); n != 1000 {
				b.Fatalf("%d sign-ins", n)
			}
		}
	})
	b.Run("streaming", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			p, err := graphjson.DecodePage(context.Background(), bytes.NewReader(page))
			if err != nil {
				b.Fatal(err)
			}
			if len(p.SignIns) != 1000 {
				b.Fatalf("%d sign-ins", len(p.SignIns))
			}
		}
	})
}
