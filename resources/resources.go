// Package resources registers the MCP resources of entra-signin-mcp: the
// whole remediation catalog, one catalog entry per code (a URI template with
// completion on the code), and the troubleshooting guide.
package resources

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
)

// The resource URIs; they are API and never change.
const (
	CatalogURI         = "entra-signin://catalog"
	CatalogEntryPrefix = "entra-signin://catalog/"
	CatalogEntryURI    = "entra-signin://catalog/{code}"
	GuideURI           = "entra-signin://guide"
)

//go:embed guide.md
var guide string

// Guide returns the troubleshooting playbook served at GuideURI.
func Guide() string { return guide }

// entryJSON is an entry as published: the stored fields plus its resolved
// documentation and live lookup URLs.
type entryJSON struct {
	catalog.Entry
	DocsURL   string `json:"docsUrl"`
	LookupURL string `json:"lookupUrl"`
}

type catalogJSON struct {
	Version  string      `json:"version"`
	Reviewed string      `json:"reviewed"`
	Count    int         `json:"count"`
	Outcomes []string    `json:"outcomes"`
	Owners   []string    `json:"whoFixesValues"`
	Entries  []entryJSON `json:"entries"`
}

// Register adds the catalog and guide resources and the catalog entry
// template to s.
func Register(s *server.MCPServer, cat *catalog.Catalog) {
	whole := sync.OnceValues(func() ([]byte, error) { return marshalCatalog(cat) })

	s.AddResource(mcp.NewResource(CatalogURI, "catalog",
		mcp.WithResourceTitle("Entra sign-in error remediation catalog"),
		mcp.WithResourceDescription("Every AADSTS code the server knows, as JSON: an entries array, each entry with its integer code, title, summary, outcome, category, whoFixes, causes, remediation per audience, related codes and URLs; plus the catalog version and review date. Large: prefer explain_error_code or "+CatalogEntryURI+" for one code."),
		mcp.WithMIMEType("application/json"),
	), func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		b, err := whole()
		if err != nil {
			return nil, err
		}
		return []mcp.ResourceContents{mcp.TextResourceContents{URI: CatalogURI, MIMEType: "application/json", Text: string(b)}}, nil
	})

	s.AddResource(mcp.NewResource(GuideURI, "guide",
		mcp.WithResourceTitle("Sign-in troubleshooting playbook"),
		mcp.WithResourceDescription("How a senior identity engineer troubleshoots an Entra ID sign-in failure with this server's tools, step by step, and what to put in an escalation (Markdown)."),
		mcp.WithMIMEType("text/markdown"),
	), func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		return []mcp.ResourceContents{mcp.TextResourceContents{URI: GuideURI, MIMEType: "text/markdown", Text: guide}}, nil
	})

	s.AddResourceTemplate(mcp.NewResourceTemplate(CatalogEntryURI, "catalog-entry",
		mcp.WithTemplateTitle("One catalog entry"),
		mcp.WithTemplateDescription("The catalog entry for one AADSTS code (digits only, e.g. "+CatalogEntryPrefix+"50053): Markdown for reading, then the same entry as JSON. A code the catalog does not know gets its family and Microsoft's lookup URL."),
		mcp.WithTemplateMIMEType("text/markdown"),
	), func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		raw := strings.TrimPrefix(req.Params.URI, CatalogEntryPrefix)
		ref, err := catalog.ParseCode(raw)
		if err != nil || !isDigits(raw) {
			return nil, fmt.Errorf("read %s: the code must be digits only, as in %s50053", req.Params.URI, CatalogEntryPrefix)
		}
		x := cat.Explain(ref.Code)
		b, err := json.Marshal(explanationJSON(x))
		if err != nil {
			return nil, err
		}
		return []mcp.ResourceContents{
			mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "text/markdown", Text: Markdown(x)},
			mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "application/json", Text: string(b)},
		}, nil
	})
}

// Completions answers completion requests for the catalog entry template's
// code argument with known codes that start with the typed digits.
type Completions struct{ Catalog *catalog.Catalog }

// maxCompletionValues is the protocol's limit on values in one completion.
const maxCompletionValues = 100

// CompleteResourceArgument implements server.ResourceCompletionProvider.
func (c Completions) CompleteResourceArgument(ctx context.Context, uri string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	if uri != CatalogEntryURI || arg.Name != "code" {
		return &mcp.Completion{Values: []string{}}, nil
	}
	prefix := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(arg.Value)), "AADSTS")
	if !isDigits(prefix) && prefix != "" {
		return &mcp.Completion{Values: []string{}}, nil
	}
	all := c.Catalog.CodesWithPrefix(prefix, 0)
	out := &mcp.Completion{Values: all, Total: len(all)}
	if len(all) > maxCompletionValues {
		out.Values, out.HasMore = all[:maxCompletionValues], true
	}
	return out, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func marshalCatalog(cat *catalog.Catalog) ([]byte, error) {
	out := catalogJSON{Version: cat.Version, Reviewed: cat.Reviewed, Count: cat.Len(), Owners: catalog.Owners}
	for _, o := range catalog.Outcomes {
		out.Outcomes = append(out.Outcomes, string(o))
	}
	for _, e := range cat.Entries() {
		out.Entries = append(out.Entries, entryJSON{Entry: e, DocsURL: e.Docs(), LookupURL: e.LookupURL()})
	}
	return json.Marshal(out)
}

type explanationOut struct {
	entryJSON
	Known  bool            `json:"known"`
	Family *catalog.Family `json:"family,omitempty"`
}

func explanationJSON(x catalog.Explanation) explanationOut {
	return explanationOut{entryJSON: entryJSON{Entry: x.Entry, DocsURL: x.DocsURL, LookupURL: x.LookupURL}, Known: x.Known, Family: x.Family}
}

// Markdown renders an explanation for reading.
func Markdown(x catalog.Explanation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# AADSTS%d", x.Code)
	if x.Name != "" {
		fmt.Fprintf(&b, " %s", x.Name)
	}
	fmt.Fprintf(&b, "\n\n**%s**\n\n%s\n\n", x.Title, x.Summary)
	if x.Known {
		fmt.Fprintf(&b, "- Outcome: %s\n- Category: %s\n- First to act: %s\n", x.Outcome, x.Category, x.WhoFixes)
	} else if x.Family != nil {
		fmt.Fprintf(&b, "- Not in the catalog; family %sxxx: %s\n", x.Family.Prefix, x.Family.Name)
	}
	if x.Outcome == catalog.OutcomeInterrupt {
		b.WriteString("- This is an interrupt: it normally precedes a success under the same correlation ID and is never the root cause.\n")
	}
	b.WriteString("\n## Causes\n\n")
	for _, c := range x.Causes {
		fmt.Fprintf(&b, "- %s\n", c)
	}
	b.WriteString("\n## Remediation\n")
	for _, aud := range []struct {
		who   string
		steps []string
	}{{"Admin", x.Remediation.Admin}, {"User", x.Remediation.User}, {"Developer", x.Remediation.Developer}} {
		if len(aud.steps) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### %s\n\n", aud.who)
		for i, s := range aud.steps {
			fmt.Fprintf(&b, "%d. %s\n", i+1, s)
		}
	}
	if len(x.RelatedCodes) > 0 {
		parts := make([]string, len(x.RelatedCodes))
		for i, c := range x.RelatedCodes {
			parts[i] = strconv.Itoa(c)
		}
		fmt.Fprintf(&b, "\nRelated codes: %s\n", strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, "\nDocs: %s\nCurrent text: %s\n", x.DocsURL, x.LookupURL)
	return b.String()
}
