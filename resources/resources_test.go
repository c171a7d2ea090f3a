package resources_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/mcpserver/mcpservertest"
	"github.com/entra-signin-mcp/entra-signin-mcp/resources"
)

func connect(t *testing.T) *client.Client { return mcpservertest.Connect(t, nil) }

func read(t *testing.T, c *client.Client, uri string) ([]mcp.TextResourceContents, error) {
	t.Helper()
	req := mcp.ReadResourceRequest{}
	req.Params.URI = uri
	res, err := c.ReadResource(context.Background(), req)
	if err != nil {
		return nil, err
	}
	var out []mcp.TextResourceContents
	for _, c := range res.Contents {
		tc, ok := c.(mcp.TextResourceContents)
		if !ok {
			t.Fatalf("%s: content %T is not text", uri, c)
		}
		out = append(out, tc)
	}
	return out, nil
}

func TestCatalogResource(t *testing.T) {
	c := connect(t)
	got, err := read(t, c, resources.CatalogURI)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].MIMEType != "application/json" {
		t.Fatalf("contents %+v", got)
	}
	var body struct {
		Version, Reviewed string
		Count             int
		Entries           []struct {
			Code      int    `json:"code"`
			Title     string `json:"title"`
			DocsURL   string `json:"docsUrl"`
			LookupURL string `json:"lookupUrl"`
		}
	}
	if err := json.Unmarshal([]byte(got[0].Text), &body); err != nil {
		t.Fatal(err)
	}
	cat, _ := catalog.Load()
	if body.Version != cat.Version || body.Reviewed != cat.Reviewed || body.Count != cat.Len() || len(body.Entries) != cat.Len() {
		t.Errorf("version %q reviewed %q count %d entries %d; catalog has %s %s %d", body.Version, body.Reviewed, body.Count, len(body.Entries), cat.Version, cat.Reviewed, cat.Len())
	}
	for _, e := range body.Entries {
		if e.Title == "" || e.DocsURL == "" || !strings.HasSuffix(e.LookupURL, "?code="+itoa(e.Code)) {
			t.Errorf("entry %d incomplete: %+v", e.Code, e)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestCatalogEntryTemplate(t *testing.T) {
	c := connect(t)
	got, err := read(t, c, "entra-signin://catalog/50053")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].MIMEType != "text/markdown" || got[1].MIMEType != "application/json" {
		t.Fatalf("want markdown then JSON, got %+v", got)
	}
	if !strings.HasPrefix(got[0].Text, "# AADSTS50053 IdsLocked") || !strings.Contains(got[0].Text, "## Remediation") {
		t.Errorf("markdown:\n%s", got[0].Text)
	}
	var e struct {
		Code  int  `json:"code"`
		Known bool `json:"known"`
	}
	if err := json.Unmarshal([]byte(got[1].Text), &e); err != nil || e.Code != 50053 || !e.Known {
		t.Errorf("json %s: %v", got[1].Text, err)
	}

	unknown, err := read(t, c, "entra-signin://catalog/53999")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(unknown[0].Text, "family 53xxx") || !strings.Contains(unknown[1].Text, `"known":false`) {
		t.Errorf("unknown code not explained: %s / %s", unknown[0].Text, unknown[1].Text)
	}

	for _, bad := range []string{"entra-signin://catalog/abc", "entra-signin://catalog/-1", "entra-signin://catalog/123456789012"} {
		if _, err := read(t, c, bad); err == nil {
			t.Errorf("%s: read succeeded", bad)
		} else if !strings.Contains(err.Error(), "digits") && !strings.Contains(err.Error(), "not found") {
			t.Errorf("%s: error %v does not say what is accepted", bad, err)
		}
	}
}

func TestGuideResource(t *testing.T) {
	c := connect(t)
	got, err := read(t, c, resources.GuideURI)
	if err != nil {
		t.Fatal(err)
	}
	g := got[0].Text
	if got[0].MIMEType != "text/markdown" {
		t.Errorf("mime %q", got[0].MIMEType)
	}
	// The guide follows Microsoft's workflow and names the tools and identifiers.
	for _, want := range []string{"explain_error_code", "search_failed_signins", "get_signin_details", "correlation ID", "request ID", "interrupt", "additionalDetails", "50053", "53003"} {
		if !strings.Contains(g, want) {
			t.Errorf("guide does not mention %q", want)
		}
	}
}

func TestCodeCompletion(t *testing.T) {
	c := connect(t)
	complete := func(value string) *mcp.CompleteResult {
		t.Helper()
		req := mcp.CompleteRequest{}
		req.Params.Ref = mcp.ResourceReference{Type: "ref/resource", URI: resources.CatalogEntryURI}
		req.Params.Argument.Name = "code"
		req.Params.Argument.Value = value
		res, err := c.Complete(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := complete("5300")
	if len(res.Completion.Values) == 0 {
		t.Fatal("no completion for 5300")
	}
	for _, v := range res.Completion.Values {
		if !strings.HasPrefix(v, "5300") {
			t.Errorf("completion %q does not start with 5300", v)
		}
	}
	if got := complete("AADSTS7000").Completion.Values; len(got) == 0 || !strings.HasPrefix(got[0], "7000") {
		t.Errorf("AADSTS prefix: %v", got)
	}
	all := complete("")
	if len(all.Completion.Values) != 100 || !all.Completion.HasMore || all.Completion.Total < 345 {
		t.Errorf("empty prefix: %d values, hasMore %v, total %d", len(all.Completion.Values), all.Completion.HasMore, all.Completion.Total)
	}
	if got := complete("abc").Completion.Values; len(got) != 0 {
		t.Errorf("non-digit prefix completed to %v", got)
	}
}
