package graphjson_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/files/filestest"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// The Decode benchmarks decode one Graph JSON export of benchRows sign-ins
// (pages of 1,000, as Graph and the export writer cut them) into
// signin.SignIn values, through this package and through the standard
// decoders, and keep every result, as a load does. Besides MB/s, B/op and
// allocs/op they report the peak heap sampled while decoding and the heap
// the results hold. The standard decoders map records exactly as this
// package does (TestStandardDecodersAgree checks it), sharing repeated
// strings through a Decoder's Intern.

const benchRows = 100_000

var (
	exportOnce  sync.Once
	exportPages [][]byte
	exportErr   error
)

// export returns the pages of the generated export, written once per
// process to a temporary file and read back (the export writer is the one
// the files benchmarks use, seed 1).
func export(b testing.TB) [][]byte {
	exportOnce.Do(func() {
		dir, err := os.MkdirTemp("", "graphjson-bench")
		if err != nil {
			exportErr = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "signins.json")
		f, err := os.Create(path)
		if err != nil {
			exportErr = err
			return
		}
		if err := filestest.Generate(f, files.FormatGraphJSON, benchRows, 1); err != nil {
			exportErr = err
			return
		}
		if err := f.Close(); err != nil {
			exportErr = err
			return
		}
		data, err := os.ReadFile(path)
		if err != nil {
			exportErr = err
			return
		}
		exportPages = bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	})
	if exportErr != nil {
		b.Fatal(exportErr)
	}
	return exportPages
}

// pageDecoder decodes one page into out.
type pageDecoder func(page []byte, out []signin.SignIn) ([]signin.SignIn, error)

// decodeOurs is this package's decoder, as the Graph source calls it.
func decodeOurs(page []byte, out []signin.SignIn) ([]signin.SignIn, error) {
	p, err := graphjson.DecodePage(context.Background(), bytes.NewReader(page))
	return append(out, p.SignIns...), err
}

func BenchmarkDecodeGraphJSON(b *testing.B) { benchmarkDecode(b, decodeOurs) }

func BenchmarkDecodeEncodingJSON(b *testing.B) { benchmarkDecode(b, decodeEncodingJSON) }

func benchmarkDecode(b *testing.B, decode pageDecoder) {
	pages := export(b)
	var size int64
	for _, p := range pages {
		size += int64(len(p))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	heap := filestest.StartHeapMeter()

	var out []signin.SignIn
	for b.Loop() {
		out = nil
		for _, p := range pages {
			var err error
			if out, err = decode(p, out); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	heap.Stop()
	if len(out) != benchRows {
		b.Fatalf("decoded %d sign-ins, want %d", len(out), benchRows)
	}
	heap.Report(b, size, out)
}

// stdRecord is a Graph signIn as encoding/json decodes it: tagged fields
// for the members this package keeps; the rest is skipped.
type stdRecord struct {
	ID                        string   `json:"id"`
	CreatedDateTime           string   `json:"createdDateTime"`
	CorrelationID             string   `json:"correlationId"`
	OriginalRequestID         string   `json:"originalRequestId"`
	SessionID                 string   `json:"sessionId"`
	UserID                    string   `json:"userId"`
	UserPrincipalName         string   `json:"userPrincipalName"`
	UserDisplayName           string   `json:"userDisplayName"`
	UserType                  string   `json:"userType"`
	AppID                     string   `json:"appId"`
	AppDisplayName            string   `json:"appDisplayName"`
	ResourceID                string   `json:"resourceId"`
	ResourceDisplayName       string   `json:"resourceDisplayName"`
	ServicePrincipalID        string   `json:"servicePrincipalId"`
	ServicePrincipalName      string   `json:"servicePrincipalName"`
	CredentialKeyID           string   `json:"servicePrincipalCredentialKeyId"`
	ClientCredentialType      string   `json:"clientCredentialType"`
	CrossTenantAccessType     string   `json:"crossTenantAccessType"`
	AppOwnerTenantID          string   `json:"appOwnerTenantId"`
	IncomingTokenType         string   `json:"incomingTokenType"`
	AuthenticationProtocol    string   `json:"authenticationProtocol"`
	ResourceTenantID          string   `json:"resourceTenantId"`
	TenantID                  string   `json:"tenantId"`
	HomeTenantID              string   `json:"homeTenantId"`
	IPAddress                 string   `json:"ipAddress"`
	ClientAppUsed             string   `json:"clientAppUsed"`
	UserAgent                 string   `json:"userAgent"`
	IsInteractive             *bool    `json:"isInteractive"`
	SignInEventTypes          []string `json:"signInEventTypes"`
	ConditionalAccessStatus   string   `json:"conditionalAccessStatus"`
	AuthenticationRequirement string   `json:"authenticationRequirement"`
	RiskDetail                string   `json:"riskDetail"`
	RiskLevelAggregated       string   `json:"riskLevelAggregated"`
	RiskLevelDuringSignIn     string   `json:"riskLevelDuringSignIn"`
	RiskState                 string   `json:"riskState"`
	RiskEventTypes            []string `json:"riskEventTypes"`
	RiskEventTypesV2          []string `json:"riskEventTypes_v2"`
	ManagedServiceIdentity    *struct {
		MsiType string `json:"msiType"`
	} `json:"managedServiceIdentity"`
	Status struct {
		ErrorCode         int    `json:"errorCode"`
		FailureReason     string `json:"failureReason"`
		AdditionalDetails string `json:"additionalDetails"`
	} `json:"status"`
	DeviceDetail struct {
		DeviceID        string `json:"deviceId"`
		DisplayName     string `json:"displayName"`
		OperatingSystem string `json:"operatingSystem"`
		Browser         string `json:"browser"`
		IsCompliant     *bool  `json:"isCompliant"`
		IsManaged       *bool  `json:"isManaged"`
		TrustType       string `json:"trustType"`
	} `json:"deviceDetail"`
	Location struct {
		City            string `json:"city"`
		State           string `json:"state"`
		CountryOrRegion string `json:"countryOrRegion"`
	} `json:"location"`
	AppliedConditionalAccessPolicies json.RawMessage `json:"appliedConditionalAccessPolicies"`
	AuthenticationDetails            []struct {
		AuthenticationStepDateTime     string `json:"authenticationStepDateTime"`
		AuthenticationMethod           string `json:"authenticationMethod"`
		AuthenticationMethodDetail     string `json:"authenticationMethodDetail"`
		AuthenticationStepRequirement  string `json:"authenticationStepRequirement"`
		Succeeded                      *bool  `json:"succeeded"`
		AuthenticationStepResultDetail string `json:"authenticationStepResultDetail"`
	} `json:"authenticationDetails"`
}

// TestStandardDecodersAgree: the standard decoders of the benchmarks
// produce what this package does, so that they are compared on equal work.
func TestStandardDecodersAgree(t *testing.T) {
	var buf bytes.Buffer
	if err := filestest.Generate(&buf, files.FormatGraphJSON, 2500, 3); err != nil {
		t.Fatal(err)
	}
	pages := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	for name, decode := range standardDecoders {
		var want, got []signin.SignIn
		for _, p := range pages {
			var err error
			if want, err = decodeOurs(p, want); err != nil {
				t.Fatal(err)
			}
			if got, err = decode(p, got); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if len(got) != len(want) || len(want) != 2500 {
			t.Fatalf("%s: %d sign-ins, this package: %d", name, len(got), len(want))
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("%s: sign-in %d differs:\n got %+v\nwant %+v", name, i, got[i], want[i])
			}
		}
	}
}

// standardDecoders are the decoders the package is measured against; a
// GOEXPERIMENT=jsonv2 build adds encoding/json/v2.
var standardDecoders = map[string]pageDecoder{"encoding/json": decodeEncodingJSON}

// decodeEncodingJSON walks the page with Decoder.Token down to the value
// array and decodes one element at a time into a stdRecord.
func decodeEncodingJSON(page []byte, out []signin.SignIn) ([]signin.SignIn, error) {
	dec := json.NewDecoder(bytes.NewReader(page))
	in := graphjson.NewDecoder()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return out, fmt.Errorf("want a page object: %v %v", t, err)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return out, err
		}
		if key, _ := t.(string); !strings.EqualFold(key, "value") {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return out, err
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return out, fmt.Errorf("want the value array: %v %v", t, err)
		}
		for dec.More() {
			var r stdRecord
			if err := dec.Decode(&r); err != nil {
				return out, err
			}
			si, err := r.signIn(in)
			if err != nil {
				return out, err
			}
			out = append(out, si)
		}
		if _, err := dec.Token(); err != nil {
			return out, err
		}
	}
	if _, err := dec.Token(); err != nil && err != io.EOF {
		return out, err
	}
	return out, nil
}

// signIn maps the record as this package's decoder does.
func (r *stdRecord) signIn(in *graphjson.Decoder) (signin.SignIn, error) {
	t, err := graphjson.ParseTime(r.CreatedDateTime)
	if err != nil {
		return signin.SignIn{}, err
	}
	tenant := r.ResourceTenantID
	if tenant == "" {
		tenant = r.TenantID
	}
	si := signin.SignIn{
		ID:                r.ID,
		CorrelationID:     r.CorrelationID,
		OriginalRequestID: r.OriginalRequestID,
		SessionID:         r.SessionID,
		CreatedAt:         t,
		TenantID:          in.Intern(tenant),
		HomeTenantID:      in.Intern(r.HomeTenantID),
		User: signin.User{
			ID:          in.Intern(r.UserID),
			UPN:         in.Intern(r.UserPrincipalName),
			DisplayName: in.Intern(r.UserDisplayName),
			Type:        in.Intern(graphjson.EnumValue(r.UserType)),
		},
		App:                             signin.App{ID: in.Intern(r.AppID), Name: in.Intern(r.AppDisplayName)},
		Resource:                        signin.App{ID: in.Intern(r.ResourceID), Name: in.Intern(r.ResourceDisplayName)},
		ServicePrincipal:                signin.App{ID: in.Intern(r.ServicePrincipalID), Name: in.Intern(r.ServicePrincipalName)},
		ServicePrincipalCredentialKeyID: in.Intern(r.CredentialKeyID),
		ClientCredentialType:            in.Intern(r.ClientCredentialType),
		CrossTenantAccessType:           in.Intern(r.CrossTenantAccessType),
		AppOwnerTenantID:                in.Intern(r.AppOwnerTenantID),
		IncomingTokenType:               in.Intern(r.IncomingTokenType),
		AuthenticationProtocol:          in.Intern(r.AuthenticationProtocol),
		IsInteractive:                   r.IsInteractive,
		ClientApp:                       in.Intern(r.ClientAppUsed),
		UserAgent:                       in.Intern(r.UserAgent),
		IPAddress:                       in.Intern(r.IPAddress),
		Location: signin.Location{
			City:            in.Intern(r.Location.City),
			State:           in.Intern(r.Location.State),
			CountryOrRegion: in.Intern(r.Location.CountryOrRegion),
		},
		Status: signin.Status{
			ErrorCode:         r.Status.ErrorCode,
			FailureReason:     in.Intern(r.Status.FailureReason),
			AdditionalDetails: in.Intern(r.Status.AdditionalDetails),
		},
		ConditionalAccessStatus: in.Intern(graphjson.EnumValue(r.ConditionalAccessStatus)),
		Device: signin.Device{
			ID:              in.Intern(r.DeviceDetail.DeviceID),
			Name:            in.Intern(r.DeviceDetail.DisplayName),
			OperatingSystem: in.Intern(r.DeviceDetail.OperatingSystem),
			Browser:         in.Intern(r.DeviceDetail.Browser),
			TrustType:       in.Intern(r.DeviceDetail.TrustType),
			IsCompliant:     r.DeviceDetail.IsCompliant,
			IsManaged:       r.DeviceDetail.IsManaged,
		},
		AuthRequirement: in.Intern(graphjson.EnumValue(r.AuthenticationRequirement)),
		Risk: signin.Risk{
			LevelDuringSignIn: in.Intern(r.RiskLevelDuringSignIn),
			LevelAggregated:   in.Intern(r.RiskLevelAggregated),
			State:             in.Intern(r.RiskState),
			Detail:            in.Intern(r.RiskDetail),
		},
	}
	risk := r.RiskEventTypesV2
	if len(risk) == 0 {
		risk = r.RiskEventTypes
	}
	si.Risk.EventTypes = in.InternAll(risk)
	if r.ManagedServiceIdentity != nil {
		si.ManagedIdentity = in.Intern(graphjson.ManagedIdentityType(r.ManagedServiceIdentity.MsiType))
	}
	// The policy list is kept as text and decoded through the same cache,
	// so that equal lists share one slice here too.
	if si.Policies, err = in.Policies("appliedConditionalAccessPolicies", string(r.AppliedConditionalAccessPolicies)); err != nil {
		return si, err
	}
	for _, a := range r.AuthenticationDetails {
		step := signin.AuthStep{
			Method:       in.Intern(a.AuthenticationMethod),
			MethodDetail: in.Intern(a.AuthenticationMethodDetail),
			Requirement:  in.Intern(a.AuthenticationStepRequirement),
			ResultDetail: in.Intern(a.AuthenticationStepResultDetail),
			Succeeded:    a.Succeeded != nil && *a.Succeeded,
		}
		if a.AuthenticationStepDateTime != "" {
			if step.At, err = graphjson.ParseTime(a.AuthenticationStepDateTime); err != nil {
				return si, err
			}
		}
		si.AuthDetails = append(si.AuthDetails, step)
	}
	graphjson.SetType(&si, r.SignInEventTypes, r.IsInteractive, "")
	return si, nil
}
