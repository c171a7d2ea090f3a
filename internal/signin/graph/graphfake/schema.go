package graphfake

import (
	"strings"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// Version is a Microsoft Graph service version: the first segment of the path.
type Version string

// The two versions Graph serves /auditLogs/signIns under.
const (
	V1   Version = "v1.0"
	Beta Version = "beta"
)

// kind is the OData type of a property, as far as $filter cares.
type kind int

const (
	kindString  kind = iota // Edm.String and the string-valued enums (conditionalAccessStatus, riskState, ...)
	kindInt                 // Edm.Int32 (status/errorCode)
	kindBool                // Edm.Boolean
	kindTime                // Edm.DateTimeOffset (createdDateTime)
	kindStrings             // Collection(Edm.String) (signInEventTypes, riskEventTypes_v2)
	kindObject              // a complex type (status, deviceDetail, location)
	kindObjects             // Collection of a complex type (appliedConditionalAccessPolicies)
	kindOther               // anything $filter never reaches
)

// op is a set of $filter operators a property accepts.
type op uint16

const (
	opEq op = 1 << iota
	opNe
	opGt
	opGe
	opLt
	opLe
	opStartsWith
)

var opNames = map[string]op{"eq": opEq, "ne": opNe, "gt": opGt, "ge": opGe, "lt": opLt, "le": opLe}

// prop describes one property of microsoft.graph.signIn (or of a type nested
// in it): its type, whether v1.0 has it, and which $filter operators Graph
// accepts on it. For collections, ops are those allowed inside any().
type prop struct {
	name string
	kind kind
	v1   bool
	ops  op
	sub  map[string]*prop // lower-case name -> member, for complex types
}

// props builds a lower-case index of ps.
func props(ps ...*prop) map[string]*prop {
	m := make(map[string]*prop, len(ps))
	for _, p := range ps {
		m[strings.ToLower(p.name)] = p
	}
	return m
}

// The $filter support below is taken from the "Supports $filter (...)" notes
// of shared/reference/graph-signin-properties-{v1,beta}.tsv (the msgraph SDK
// model docs, which mirror the Graph reference pages), with two additions seen
// working against real Graph: status/errorCode accepts ne (Microsoft's own
// "Azure AD PowerShell reporting" reference uses "status/errorCode ne 0"), and
// createdDateTime accepts gt and lt besides the documented eq, ge, le (widely
// used in Microsoft-published scripts). Everything else is refused, so a filter
// that passes here has been documented or observed to pass at Graph.
const (
	eqSW   = opEq | opStartsWith
	timeOp = opEq | opGe | opLe | opGt | opLt
)

var statusProps = props(
	&prop{name: "errorCode", kind: kindInt, v1: true, ops: opEq | opNe},
	&prop{name: "failureReason", kind: kindString, v1: true},
	&prop{name: "additionalDetails", kind: kindString, v1: true},
)

var deviceProps = props(
	&prop{name: "browser", kind: kindString, v1: true, ops: eqSW},
	&prop{name: "browserId", kind: kindString},
	&prop{name: "deviceId", kind: kindString, v1: true},
	&prop{name: "displayName", kind: kindString, v1: true},
	&prop{name: "isCompliant", kind: kindBool, v1: true},
	&prop{name: "isManaged", kind: kindBool, v1: true},
	&prop{name: "operatingSystem", kind: kindString, v1: true, ops: eqSW},
	&prop{name: "trustType", kind: kindString, v1: true},
)

var locationProps = props(
	&prop{name: "city", kind: kindString, v1: true, ops: eqSW},
	&prop{name: "countryOrRegion", kind: kindString, v1: true, ops: eqSW},
	&prop{name: "geoCoordinates", kind: kindOther, v1: true},
	&prop{name: "state", kind: kindString, v1: true, ops: eqSW},
)

var caPolicyProps = props(
	&prop{name: "authenticationStrength", kind: kindOther},
	&prop{name: "conditionsNotSatisfied", kind: kindString},
	&prop{name: "conditionsSatisfied", kind: kindString},
	&prop{name: "displayName", kind: kindString, v1: true},
	&prop{name: "enforcedGrantControls", kind: kindOther, v1: true},
	&prop{name: "enforcedSessionControls", kind: kindOther, v1: true},
	&prop{name: "excludeRulesSatisfied", kind: kindOther},
	&prop{name: "id", kind: kindString, v1: true, ops: opEq},
	&prop{name: "includeRulesSatisfied", kind: kindOther},
	&prop{name: "result", kind: kindString, v1: true},
	&prop{name: "sessionControlsNotSatisfied", kind: kindOther},
)

// signInProps is every property of signIn in beta (76, from the beta TSV),
// plus id (from entity) and riskEventTypes (v1.0's deprecated collection,
// still present in beta responses). v1 marks the 24 of v1.0.
var signInProps = props(
	&prop{name: "id", kind: kindString, v1: true, ops: opEq},
	&prop{name: "appDisplayName", kind: kindString, v1: true, ops: eqSW},
	&prop{name: "appId", kind: kindString, v1: true, ops: opEq},
	&prop{name: "appliedConditionalAccessPolicies", kind: kindObjects, v1: true, sub: caPolicyProps},
	&prop{name: "appliedEventListeners", kind: kindOther},
	&prop{name: "appOwnerTenantId", kind: kindString, ops: opEq},
	&prop{name: "appTokenProtectionStatus", kind: kindString},
	&prop{name: "authenticationAppDeviceDetails", kind: kindOther},
	&prop{name: "authenticationAppPolicyEvaluationDetails", kind: kindOther},
	&prop{name: "authenticationContextClassReferences", kind: kindOther},
	&prop{name: "authenticationDetails", kind: kindOther},
	&prop{name: "authenticationMethodsUsed", kind: kindOther},
	&prop{name: "authenticationProcessingDetails", kind: kindOther},
	&prop{name: "authenticationProtocol", kind: kindString},
	&prop{name: "authenticationRequirement", kind: kindString, ops: eqSW},
	&prop{name: "authenticationRequirementPolicies", kind: kindOther},
	&prop{name: "autonomousSystemNumber", kind: kindInt},
	&prop{name: "azureResourceId", kind: kindString},
	&prop{name: "clientAppUsed", kind: kindString, v1: true, ops: opEq},
	&prop{name: "clientCredentialType", kind: kindString},
	&prop{name: "clientSessionId", kind: kindString},
	&prop{name: "conditionalAccessAudiences", kind: kindStrings, ops: opEq},
	&prop{name: "conditionalAccessStatus", kind: kindString, v1: true, ops: opEq},
	&prop{name: "correlationId", kind: kindString, v1: true, ops: opEq},
	&prop{name: "createdDateTime", kind: kindTime, v1: true, ops: timeOp},
	&prop{name: "crossTenantAccessType", kind: kindString},
	&prop{name: "deviceDetail", kind: kindObject, v1: true, sub: deviceProps},
	&prop{name: "federatedCredentialId", kind: kindString},
	&prop{name: "flaggedForReview", kind: kindBool},
	&prop{name: "globalSecureAccessIpAddress", kind: kindString},
	&prop{name: "homeTenantId", kind: kindString},
	&prop{name: "homeTenantName", kind: kindString},
	&prop{name: "incomingTokenType", kind: kindString},
	&prop{name: "ipAddress", kind: kindString, v1: true, ops: eqSW},
	&prop{name: "ipAddressFromResourceProvider", kind: kindString},
	&prop{name: "isInteractive", kind: kindBool, v1: true},
	&prop{name: "isTenantRestricted", kind: kindBool},
	&prop{name: "isThroughGlobalSecureAccess", kind: kindBool},
	&prop{name: "location", kind: kindObject, v1: true, sub: locationProps},
	&prop{name: "managedServiceIdentity", kind: kindOther},
	&prop{name: "mfaDetail", kind: kindOther},
	&prop{name: "networkLocationDetails", kind: kindOther},
	&prop{name: "originalRequestId", kind: kindString, ops: opEq},
	&prop{name: "originalTransferMethod", kind: kindString},
	&prop{name: "privateLinkDetails", kind: kindOther},
	&prop{name: "processingTimeInMilliseconds", kind: kindInt},
	&prop{name: "resourceDisplayName", kind: kindString, v1: true, ops: opEq},
	&prop{name: "resourceId", kind: kindString, v1: true, ops: opEq},
	&prop{name: "resourceOwnerTenantId", kind: kindString, ops: opEq},
	&prop{name: "resourceServicePrincipalId", kind: kindString},
	&prop{name: "resourceTenantId", kind: kindString},
	&prop{name: "riskDetail", kind: kindString, v1: true, ops: opEq},
	&prop{name: "riskEventTypes", kind: kindStrings, v1: true},
	&prop{name: "riskEventTypes_v2", kind: kindStrings, v1: true, ops: eqSW},
	&prop{name: "riskLevelAggregated", kind: kindString, v1: true, ops: opEq},
	&prop{name: "riskLevelDuringSignIn", kind: kindString, v1: true, ops: opEq},
	&prop{name: "riskState", kind: kindString, v1: true, ops: opEq},
	&prop{name: "servicePrincipalCredentialKeyId", kind: kindString},
	&prop{name: "servicePrincipalCredentialThumbprint", kind: kindString},
	&prop{name: "servicePrincipalId", kind: kindString, ops: eqSW},
	&prop{name: "servicePrincipalName", kind: kindString, ops: eqSW},
	&prop{name: "sessionId", kind: kindString},
	&prop{name: "sessionLifetimePolicies", kind: kindOther},
	&prop{name: "signInEventTypes", kind: kindStrings, ops: opEq | opNe},
	&prop{name: "signInIdentifier", kind: kindString},
	&prop{name: "signInIdentifierType", kind: kindString},
	&prop{name: "signInTokenProtectionStatus", kind: kindString},
	&prop{name: "status", kind: kindObject, v1: true, sub: statusProps},
	&prop{name: "tokenIssuerName", kind: kindString, ops: opEq},
	&prop{name: "tokenIssuerType", kind: kindString},
	&prop{name: "tokenProtectionStatusDetails", kind: kindOther},
	&prop{name: "uniqueTokenIdentifier", kind: kindString},
	&prop{name: "userAgent", kind: kindString, ops: eqSW},
	&prop{name: "userDisplayName", kind: kindString, v1: true, ops: eqSW},
	&prop{name: "userId", kind: kindString, v1: true, ops: opEq},
	&prop{name: "userPrincipalName", kind: kindString, v1: true, ops: eqSW},
	&prop{name: "userType", kind: kindString},
)

// lookupProp finds name (case-insensitively, as Graph resolves property names)
// in m as seen by version v.
func lookupProp(m map[string]*prop, name string, v Version) *prop {
	p := m[strings.ToLower(name)]
	if p == nil || (v == V1 && !p.v1) {
		return nil
	}
	return p
}

// Sign-in event types: the values of signInEventTypes.
var (
	eventInteractive      = signin.Interactive.EventType()
	eventNonInteractive   = signin.NonInteractive.EventType()
	eventServicePrincipal = signin.ServicePrincipal.EventType()
	eventManagedIdentity  = signin.ManagedIdentity.EventType()
)
