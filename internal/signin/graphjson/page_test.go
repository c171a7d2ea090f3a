package graphjson

import (
	"context"
	"strings"
	"testing"
)

func TestDecodePage(t *testing.T) {
	page := `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#auditLogs/signIns","value":[
	{"id":"a","createdDateTime":"2025-01-09T02:02:12Z","userPrincipalName":"rosa@contoso.com","status":{"errorCode":50126},"signInEventTypes":["nonInteractiveUser"]},
	{"id":"b","createdDateTime":"2025-01-09T02:03:12Z","userPrincipalName":"rosa@contoso.com","status":{"errorCode":0},"isInteractive":true}
	],"@odata.nextLink":"https://graph.microsoft.com/beta/auditLogs/signIns?$skiptoken=xyz"}`
	p, err := DecodePage(context.Background(), strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.SignIns) != 2 || p.SignIns[0].ID != "a" || p.SignIns[0].Status.ErrorCode != 50126 || p.SignIns[0].Type != "nonInteractive" || p.SignIns[1].Type != "interactive" {
		t.Errorf("sign-ins %+v", p.SignIns)
	}
	if p.NextLink != "https://graph.microsoft.com/beta/auditLogs/signIns?$skiptoken=xyz" {
		t.Errorf("next link %q", p.NextLink)
	}
	last, err := DecodePage(context.Background(), strings.NewReader(`{"value":[]}`))
	if err != nil || len(last.SignIns) != 0 || last.NextLink != "" {
		t.Errorf("empty last page: %+v %v", last, err)
	}
	for _, bad := range []string{``, `[]`, `{"value":{}}`, `{"value":[{"id":"a"}]}`, `{"value":[`} {
		if _, err := DecodePage(context.Background(), strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	one, err := DecodeSignIn(context.Background(), []byte(`{"id":"x","createdDateTime":"2025-01-09T02:02:12Z","status":{"errorCode":53003}}`))
	if err != nil || one.ID != "x" || one.Status.ErrorCode != 53003 {
		t.Errorf("single: %+v %v", one, err)
	}
	if _, err := DecodeSignIn(context.Background(), []byte(`{"foo":1}`)); err == nil {
		t.Error("a non-sign-in object was accepted")
	}
}
